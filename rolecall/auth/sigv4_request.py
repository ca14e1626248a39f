"""The request and parsed-signature types of SigV4 verification, and shared helpers.

Text conventions: HTTP carries bytes, ASGI servers hand header values (and we expect
``raw_path``/``raw_query``) as ``str`` decoded with latin-1, which maps each byte to one
code point.  :func:`raw_bytes` undoes that so the canonical request is built from the
bytes the client actually sent and signed; a ``str`` that cannot have come off the wire
(code points above U+00FF, e.g. built by hand in a test) is taken as UTF-8 text instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """An HTTP request as the server received it, before any decoding.

    ``raw_path`` and ``raw_query`` are exactly as sent (percent-encoding intact, no
    ``?``); ``headers`` keeps arrival order, the names' spelling and repeated names.
    """

    method: str
    raw_path: str
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes


@dataclass(frozen=True, slots=True)
class SignedRequestInfo:
    """The SigV4 parameters of a request: parsed and checked for form, not yet verified.

    ``signed_headers`` are lower-cased, in the order the client listed them.
    ``request_time`` is X-Amz-Date (or the Date header) as an aware UTC datetime;
    ``amz_date`` is the same moment in ISO-8601 basic format, as the string to sign
    carries it.
    ``expires`` is X-Amz-Expires when it is a plain non-negative integer, else ``None``.
    """

    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    request_time: datetime
    amz_date: str
    security_token: str | None
    presigned: bool
    expires: int | None


def raw_bytes(text: str) -> bytes:
    """The wire bytes behind ``text`` (see the module docstring)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def format_amz_date(moment: datetime) -> str:
    """``moment`` (UTC) in ISO-8601 basic format, ``YYYYMMDD'T'HHMMSS'Z'``.

    Formatted by hand: ``strftime('%Y')`` does not zero-pad years below 1000 on glibc
    (and %-formatting is twice as fast as an f-string with format specs here).
    """
    return "%04d%02d%02dT%02d%02d%02dZ" % (  # noqa: UP031
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )


def parse_amz_date(value: str) -> datetime | None:
    """Parse ISO-8601 basic format (``20150830T123600Z``); ``None`` if it is not that."""
    if len(value) != 16 or value[8] != "T" or value[15] != "Z":
        return None
    digits = value[:8] + value[9:15]
    # isdigit() alone accepts non-ASCII digits such as '²', which int() then rejects.
    if not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[9:11]),
            int(value[11:13]),
            int(value[13:15]),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def parse_date_header(value: str) -> datetime | None:
    """Parse a ``Date`` header: ISO-8601 basic, or an RFC 7231/2822 HTTP date.

    botocore writes RFC 2822 (``... -0000``) when a request already has a Date header,
    and AWS's "ISO-8601 version of date from HTTP" wording shows AWS converts it.
    """
    parsed = parse_amz_date(value)
    if parsed is not None:
        return parsed
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        # parsedate_to_datetime returns a naive datetime for the "-0000" zone: UTC.
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
