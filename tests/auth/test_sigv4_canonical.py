"""Unit tests of the canonical-request pieces, against botocore's own canonicalisation."""

from __future__ import annotations

from urllib.parse import quote, quote_from_bytes

import pytest
from botocore.utils import normalize_url_path

from rolecall.auth.sigv4_canonical import canonical_query, canonical_uri


@pytest.mark.parametrize("byte", range(256))
def test_every_escape_canonicalises_like_the_slow_path(byte: int) -> None:
    expected = "k=" + quote_from_bytes(bytes([byte]), safe="")
    assert canonical_query(f"k=%{byte:02X}", presigned=False) == expected
    assert canonical_query(f"k=%{byte:02x}", presigned=False) == expected


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("", ""),
        ("b=2&a=1", "a=1&b=2"),
        ("a=2&a=10&a=1", "a=1&a=10&a=2"),
        ("flag", "flag="),
        ("a=1&&b=2&", "a=1&b=2"),
        ("a=x+y", "a=x%20y"),
        ("a=x%2By", "a=x%2By"),
        ("a=%7e%2d", "a=~-"),
        ("a=b=c", "a=b%3Dc"),
        ("%E1%88%B4=bar", "%E1%88%B4=bar"),
        ("a=/?#[]@!$'()*,;", "a=%2F%3F%23%5B%5D%40%21%24%27%28%29%2A%2C%3B"),
        ("B=1&a=1&_=1&~=1&-=1&.=1&0=1", "-=1&.=1&0=1&B=1&_=1&a=1&~=1"),
    ],
)
def test_canonical_query(raw: str, canonical: str) -> None:
    assert canonical_query(raw, presigned=False) == canonical


def test_presigned_signature_is_left_out_wherever_it_is() -> None:
    raw = "X-Amz-Signature=abc&a=1&X-Amz-Signature=def&X-Amz-SignedHeaders=host"
    assert canonical_query(raw, presigned=True) == "X-Amz-SignedHeaders=host&a=1"
    assert canonical_query(raw, presigned=False).count("X-Amz-Signature") == 2


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "",
        "//",
        "/a/b/c",
        "/a/b/c/",
        "/a//b///c//",
        "/./a/../b/./c/..",
        "/../../a",
        "/a/..",
        "/.hidden/..x/...",
        "/%2F%20/%7E~",
        "/caf%C3%A9/x%25y",
        "/a b/c+d/e@f:g",
        "relative/path",
        "*",
    ],
)
def test_canonical_uri_matches_botocore(path: str) -> None:
    # botocore: quote(normalize_url_path(path), safe="/~") over the path as sent.
    assert canonical_uri(path) == quote(normalize_url_path(path), safe="/~")
