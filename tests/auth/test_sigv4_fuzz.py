"""Property tests: any input only ever yields our AWS errors, and signing round-trips."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sigv4_helpers import SECRET_KEY, SIGNING_EPOCH, sign

from rolecall.auth.sigv4 import (
    HttpRequest,
    SigV4Verifier,
    check_freshness,
    parse_signed_request,
)
from rolecall.protocol.errors import AWSError

VERIFIER = SigV4Verifier(key_cache_size=16)
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Header values as an ASGI server can hand them over: any byte, read as latin-1.
wire_text = st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
any_text = st.one_of(st.text(max_size=300), wire_text)
auth_fragments = st.sampled_from(
    [
        "AWS4-HMAC-SHA256",
        "AWS4-",
        " ",
        ",",
        "=",
        "/",
        ";",
        "Credential=",
        "SignedHeaders=",
        "Signature=",
        "AKID/20240501/us-east-1/iam/aws4_request",
        "host;x-amz-date",
        "0" * 64,
        "\t",
    ]
)
auth_like = st.lists(st.one_of(auth_fragments, any_text), max_size=12).map("".join)
dates = st.one_of(st.none(), st.just("20240501T120000Z"), any_text)
query_fragments = st.sampled_from(
    [
        "&",
        "=",
        "%",
        "%2",
        "%zz",
        "%2F",
        "+",
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "AWS4-HMAC-SHA256",
        "X-Amz-Date",
        "20240501T120000Z",
        "X-Amz-SignedHeaders",
        "host",
        "X-Amz-Signature",
        "X-Amz-Expires",
        "a/b/c/d/aws4_request",
    ]
)
query_like = st.lists(st.one_of(query_fragments, any_text), max_size=12).map("".join)


def _exercise(req: HttpRequest) -> None:
    """Run everything a server runs; only AWSError may come out."""
    try:
        info = parse_signed_request(req, now=SIGNING_EPOCH, regions={"us-east-1"}, service="iam")
        check_freshness(info, SIGNING_EPOCH, enforce_expires=True)
        VERIFIER.verify(req, info, SECRET_KEY)
    except AWSError:
        return
    raise AssertionError(f"accepted a request no one signed: {req!r}")


@SETTINGS
@given(
    authorization=auth_like,
    amz_date=dates,
    date=dates,
    token=st.one_of(st.none(), any_text),
)
def test_arbitrary_authorization_headers(
    authorization: str, amz_date: str | None, date: str | None, token: str | None
) -> None:
    headers = [("Host", "iam.amazonaws.com"), ("Authorization", authorization)]
    for name, value in (("X-Amz-Date", amz_date), ("Date", date), ("X-Amz-Security-Token", token)):
        if value is not None:
            headers.append((name, value))
    _exercise(HttpRequest("POST", "/", "", tuple(headers), b""))


@SETTINGS
@given(query=query_like, path=any_text, method=st.sampled_from(["GET", "POST", "", "\u00e9"]))
def test_arbitrary_query_and_path(query: str, path: str, method: str) -> None:
    _exercise(HttpRequest(method, path, query, (("Host", "h"),), b"body"))


@SETTINGS
@given(data=st.data())
def test_mutated_valid_request(data: st.DataObject) -> None:
    req = sign(body="Action=ListUsers&Version=2010-05-08")
    headers = list(req.headers)
    index = data.draw(st.integers(0, len(headers) - 1))
    name, value = headers[index]
    position = data.draw(st.integers(0, len(value)))
    insert = data.draw(any_text.filter(bool))
    cut = data.draw(st.integers(0, 3))
    headers[index] = (name, value[:position] + insert + value[position + cut :])
    mutated = dataclasses.replace(req, headers=tuple(headers))
    try:
        info = parse_signed_request(mutated)
        VERIFIER.verify(mutated, info, SECRET_KEY)
    except AWSError:
        return
    # Only edits that change nothing signed may pass: unsigned headers or
    # whitespace that folds away.
    assert name.lower() not in parse_signed_request(req).signed_headers or (
        " ".join(headers[index][1].split()) == " ".join(value.split())
    )


params = st.lists(st.tuples(st.text(min_size=1, max_size=20), st.text(max_size=40)), max_size=6)


@SETTINGS
@given(query_params=params, body=st.binary(max_size=200), method=st.sampled_from(["GET", "POST"]))
def test_botocore_round_trip(query_params: list[tuple[str, str]], body: bytes, method: str) -> None:
    req = sign(method, "https://iam.amazonaws.com/", params=query_params, body=body)
    info = parse_signed_request(req, now=SIGNING_EPOCH)
    VERIFIER.verify(req, info, SECRET_KEY)


@SETTINGS
@given(
    header_value=st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40
    ).map(lambda v: "  " + v.replace("  ", " \t ") + "  "),
    path=st.lists(
        st.sampled_from(["a", "b", ".", "..", "", "%20", "%2F", "~x", "caf%C3%A9"]), max_size=6
    ).map(lambda parts: "/" + "/".join(parts)),
)
def test_botocore_round_trip_headers_and_paths(header_value: str, path: str) -> None:
    req = sign("GET", "https://iam.amazonaws.com" + path, headers={"X-Test": header_value})
    info = parse_signed_request(req, now=SIGNING_EPOCH)
    VERIFIER.verify(req, info, SECRET_KEY)
