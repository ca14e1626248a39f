"""IAM's Marker/MaxItems/IsTruncated paging.

Lists are ordered by a stable key (for entities, the case-folded name then the
unique id); the Marker handed back is an opaque encoding of the last key
returned, so a page boundary survives inserts and deletes between calls.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rolecall.protocol.errors import InvalidInput

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 100


def encode_marker(key: Sequence[str]) -> str:
    """An opaque marker for a sort key."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_marker(marker: str) -> tuple[str, ...]:
    """The sort key a marker stands for; InvalidInput if it is not one of ours."""
    try:
        padded = marker + "=" * (-len(marker) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput("Invalid Marker.") from None
    if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
        raise InvalidInput("Invalid Marker.")
    return tuple(key)


def page(
    items: Sequence[T], params: dict[str, Any], key: Callable[[T], tuple[str, ...]]
) -> tuple[list[T], dict[str, Any]]:
    """Cut one page from ``items`` (sorted by ``key``) per ``Marker``/``MaxItems``.

    Returns the page and the paging members of the result (``IsTruncated`` and,
    when truncated, ``Marker``).
    """
    max_items = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    start = 0
    if params.get("Marker"):
        after = decode_marker(params["Marker"])
        start = next((i for i, item in enumerate(items) if key(item) > after), len(items))
    chunk = list(items[start : start + max_items])
    truncated = start + max_items < len(items)
    extra: dict[str, Any] = {"IsTruncated": truncated}
    if truncated and chunk:
        extra["Marker"] = encode_marker(key(chunk[-1]))
    return chunk, extra


def page_query(query: Any, columns: Sequence[Any], params: dict[str, Any]) -> tuple[Any, int]:
    """Restrict a SELECT to one page, in SQL: ``ORDER BY columns``, after the marker, LIMIT.

    Returns the query and the page size; fetch it, then call :func:`finish_page`.
    Only the page (plus one row, to know whether more follow) is read, however
    many rows the table holds.
    """
    from sqlalchemy import tuple_

    max_items = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    if params.get("Marker"):
        after = decode_marker(params["Marker"])
        if len(after) != len(columns):
            raise InvalidInput("Invalid Marker.")
        query = query.where(tuple_(*columns) > tuple_(*after))
    return query.order_by(*columns).limit(max_items + 1), max_items


def finish_page(
    rows: Sequence[T], max_items: int, key: Callable[[T], tuple[str, ...]]
) -> tuple[list[T], dict[str, Any]]:
    """Split the rows of :func:`page_query` into the page and its paging members."""
    chunk = list(rows[:max_items])
    extra: dict[str, Any] = {"IsTruncated": len(rows) > max_items}
    if len(rows) > max_items and chunk:
        extra["Marker"] = encode_marker(key(chunk[-1]))
    return chunk, extra
