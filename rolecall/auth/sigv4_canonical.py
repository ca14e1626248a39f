"""The SigV4 canonical request and string to sign, rebuilt from what the client sent.

Follows AWS's "Create a canonical request" rules for services other than S3, with
botocore (what the AWS CLI and boto3 sign with) as the tie-breaker where the text is
loose: the path has dot segments and repeated slashes removed and is then URI-encoded
once more (so ``%`` becomes ``%25``); query parameters are decoded, re-encoded with the
unreserved set ``A-Za-z0-9-_.~`` and sorted by encoded name, then value; header values
are trimmed, runs of whitespace folded to one space and repeated headers joined by ``,``.
"""

from __future__ import annotations

import re
from hashlib import sha256
from urllib.parse import quote_from_bytes, unquote_plus, unquote_to_bytes

from rolecall.auth.sigv4_errors import XAmzContentSHA256Mismatch
from rolecall.auth.sigv4_request import HttpRequest, SignedRequestInfo, raw_bytes
from rolecall.protocol.errors import MalformedQueryString

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = sha256(b"").hexdigest()

# Already canonical: unreserved characters and upper-case escapes of any other byte.
_CANONICAL = re.compile(
    r"(?:[A-Za-z0-9\-._~]+|%(?!2D|2E|3[0-9]|4[1-9A-F]|5[0-9AF]|6[1-9A-F]|7[0-9AE])[0-9A-F]{2})*"
)
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def _check_escapes(component: str) -> None:
    """Refuse a ``%`` that does not start a two-digit hex escape, as AWS does."""
    bad = _BAD_ESCAPE.search(component)
    if bad is None:
        return
    rest = component[bad.end() : bad.end() + 2]
    if len(rest) < 2:
        raise MalformedQueryString("Incomplete trailing escape % sequence")
    raise MalformedQueryString(f"Illegal hex character in escape % pattern: %{rest}")


def split_query(raw_query: str) -> list[tuple[str, str]]:
    """``raw_query`` as (name, value) pairs, still percent-encoded, in order.

    Empty pieces (``a=1&&b=2``, a trailing ``&``) are skipped; a piece without ``=``
    is a name with an empty value.
    """
    pairs: list[tuple[str, str]] = []
    if not raw_query:
        return pairs
    for piece in raw_query.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((name, value))
    return pairs


def _decode_bytes(component: str) -> bytes:
    """Form-decode a query component: ``+`` is a space, ``%XX`` a byte.

    ``+`` must mean space: botocore puts the query of REST calls on the wire with
    ``urlencode`` (space as ``+``) but signs it with the space as ``%20``, so AWS has
    to read ``+`` as a space for those signatures to verify.  A literal plus is ``%2B``.
    """
    _check_escapes(component)
    return unquote_to_bytes(raw_bytes(component).replace(b"+", b" "))


def decode_component(component: str) -> str:
    """Form-decode a query component to wire-convention text (latin-1, see above)."""
    if "%" not in component and "+" not in component:
        return component
    return _decode_bytes(component).decode("latin-1")


def decode_name(name: str) -> str:
    """Decode a query parameter name just enough to compare it with ``X-Amz-*``."""
    return unquote_plus(name) if "%" in name or "+" in name else name


def _canonical_component(component: str) -> str:
    """Decode then re-encode one query name or value in SigV4's canonical form."""
    if _CANONICAL.fullmatch(component):
        return component
    return quote_from_bytes(_decode_bytes(component), safe="")


def canonical_query(raw_query: str, *, presigned: bool) -> str:
    """The canonical query string; a presigned request's X-Amz-Signature is left out."""
    encoded: list[tuple[str, str]] = []
    for name, value in split_query(raw_query):
        canonical_name = _canonical_component(name)
        if presigned and canonical_name == "X-Amz-Signature":
            continue
        encoded.append((canonical_name, _canonical_component(value)))
    encoded.sort()
    return "&".join(f"{name}={value}" for name, value in encoded)


def _remove_dot_segments(path: bytes) -> bytes:
    """RFC 3986 dot-segment removal that also drops empty segments (``//``)."""
    kept: list[bytes] = []
    for segment in path.split(b"/"):
        if not segment or segment == b".":
            continue
        if segment == b"..":
            if kept:
                kept.pop()
        else:
            kept.append(segment)
    lead = b"/" if path.startswith(b"/") else b""
    trail = b"/" if path.endswith(b"/") and kept else b""
    return lead + b"/".join(kept) + trail


def canonical_uri(raw_path: str) -> str:
    """The canonical URI: normalised, then every byte outside ``A-Za-z0-9-_.~/`` encoded."""
    if raw_path == "/":
        return raw_path
    path = raw_bytes(raw_path)
    if not path:
        return "/"
    if not path.startswith(b"/") or b"//" in path or b"/." in path:
        path = _remove_dot_segments(path)
        if not path:
            return "/"
    return quote_from_bytes(path, safe="/")


def _trim_all(value: str) -> bytes:
    """Trim a header value and fold inner runs of ASCII whitespace to one space."""
    return b" ".join(raw_bytes(value).split())


def canonical_headers(req: HttpRequest, signed_headers: tuple[str, ...]) -> bytes:
    """``name:value`` lines for the signed headers, in the order they were listed.

    A signed header missing from the request contributes ``name:`` with no value; an
    HTTP/1.1 request has no ``:authority``, so that name falls back to ``Host``.
    """
    wanted = set(signed_headers)
    if ":authority" in wanted:
        wanted.add("host")
    values: dict[str, list[bytes]] = {}
    for name, value in req.headers:
        lowered = name.lower()
        if lowered in wanted:
            found = values.get(lowered)
            if found is None:
                values[lowered] = [_trim_all(value)]
            else:
                found.append(_trim_all(value))
    lines: list[bytes] = []
    for name in signed_headers:
        found = values.get(name)
        if found is None and name == ":authority":
            found = values.get("host")
        lines.append(raw_bytes(name) + b":" + (b",".join(found) if found else b""))
    return b"\n".join(lines)


def _first_header(req: HttpRequest, lowered_name: str) -> str | None:
    for name, value in req.headers:
        if name.lower() == lowered_name:
            return value
    return None


def payload_hash(req: HttpRequest) -> tuple[str, bool]:
    """The payload line, and whether the body must still be checked against it.

    The line is the body's SHA-256, or what X-Amz-Content-Sha256 declares (botocore
    signs the declared value verbatim).  A declared hash must match the body, which
    :func:`check_declared_payload` checks once the signature is known to be good;
    ``UNSIGNED-PAYLOAD`` leaves the body unauthenticated, as the client asked.  S3's
    chunked ``STREAMING-*`` modes would leave the body unverified here: refused.
    """
    declared = _first_header(req, "x-amz-content-sha256")
    if declared is None:
        return (sha256(req.body).hexdigest() if req.body else EMPTY_SHA256), False
    declared = declared.strip()
    if declared == UNSIGNED_PAYLOAD:
        return declared, False
    if not _HEX64.fullmatch(declared):
        raise XAmzContentSHA256Mismatch(
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value."
        )
    return declared, True


def check_declared_payload(req: HttpRequest, declared: str) -> None:
    """Refuse a body whose SHA-256 is not the hex digest the client declared."""
    if declared.lower() != sha256(req.body).hexdigest():
        raise XAmzContentSHA256Mismatch()


def build_canonical_request(req: HttpRequest, info: SignedRequestInfo, payload: str) -> bytes:
    """The canonical request with ``payload`` as its payload line."""
    return b"\n".join(
        (
            raw_bytes(req.method),
            canonical_uri(req.raw_path).encode("ascii"),
            canonical_query(req.raw_query, presigned=info.presigned).encode("ascii"),
            canonical_headers(req, info.signed_headers) + b"\n",
            raw_bytes(";".join(info.signed_headers)),
            raw_bytes(payload),
        )
    )


def canonical_request(req: HttpRequest, info: SignedRequestInfo) -> bytes:
    """The canonical request exactly as the client must have hashed it.

    Raises :class:`~rolecall.protocol.errors.MalformedQueryString` for a broken
    ``%`` escape and :class:`XAmzContentSHA256Mismatch` for an unusable payload hash.
    """
    return build_canonical_request(req, info, payload_hash(req)[0])


def credential_scope(info: SignedRequestInfo) -> bytes:
    """``date/region/service/aws4_request`` from the request's own credential."""
    return raw_bytes(f"{info.date}/{info.region}/{info.service}/aws4_request")


def string_to_sign(info: SignedRequestInfo, canonical: bytes) -> bytes:
    """The SigV4 string to sign for ``canonical`` under ``info``'s credential scope."""
    return b"\n".join(
        (
            ALGORITHM.encode("ascii"),
            info.amz_date.encode("ascii"),
            credential_scope(info),
            sha256(canonical).hexdigest().encode("ascii"),
        )
    )
