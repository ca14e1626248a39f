"""Paging of List*Tags results (instance profiles, OIDC/SAML providers, MFA devices).

Those operations take ``Marker``/``MaxItems``; tags are few (at most 50), so the
page is cut in memory from the key-sorted list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..paging import page
from ..tagging import tag_list


def tag_page(pairs: Iterable[tuple[str, str]], params: dict[str, Any]) -> dict[str, Any]:
    """The ``Tags``/``IsTruncated``/``Marker`` result members for one page of tags."""
    # Sorted here rather than trusting the database's collation, so the order agrees
    # with the comparison the marker is resumed by.
    ordered = sorted(pairs)
    chunk, extra = page(ordered, params, lambda kv: (kv[0],))
    return {"Tags": tag_list(chunk), **extra}
