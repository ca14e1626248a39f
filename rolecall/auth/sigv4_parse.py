"""Parsing the SigV4 parameters of a request, and the freshness check.

The order of the checks, and so which error a request with several faults gets, follows
what AWS's authentication layer (shared by IAM, STS and DynamoDB) was observed to do:

1. ``Authorization`` header and ``X-Amz-Algorithm`` query parameter both present;
2. neither present, or a header not starting with ``AWS4-``: MissingAuthenticationToken;
3. each ``,``/whitespace-separated header parameter must be ``key=value``;
4. Credential, Signature, SignedHeaders and a date must all be present (one message);
5. the date must be ISO-8601 basic format;
6. the 15-minute window (only here when ``now`` is passed, else via check_freshness);
7. ``host`` (or ``:authority``) must be a signed header;
8. the algorithm must be AWS4-HMAC-SHA256;
9. the credential must have 5 ``/``-separated parts;
10. region, service, terminator and scope date (one combined message).

The caller then looks the access key up (InvalidClientTokenId), verifies the signature
(:class:`~rolecall.auth.sigv4.SigV4Verifier`) and finally checks the session token.
"""

from __future__ import annotations

import re
from collections.abc import Container
from datetime import UTC, datetime

from rolecall.auth.sigv4_canonical import ALGORITHM, decode_component, decode_name, split_query
from rolecall.auth.sigv4_errors import (
    AuthorizationQueryParametersError,
    IncompleteSignature,
    MissingAuthenticationToken,
    PresignedRequestExpired,
    SignatureDoesNotMatch,
)
from rolecall.auth.sigv4_request import (
    HttpRequest,
    SignedRequestInfo,
    format_amz_date,
    parse_amz_date,
    parse_date_header,
)

SKEW_SECONDS = 15 * 60
MAX_PRESIGN_EXPIRES = 7 * 24 * 60 * 60

_SEPARATORS = re.compile(r"[,\t\n\x0b\x0c\r ]+")
_QUERY_AUTH_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
)


def _tokens(value: str) -> list[str]:
    """Split on commas and ASCII whitespace, dropping empty tokens.

    AWS tokenises this way: ``Credential= AKID/...`` is reported as "'AKID/...' not a
    valid key=value pair", so a space separates parameters just as a comma does.
    """
    if value.isascii() and value.isprintable():
        # The usual header (no tab or other control character): plain splitting.
        return [token for token in value.replace(",", " ").split(" ") if token]
    return [token for token in _SEPARATORS.split(value) if token]


def _header_values(req: HttpRequest) -> tuple[str | None, str | None, str | None, str | None]:
    """First Authorization, X-Amz-Date, Date and X-Amz-Security-Token values."""
    authorization = amz_date = date = token = None
    for name, value in req.headers:
        lowered = name.lower()
        if lowered == "authorization":
            if authorization is None:
                authorization = value
        elif lowered == "x-amz-date":
            if amz_date is None:
                amz_date = value
        elif lowered == "date":
            if date is None:
                date = value
        elif lowered == "x-amz-security-token" and token is None:
            token = value
    return authorization, amz_date, date, token


def _query_auth_params(raw_query: str) -> dict[str, str] | None:
    """The first value of each ``X-Amz-*`` query parameter, if X-Amz-Algorithm is there."""
    if not raw_query or ("X-Amz-Algorithm" not in raw_query and "%" not in raw_query):
        return None
    found: dict[str, str] = {}
    for name, value in split_query(raw_query):
        key = decode_name(name)
        if key.startswith("X-Amz-") and key not in found:
            found[key] = decode_component(value)
    return found if "X-Amz-Algorithm" in found else None


def _check_window(request_time: datetime, amz_date: str, now: float) -> None:
    """AWS's 15-minute window, with its messages ("Signature expired: ...")."""
    now_seconds = int(now // 1)
    request_seconds = int(request_time.timestamp())
    if request_seconds < now_seconds - SKEW_SECONDS:
        raise SignatureDoesNotMatch(
            f"Signature expired: {amz_date} is now earlier than "
            f"{_format_epoch(now_seconds - SKEW_SECONDS)} ({_format_epoch(now_seconds)} - 15 min.)"
        )
    if request_seconds > now_seconds + SKEW_SECONDS:
        raise SignatureDoesNotMatch(
            f"Signature not yet current: {amz_date} is still later than "
            f"{_format_epoch(now_seconds + SKEW_SECONDS)} ({_format_epoch(now_seconds)} + 15 min.)"
        )


def _format_epoch(seconds: int) -> str:
    return format_amz_date(datetime.fromtimestamp(seconds, tz=UTC))


def _require_host(signed_headers: tuple[str, ...]) -> None:
    if "host" not in signed_headers and ":authority" not in signed_headers:
        raise SignatureDoesNotMatch(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )


def _check_algorithm(algorithm: str) -> None:
    if algorithm != ALGORITHM:
        raise IncompleteSignature(
            f"Unsupported AWS 'algorithm': '{algorithm}' (only AWS4-HMAC-SHA256 for now). "
        )


def _split_credential(credential: str) -> list[str]:
    # AWS ignores trailing slashes here ("a/b/c/d/e/" is five elements).
    parts = credential.rstrip("/").split("/")
    if len(parts) != 5:
        raise IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    return parts


def _check_scope(
    parts: list[str],
    iso: str,
    regions: Container[str] | None,
    service: str | None,
) -> None:
    """Region, service, terminator and date of the scope, reported together as AWS does."""
    _, scope_date, scope_region, scope_service, terminator = parts
    problems: list[str] = []
    if regions is not None and scope_region not in regions:
        problems.append(f"Credential should be scoped to a valid region, not '{scope_region}'. ")
    if service is not None and scope_service != service:
        problems.append(f"Credential should be scoped to correct service: '{service}'. ")
    if terminator != "aws4_request":
        problems.append(
            "Credential should be scoped with a valid terminator: 'aws4_request', "
            f"not '{terminator}'. "
        )
    if scope_date != iso[:8]:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{scope_date}' != '{iso[:8]}', from '{iso}'."
        )
    if problems:
        raise SignatureDoesNotMatch("".join(problems))


def _parse_expires(value: str | None) -> int | None:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 12:
        return None
    return int(value)


def parse_signed_request(
    req: HttpRequest,
    *,
    now: float | None = None,
    regions: Container[str] | None = None,
    service: str | None = None,
) -> SignedRequestInfo:
    """Parse and sanity-check the SigV4 parameters of ``req`` (header or presigned query).

    ``now`` (seconds since the epoch), when given, applies the 15-minute window at the
    point AWS does (see the module docstring); otherwise call :func:`check_freshness`.
    ``regions`` and ``service``, when given, are the scopes this server accepts.

    Raises MissingAuthenticationToken, IncompleteSignature or SignatureDoesNotMatch
    (and MalformedQueryString for a presigned query with a broken ``%`` escape).
    """
    authorization, amz_date, date, token = _header_values(req)
    if authorization is not None and not authorization.strip():
        authorization = None
    query_params = _query_auth_params(req.raw_query)
    if query_params is not None:
        if authorization is not None:
            raise SignatureDoesNotMatch(
                "Found both 'X-Amz-Algorithm' as a query-string param "
                "and 'Authorization' as HTTP header."
            )
        return _parse_query(query_params, now, regions, service)
    if authorization is None or not authorization.lstrip().startswith("AWS4-"):
        raise MissingAuthenticationToken()
    return _parse_header(
        authorization,
        amz_date or date,
        token,
        iso_only=bool(amz_date),
        now=now,
        regions=regions,
        service=service,
    )


def _parse_header(
    authorization: str,
    date_value: str | None,
    token: str | None,
    *,
    iso_only: bool,
    now: float | None,
    regions: Container[str] | None,
    service: str | None,
) -> SignedRequestInfo:
    """The header form; ``date_value`` is X-Amz-Date if non-empty (``iso_only``), else Date."""
    algorithm, *rest = _tokens(authorization)
    params: dict[str, str] = {}
    for token_text in rest:
        key, equals, value = token_text.partition("=")
        if not equals:
            raise IncompleteSignature(
                f"'{token_text}' not a valid key=value pair (missing equal-sign) "
                f"in Authorization header: '{authorization}'."
            )
        params[key] = value  # a repeated key: the last one wins, as in AWS
    credential = params.get("Credential", "")
    signature = params.get("Signature", "")
    signed = params.get("SignedHeaders")
    missing: list[str] = []
    if not credential:
        missing.append("Authorization header requires 'Credential' parameter.")
    if not signature:
        missing.append("Authorization header requires 'Signature' parameter.")
    if signed is None:
        missing.append("Authorization header requires 'SignedHeaders' parameter.")
    if not date_value:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if missing or signed is None or not date_value:
        raise IncompleteSignature(" ".join(missing) + f" Authorization={authorization}")
    request_time = parse_amz_date(date_value) if iso_only else parse_date_header(date_value)
    if request_time is None:
        raise IncompleteSignature(_bad_date_message(date_value))
    # A valid ISO-8601 basic X-Amz-Date is already its own canonical form.
    amz_date = date_value if iso_only else format_amz_date(request_time)
    if now is not None:
        _check_window(request_time, amz_date, now)
    signed_headers = tuple(signed.lower().split(";"))
    _require_host(signed_headers)
    _check_algorithm(algorithm)
    parts = _split_credential(credential)
    _check_scope(parts, amz_date, regions, service)
    return SignedRequestInfo(
        access_key_id=parts[0],
        date=parts[1],
        region=parts[2],
        service=parts[3],
        signed_headers=signed_headers,
        signature=signature,
        request_time=request_time,
        amz_date=amz_date,
        security_token=token,
        presigned=False,
        expires=None,
    )


def _bad_date_message(value: str) -> str:
    return (
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def _parse_query(
    params: dict[str, str],
    now: float | None,
    regions: Container[str] | None,
    service: str | None,
) -> SignedRequestInfo:
    missing = [
        f"AWS query-string parameters must include '{name}'."
        for name in _QUERY_AUTH_PARAMS
        if not params.get(name)
    ]
    if missing:
        raise IncompleteSignature(" ".join(missing) + " Re-examine the query-string parameters.")
    date_value = params["X-Amz-Date"]
    request_time = parse_amz_date(date_value)
    if request_time is None:
        raise IncompleteSignature(_bad_date_message(date_value))
    if now is not None:
        _check_window(request_time, date_value, now)
    signed_headers = tuple(params["X-Amz-SignedHeaders"].lower().split(";"))
    _require_host(signed_headers)
    _check_algorithm(params["X-Amz-Algorithm"])
    parts = _split_credential(params["X-Amz-Credential"])
    _check_scope(parts, date_value, regions, service)
    return SignedRequestInfo(
        access_key_id=parts[0],
        date=parts[1],
        region=parts[2],
        service=parts[3],
        signed_headers=signed_headers,
        signature=params["X-Amz-Signature"],
        request_time=request_time,
        amz_date=date_value,
        security_token=params.get("X-Amz-Security-Token"),
        presigned=True,
        expires=_parse_expires(params.get("X-Amz-Expires")),
    )


def check_freshness(info: SignedRequestInfo, now: float, *, enforce_expires: bool = False) -> None:
    """Refuse a request signed more than 15 minutes before or after ``now``.

    IAM and STS apply the same window to presigned requests and ignore X-Amz-Expires
    (AWS SDK maintainers: only S3 honours it; EKS tokens long carried ``X-Amz-Expires=0``
    and STS accepted them).  ``enforce_expires=True`` applies S3's rules instead: the
    request is good from X-Amz-Date - 15 min to X-Amz-Date + X-Amz-Expires, and
    X-Amz-Expires must be a number of seconds up to 604800 (7 days).
    """
    if not (enforce_expires and info.presigned):
        _check_window(info.request_time, info.amz_date, now)
        return
    expires = info.expires
    if expires is None:
        raise AuthorizationQueryParametersError("X-Amz-Expires should be a number")
    if expires > MAX_PRESIGN_EXPIRES:
        raise AuthorizationQueryParametersError(
            "X-Amz-Expires must be less than a week (in seconds); that is, "
            "the given X-Amz-Expires must be less than 604800 seconds"
        )
    now_seconds = int(now // 1)
    request_seconds = int(info.request_time.timestamp())
    if request_seconds > now_seconds + SKEW_SECONDS:
        _check_window(info.request_time, info.amz_date, now)
    if now_seconds > request_seconds + expires:
        raise PresignedRequestExpired()
