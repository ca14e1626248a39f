"""Malformed or incomplete SigV4 parameters get AWS's error code, status and message."""

from __future__ import annotations

import dataclasses

import pytest
from sigv4_helpers import SIGNING_EPOCH, presign, replace_header, sign

from rolecall.auth.sigv4 import (
    HttpRequest,
    IncompleteSignature,
    MissingAuthenticationToken,
    SignatureDoesNotMatch,
    SigV4Verifier,
    parse_signed_request,
)
from rolecall.protocol.errors import AWSError, MalformedQueryString

DATE = "20240501T120000Z"
GOOD = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/iam/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)


def request(
    authorization: str | None = GOOD,
    *,
    query: str = "",
    amz_date: str | None = DATE,
    date: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
) -> HttpRequest:
    headers: list[tuple[str, str]] = [("Host", "iam.amazonaws.com")]
    if amz_date is not None:
        headers.append(("X-Amz-Date", amz_date))
    if date is not None:
        headers.append(("Date", date))
    if authorization is not None:
        headers.append(("Authorization", authorization))
    headers.extend(extra)
    return HttpRequest("POST", "/", query, tuple(headers), b"")


def error_of(req: HttpRequest, **kwargs: object) -> AWSError:
    with pytest.raises(AWSError) as caught:
        parse_signed_request(req, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_good_header_parses() -> None:
    info = parse_signed_request(request())
    assert info.access_key_id == "AKIDEXAMPLE"
    assert info.signed_headers == ("host", "x-amz-date")
    assert info.signature == "0" * 64


@pytest.mark.parametrize(
    "authorization",
    [None, "", "   ", "Bearer abc.def.ghi", "AWS AKIDEXAMPLE:c2lnbmF0dXJl", "aws4-hmac-sha256 x=y"],
)
def test_missing_authentication(authorization: str | None) -> None:
    error = error_of(request(authorization))
    assert isinstance(error, MissingAuthenticationToken)
    assert (error.code, error.status, error.message) == (
        "MissingAuthenticationToken",
        403,
        "Request is missing Authentication Token",
    )
    assert error.fault_type == "Sender"


def test_both_header_and_query_auth() -> None:
    error = error_of(request(query="X-Amz-Algorithm=AWS4-HMAC-SHA256&Action=ListUsers"))
    assert isinstance(error, SignatureDoesNotMatch)
    assert error.status == 403
    assert error.message == (
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
    )


@pytest.mark.parametrize(
    ("authorization", "token"),
    [
        (
            "AWS4-HMAC-SHA256 Credential= AKIDEXAMPLE/20240501/us-east-1/iam/aws4_request, "
            "SignedHeaders=host, Signature=abc",
            "AKIDEXAMPLE/20240501/us-east-1/iam/aws4_request",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20240501/us-east-1/iam/aws4_request, "
            "SignedHeaders=host, Signature=abc",
            "/20240501/us-east-1/iam/aws4_request",
        ),
        ("AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders", "Credential"),
        ("Authorization: AWS4-HMAC-SHA256 Credential=a", None),
    ],
)
def test_missing_equal_sign(authorization: str, token: str | None) -> None:
    error = error_of(request(authorization))
    if token is None:  # does not start with AWS4-: not SigV4 at all
        assert isinstance(error, MissingAuthenticationToken)
        return
    assert isinstance(error, IncompleteSignature)
    assert error.status == 400
    assert error.message == (
        f"'{token}' not a valid key=value pair (missing equal-sign) "
        f"in Authorization header: '{authorization}'."
    )


def test_all_missing_parameters_reported_together() -> None:
    error = error_of(request("AWS4-HMAC-SHA256", amz_date=None))
    assert isinstance(error, IncompleteSignature)
    assert error.message == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256"
    )


def test_one_missing_parameter() -> None:
    auth = (
        "AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/iam/aws4_request, SignedHeaders=host"
    )
    error = error_of(request(auth))
    assert error.message == (
        f"Authorization header requires 'Signature' parameter. Authorization={auth}"
    )


def test_empty_values_count_as_missing_but_empty_signed_headers_does_not() -> None:
    auth = "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature="
    error = error_of(request(auth))
    assert error.message == (
        "Authorization header requires 'Credential' parameter. "
        f"Authorization header requires 'Signature' parameter. Authorization={auth}"
    )


def test_date_header_is_used_when_x_amz_date_is_absent_or_empty() -> None:
    assert parse_signed_request(request(amz_date=None, date=DATE)).request_time.hour == 12
    rfc = parse_signed_request(request(amz_date="", date="Wed, 01 May 2024 12:00:00 GMT"))
    assert rfc.request_time.isoformat() == "2024-05-01T12:00:00+00:00"
    rfc2822 = parse_signed_request(request(amz_date=None, date="Wed, 01 May 2024 12:00:00 -0000"))
    assert rfc2822.request_time == rfc.request_time


@pytest.mark.parametrize(
    "value",
    [
        "201",
        "2024-05-01T12:00:00Z",
        "20240501T120000",
        "20241301T120000Z",
        "20240501T126000Z",
        "2024O501T120000Z",
        "²0240501T120000Z",
        "Wed, 01 May 2024 12:00:00 GMT",
    ],
)
def test_bad_x_amz_date(value: str) -> None:
    error = error_of(request(amz_date=value))
    assert isinstance(error, IncompleteSignature)
    assert error.message == (
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def test_bad_date_header() -> None:
    error = error_of(request(amz_date=None, date="yesterday"))
    assert isinstance(error, IncompleteSignature)
    assert "Got 'yesterday'" in error.message


def test_host_must_be_signed() -> None:
    auth = GOOD.replace("SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date")
    error = error_of(request(auth))
    assert isinstance(error, SignatureDoesNotMatch)
    assert error.message == (
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    )
    for names in ("Host;X-Amz-Date", ":authority;x-amz-date"):
        parse_signed_request(request(GOOD.replace("host;x-amz-date", names)))


def test_x_amz_date_need_not_be_signed() -> None:
    # AWS only insists on Host; the date is covered by the string to sign anyway.
    parse_signed_request(request(GOOD.replace("host;x-amz-date", "host")))


def test_unsupported_algorithm() -> None:
    error = error_of(request(GOOD.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")))
    assert isinstance(error, IncompleteSignature)
    assert error.message == (
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "
    )


@pytest.mark.parametrize(
    "credential", ["a/b/c/d", "AKID/20240501/us-east-1/iam/aws4_request/extra", "AKID"]
)
def test_credential_needs_five_parts(credential: str) -> None:
    error = error_of(
        request(GOOD.replace("AKIDEXAMPLE/20240501/us-east-1/iam/aws4_request", credential))
    )
    assert isinstance(error, IncompleteSignature)
    assert error.message == (
        "Credential must have exactly 5 slash-delimited elements, "
        f"e.g. keyid/date/region/service/term, got '{credential}'"
    )


def test_credential_trailing_slashes_are_ignored() -> None:
    info = parse_signed_request(request(GOOD.replace("aws4_request,", "aws4_request//,")))
    assert info.service == "iam"


def test_scope_problems_are_reported_together() -> None:
    auth = GOOD.replace("20240501/us-east-1/iam/aws4_request", "20240502/mars-1/dynamodb/aws5")
    error = error_of(request(auth), regions={"us-east-1"}, service="iam")
    assert isinstance(error, SignatureDoesNotMatch)
    assert error.message == (
        "Credential should be scoped to a valid region, not 'mars-1'. "
        "Credential should be scoped to correct service: 'iam'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5'. "
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
        "from HTTP: '20240502' != '20240501', from '20240501T120000Z'."
    )


def test_single_region_problem_keeps_aws_trailing_space() -> None:
    auth = GOOD.replace("us-east-1", "ap-southeast-2")
    error = error_of(request(auth), regions=("us-east-1",))
    assert error.message == "Credential should be scoped to a valid region, not 'ap-southeast-2'. "
    # Without a region list any region is accepted; the server routes on the service.
    assert parse_signed_request(request(auth)).region == "ap-southeast-2"


def test_order_bad_date_beats_host_and_algorithm() -> None:
    auth = "AWS4-HMAC-SHA1 Credential=x, SignedHeaders=x-amz-date, Signature=y"
    assert "Date must be in ISO-8601" in error_of(request(auth, amz_date="bad")).message
    # ... the window beats host, algorithm and credential when `now` is given ...
    stale = error_of(request(auth), now=SIGNING_EPOCH + 3600)
    assert stale.message.startswith("Signature expired: ")
    # ... then host, then algorithm, then credential shape.
    assert "'Host' or ':authority'" in error_of(request(auth)).message
    auth = auth.replace("SignedHeaders=x-amz-date", "SignedHeaders=host")
    assert "Unsupported AWS 'algorithm'" in error_of(request(auth)).message
    auth = auth.replace("AWS4-HMAC-SHA1", "AWS4-HMAC-SHA256")
    assert "Credential must have exactly 5" in error_of(request(auth)).message


def test_repeated_parameter_last_one_wins() -> None:
    info = parse_signed_request(request(GOOD + ", Signature=" + "1" * 64))
    assert info.signature == "1" * 64


def test_comma_only_and_tab_separators() -> None:
    auth = GOOD.replace(", ", ",").replace("Credential", "\tCredential")
    assert parse_signed_request(request(auth)).access_key_id == "AKIDEXAMPLE"


def test_first_of_repeated_auth_headers_is_used() -> None:
    req = request(extra=(("authorization", "garbage"),))
    assert parse_signed_request(req).access_key_id == "AKIDEXAMPLE"


def test_security_token_header() -> None:
    req = request(extra=(("X-Amz-Security-Token", "tok+/="),))
    assert parse_signed_request(req).security_token == "tok+/="
    assert parse_signed_request(request()).security_token is None


# --- presigned (query-string) form -------------------------------------------------------

QUERY = (
    "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIDEXAMPLE%2F20240501%2Fus-east-1%2Fsts%2Faws4_request"
    f"&X-Amz-Date={DATE}&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
    "&X-Amz-Security-Token=a%2Bb%2Fc%3D&X-Amz-Signature=" + "0" * 64
)


def test_good_query_parses() -> None:
    info = parse_signed_request(request(None, query=QUERY, amz_date=None))
    assert info.presigned
    assert info.service == "sts"
    assert info.expires == 60
    assert info.security_token == "a+b/c="


@pytest.mark.parametrize(
    "drop",
    ["X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"],
)
def test_query_missing_parameter(drop: str) -> None:
    query = "&".join(p for p in QUERY.split("&") if not p.startswith(drop + "="))
    error = error_of(request(None, query=query))
    assert isinstance(error, IncompleteSignature)
    assert error.message == (
        f"AWS query-string parameters must include '{drop}'. "
        "Re-examine the query-string parameters."
    )


def test_query_all_missing_and_empty_algorithm() -> None:
    error = error_of(request(None, query="X-Amz-Algorithm=&X-Amz-Date="))
    assert error.message == (
        "AWS query-string parameters must include 'X-Amz-Algorithm'. "
        "AWS query-string parameters must include 'X-Amz-Credential'. "
        "AWS query-string parameters must include 'X-Amz-Signature'. "
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
        "AWS query-string parameters must include 'X-Amz-Date'. "
        "Re-examine the query-string parameters."
    )


def test_query_without_algorithm_is_not_presigned() -> None:
    query = QUERY.replace("X-Amz-Algorithm=AWS4-HMAC-SHA256&", "")
    assert isinstance(error_of(request(None, query=query)), MissingAuthenticationToken)


def test_query_percent_encoded_algorithm_name_counts() -> None:
    query = QUERY.replace("X-Amz-Algorithm", "X-Amz-%41lgorithm")
    assert parse_signed_request(request(None, query=query)).presigned


def test_query_first_value_wins() -> None:
    query = QUERY + "&X-Amz-Credential=other%2F20240501%2Fus-east-1%2Fsts%2Faws4_request"
    assert parse_signed_request(request(None, query=query)).access_key_id == "AKIDEXAMPLE"


def test_query_bad_algorithm_and_bad_date() -> None:
    bad_algorithm = QUERY.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256")
    assert "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'" in (
        error_of(request(None, query=bad_algorithm)).message
    )
    bad_date = QUERY.replace(DATE, "2024-05-01")
    assert error_of(request(None, query=bad_date)).message.startswith(
        "Date must be in ISO-8601 'basic format'. Got '2024-05-01'."
    )


def test_query_host_must_be_signed() -> None:
    query = QUERY.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-amz-date")
    assert isinstance(error_of(request(None, query=query)), SignatureDoesNotMatch)


@pytest.mark.parametrize(
    ("value", "expected"), [("60", 60), ("0", 0), ("-1", None), ("1e3", None), ("", None)]
)
def test_query_expires_parsing(value: str, expected: int | None) -> None:
    query = QUERY.replace("X-Amz-Expires=60", f"X-Amz-Expires={value}")
    assert parse_signed_request(request(None, query=query)).expires == expected


@pytest.mark.parametrize(
    ("escape", "message"),
    [
        ("%G1", "Illegal hex character in escape % pattern: %G1"),
        ("%2", "Incomplete trailing escape % sequence"),
    ],
)
def test_query_bad_percent_escape(escape: str, message: str) -> None:
    query = QUERY.replace("X-Amz-Signature=", "X-Amz-Signature=" + escape)
    if escape == "%2":
        query = QUERY + "%2"
    error = error_of(request(None, query=query))
    assert isinstance(error, MalformedQueryString)
    assert error.message == message


def test_bad_escape_elsewhere_in_query_is_refused_by_verify() -> None:
    req = sign("GET", "https://iam.amazonaws.com/?Action=ListUsers&Marker=%ZZ")
    info = parse_signed_request(req)
    with pytest.raises(MalformedQueryString):
        SigV4Verifier().verify(req, info, "secret")


def test_presigned_botocore_request_parses_with_scope_checks() -> None:
    info = parse_signed_request(presign(), regions={"us-east-1"}, service="sts")
    assert info.service == "sts"
    with pytest.raises(SignatureDoesNotMatch) as caught:
        parse_signed_request(presign(), service="iam")
    assert caught.value.message == "Credential should be scoped to correct service: 'iam'. "


def test_header_request_with_unrelated_amz_query_params_is_header_auth() -> None:
    req = sign("GET", "https://iam.amazonaws.com/?X-Amz-Signature=zzz&X-Amz-Date=x")
    assert not parse_signed_request(req).presigned


def test_date_header_request_from_botocore() -> None:
    req = sign(headers={"Date": "x"})
    req = replace_header(req, "X-Amz-Date", "")
    assert parse_signed_request(req).request_time.isoformat() == "2024-05-01T12:00:00+00:00"


def test_info_is_frozen() -> None:
    info = parse_signed_request(request())
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.signature = "x"  # type: ignore[misc]
