"""Requests signed by botocore itself verify; any change to what was signed does not."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from sigv4_helpers import (
    ACCESS_KEY,
    SECRET_KEY,
    SESSION_TOKEN,
    SIGNING_EPOCH,
    frozen_signing_time,
    header,
    presign,
    replace_header,
    sign,
    to_http_request,
)

from rolecall.auth.sigv4 import (
    HttpRequest,
    SignatureDoesNotMatch,
    SigV4Verifier,
    XAmzContentSHA256Mismatch,
    parse_signed_request,
)
from rolecall.protocol.errors import AWSError

VERIFIER = SigV4Verifier()

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def verify(req: HttpRequest, secret: str = SECRET_KEY) -> None:
    """Parse (with the window check at signing time) and verify ``req``."""
    info = parse_signed_request(req, now=SIGNING_EPOCH)
    VERIFIER.verify(req, info, secret)


SHAPES: dict[str, Callable[[], HttpRequest]] = {
    "iam-post-form": lambda: sign(
        body="Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fdivision_abc%2F", headers=FORM
    ),
    "empty-body-post": sign,
    "get-with-query": lambda: sign(
        "GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08&MaxItems=10"
    ),
    "query-needing-encoding": lambda: sign(
        "GET",
        "https://iam.amazonaws.com/",
        params=[
            ("Action", "CreateUser"),
            ("UserName", "a b+c/d=e&f?g#h%i"),
            ("Path", "/x/y/"),
            ("Tags.member.1.Value", "~!*'();:@$,[]"),
        ],
    ),
    "repeated-query-params": lambda: sign(
        "GET", "https://iam.amazonaws.com/?b=2&a=3&a=1&a=2&B=0&empty=&flag"
    ),
    "unicode-query": lambda: sign(
        "GET",
        "https://iam.amazonaws.com/",
        params={"UserName": "zoë-名前-ሴ", "Description": "emoji 🚀 and ümlaut"},
    ),
    "unicode-form-body": lambda: sign(
        body="Action=CreateRole&Description=r%C3%B4le%20%F0%9F%9A%80&RoleName=r",
        headers=FORM,
    ),
    "headers-with-whitespace": lambda: sign(
        headers={
            **FORM,
            "X-Custom": "  lots   of\tspace  here  ",
            "X-Quoted": '"a   b   c"',
            "X-Empty": "",
        },
        body="Action=ListRoles&Version=2010-05-08",
    ),
    "session-token": lambda: sign(
        body="Action=GetCallerIdentity&Version=2011-06-15",
        headers=FORM,
        service="sts",
        token=SESSION_TOKEN,
    ),
    "regional-sts": lambda: sign(
        url="https://sts.eu-west-1.amazonaws.com/",
        body="Action=GetCallerIdentity&Version=2011-06-15",
        headers=FORM,
        service="sts",
        region="eu-west-1",
    ),
    "non-default-port-host": lambda: sign(
        url="http://localhost:4566/", body="Action=ListUsers&Version=2010-05-08", headers=FORM
    ),
    "encoded-path": lambda: sign("GET", "https://iam.amazonaws.com/a%20b/caf%C3%A9/%2F/x~y"),
    "dot-segments-path": lambda: sign("GET", "https://iam.amazonaws.com/a/./b/../c//d/"),
    "binary-body": lambda: sign(body=bytes(range(256)) * 3),
    "date-header-instead-of-x-amz-date": lambda: sign(
        headers={**FORM, "Date": "placeholder"}, body="Action=ListUsers&Version=2010-05-08"
    ),
    "unsigned-payload": lambda: sign(
        url="https://iam.amazonaws.com/",
        body="Action=ListUsers&Version=2010-05-08",
        headers=FORM,
        context={"payload_signing_enabled": False},
    ),
    "declared-content-sha256": lambda: sign(
        body=b"Action=ListUsers",
        headers={"X-Amz-Content-SHA256": hashlib.sha256(b"Action=ListUsers").hexdigest()},
    ),
    "non-ascii-header-value": lambda: sign(
        headers={"X-Meta": "naïve café"}, body="Action=ListUsers&Version=2010-05-08"
    ),
    "presigned-get-caller-identity": presign,
    "presigned-with-token": lambda: presign(token=SESSION_TOKEN, expires=60),
    "presigned-extra-signed-header": lambda: presign(
        headers={"x-k8s-aws-id": "my-cluster"}, expires=60
    ),
    "presigned-special-query": lambda: presign(
        url="https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X=a%20b%2Bc"
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_botocore_signed_request_verifies(shape: str) -> None:
    verify(SHAPES[shape]())


def test_date_header_is_what_was_used() -> None:
    req = SHAPES["date-header-instead-of-x-amz-date"]()
    assert not any(n.lower() == "x-amz-date" for n, _ in req.headers)
    assert header(req, "Date").endswith(("GMT", "-0000"))


def test_presigned_info_fields() -> None:
    req = presign(token=SESSION_TOKEN, expires=60)
    info = parse_signed_request(req)
    assert info.presigned
    assert info.expires == 60
    assert info.security_token == SESSION_TOKEN
    assert (info.access_key_id, info.date, info.region, info.service) == (
        ACCESS_KEY,
        "20240501",
        "us-east-1",
        "sts",
    )
    assert info.signed_headers == ("host",)


def test_header_info_fields() -> None:
    info = parse_signed_request(SHAPES["session-token"]())
    assert not info.presigned
    assert info.expires is None
    assert info.security_token == SESSION_TOKEN
    assert info.service == "sts"
    assert "host" in info.signed_headers
    assert info.request_time.isoformat() == "2024-05-01T12:00:00+00:00"


def test_wrong_secret_does_not_match() -> None:
    req = SHAPES["iam-post-form"]()
    with pytest.raises(SignatureDoesNotMatch) as caught:
        verify(req, secret=SECRET_KEY[:-1] + "X")
    assert caught.value.status == 403
    assert caught.value.message == (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )


def _flip(text: str, index: int) -> str:
    """``text`` with the character at ``index`` replaced by a different non-space one."""
    replacement = "x" if text[index] != "x" else "y"
    return text[:index] + replacement + text[index + 1 :]


def _signature_of(req: HttpRequest) -> str:
    return parse_signed_request(req).signature


def _assert_refused(req: HttpRequest) -> None:
    with pytest.raises(AWSError):
        verify(req)


@pytest.mark.parametrize("shape", ["iam-post-form", "presigned-with-token"])
def test_every_signature_character_matters(shape: str) -> None:
    req = SHAPES[shape]()
    info = parse_signed_request(req)
    for index in range(len(info.signature)):
        tampered = dataclasses.replace(info, signature=_flip(info.signature, index))
        with pytest.raises(SignatureDoesNotMatch):
            VERIFIER.verify(req, tampered, SECRET_KEY)
    for cut in (info.signature[:-1], info.signature + "0", info.signature.upper(), ""):
        with pytest.raises(SignatureDoesNotMatch):
            VERIFIER.verify(req, dataclasses.replace(info, signature=cut), SECRET_KEY)


def test_every_body_byte_matters() -> None:
    req = SHAPES["iam-post-form"]()
    info = parse_signed_request(req)
    for index in range(len(req.body)):
        flipped = bytearray(req.body)
        flipped[index] ^= 0x01
        tampered = dataclasses.replace(req, body=bytes(flipped))
        with pytest.raises(SignatureDoesNotMatch):
            VERIFIER.verify(tampered, info, SECRET_KEY)
    for body in (b"", req.body + b"&", req.body[:-1]):
        with pytest.raises(SignatureDoesNotMatch):
            VERIFIER.verify(dataclasses.replace(req, body=body), info, SECRET_KEY)


def test_every_secret_character_matters() -> None:
    req = SHAPES["session-token"]()
    info = parse_signed_request(req)
    for index in range(len(SECRET_KEY)):
        with pytest.raises(SignatureDoesNotMatch):
            VERIFIER.verify(req, info, _flip(SECRET_KEY, index))


@pytest.mark.parametrize("shape", ["headers-with-whitespace", "session-token", "iam-post-form"])
def test_every_signed_header_character_matters(shape: str) -> None:
    req = SHAPES[shape]()
    signed = parse_signed_request(req).signed_headers
    for position, (name, value) in enumerate(req.headers):
        if name.lower() not in signed:
            continue
        for index, char in enumerate(value):
            if char.isspace():
                continue  # whitespace runs fold by design; changing one is not a change
            headers = list(req.headers)
            headers[position] = (name, _flip(value, index))
            _assert_refused(dataclasses.replace(req, headers=tuple(headers)))


def test_unsigned_headers_may_change() -> None:
    req = replace_header(SHAPES["iam-post-form"](), "User-Agent", "anything/1.0")
    verify(req)
    verify(dataclasses.replace(req, headers=(*req.headers, ("X-Unsigned", "added"))))


def test_adding_a_second_value_to_a_signed_header_breaks_it() -> None:
    req = SHAPES["iam-post-form"]()
    tampered = dataclasses.replace(req, headers=(*req.headers, ("Content-Type", "text/plain")))
    with pytest.raises(SignatureDoesNotMatch):
        verify(tampered)


def test_removing_a_signed_header_breaks_it() -> None:
    req = SHAPES["iam-post-form"]()
    kept = tuple((n, v) for n, v in req.headers if n.lower() != "content-type")
    with pytest.raises(SignatureDoesNotMatch):
        verify(dataclasses.replace(req, headers=kept))


@pytest.mark.parametrize(
    "shape", ["get-with-query", "query-needing-encoding", "unicode-query", "presigned-with-token"]
)
def test_every_query_character_matters(shape: str) -> None:
    req = SHAPES[shape]()
    for index in range(len(req.raw_query)):
        if req.raw_query[index] in "&=":
            continue  # covered below: moving separators can merely reorder parameters
        _assert_refused(dataclasses.replace(req, raw_query=_flip(req.raw_query, index)))
    _assert_refused(dataclasses.replace(req, raw_query=req.raw_query + "&extra=1"))


def test_query_order_and_equivalent_encoding_do_not_matter() -> None:
    req = SHAPES["repeated-query-params"]()
    pieces = req.raw_query.split("&")
    verify(dataclasses.replace(req, raw_query="&".join(reversed(pieces))))
    encoded = SHAPES["query-needing-encoding"]()
    # %2f and %2F are the same byte; an escaped unreserved character is that character.
    verify(dataclasses.replace(encoded, raw_query=encoded.raw_query.replace("%2F", "%2f")))
    verify(dataclasses.replace(encoded, raw_query=encoded.raw_query.replace("Action", "%41ction")))


def test_path_and_method_matter() -> None:
    req = SHAPES["encoded-path"]()
    for index in range(len(req.raw_path)):
        _assert_refused(dataclasses.replace(req, raw_path=_flip(req.raw_path, index)))
    with pytest.raises(SignatureDoesNotMatch):
        verify(dataclasses.replace(req, method="POST"))
    with pytest.raises(SignatureDoesNotMatch):
        verify(dataclasses.replace(req, method="get"))


def test_presigned_request_with_unsigned_payload_header_still_needs_signature() -> None:
    req = presign()
    tampered = replace_header(req, "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
    with pytest.raises(SignatureDoesNotMatch):
        verify(tampered)


def test_unsigned_payload_leaves_body_unauthenticated_as_the_client_asked() -> None:
    req = SHAPES["unsigned-payload"]()
    assert header(req, "X-Amz-Content-SHA256") == "UNSIGNED-PAYLOAD"
    verify(dataclasses.replace(req, body=b"Action=DeleteUser"))


def test_declared_content_sha256_must_match_body() -> None:
    req = SHAPES["declared-content-sha256"]()
    with pytest.raises(XAmzContentSHA256Mismatch) as caught:
        verify(dataclasses.replace(req, body=b"Action=DeleteUser"))
    assert caught.value.status == 400


def test_declared_content_sha256_must_be_a_hash() -> None:
    req = sign(headers={"X-Amz-Content-Sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"})
    with pytest.raises(XAmzContentSHA256Mismatch):
        verify(req)


def test_injected_unsigned_payload_header_is_refused() -> None:
    req = SHAPES["iam-post-form"]()
    with pytest.raises(SignatureDoesNotMatch):
        verify(replace_header(req, "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"))


def test_verbose_errors_show_canonical_request() -> None:
    req = SHAPES["iam-post-form"]()
    info = parse_signed_request(req)
    with pytest.raises(SignatureDoesNotMatch) as caught:
        SigV4Verifier(verbose_errors=True).verify(req, info, "wrong")
    message = caught.value.message
    assert "The Canonical String for this request should have been\n'POST\n/\n\n" in message
    assert "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20240501T120000Z\n" in message


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def _capture(client: Any, call: Callable[[Any], object]) -> HttpRequest:
    """Run one client call and return the request it would have sent over the wire."""

    def grab(request: Any, **_: object) -> None:
        raise _Captured(request)

    client.meta.events.register("before-send", grab)
    with frozen_signing_time(), pytest.raises(_Captured) as caught:
        call(client)
    return to_http_request(caught.value.request)


def _client(service: str, token: str | None = None, region: str = "us-east-1") -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url="http://127.0.0.1:8080",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 1}),
    )


POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:Get*", "iam:*"],
                "Resource": "arn:aws:s3:::bucket/some path/ünï/*",
                "Condition": {"StringLike": {"aws:userid": "AIDA*:ses+sion=1"}},
            }
        ],
    },
    indent=2,
)

CLIENT_CALLS: dict[str, tuple[str, str | None, Callable[[Any], object]]] = {
    "iam-list-users": ("iam", None, lambda c: c.list_users(MaxItems=5)),
    "iam-create-user-tags": (
        "iam",
        None,
        lambda c: c.create_user(
            UserName="zoë+test@example.com",
            Path="/dept/ops/",
            Tags=[{"Key": "Name & Title", "Value": "Ünïcödé / value = 1%"}],
        ),
    ),
    "iam-put-policy": (
        "iam",
        SESSION_TOKEN,
        lambda c: c.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=POLICY),
    ),
    "sts-get-caller-identity": ("sts", None, lambda c: c.get_caller_identity()),
    "sts-assume-role": (
        "sts",
        SESSION_TOKEN,
        lambda c: c.assume_role(
            RoleArn="arn:aws:iam::123456789012:role/r", RoleSessionName="session-1", Policy=POLICY
        ),
    ),
}


@pytest.mark.parametrize("call", sorted(CLIENT_CALLS))
def test_real_boto3_client_requests_verify(call: str) -> None:
    service, token, action = CLIENT_CALLS[call]
    req = _capture(_client(service, token), action)
    info = parse_signed_request(req, now=SIGNING_EPOCH, service=service)
    assert info.security_token == token
    VERIFIER.verify(req, info, SECRET_KEY)


def _url_request(method: str, url: str) -> HttpRequest:
    parts = urlsplit(url)
    return HttpRequest(method, parts.path or "/", parts.query, (("Host", parts.netloc),), b"")


def test_real_boto3_presigned_url_verifies() -> None:
    client = _client("sts", SESSION_TOKEN)
    with frozen_signing_time():
        url = client.generate_presigned_url("get_caller_identity", ExpiresIn=120, HttpMethod="GET")
    verify(_url_request("GET", url))


def test_presigned_url_is_bound_to_the_signed_method() -> None:
    # Without HttpMethod, boto3 presigns a query-protocol call for POST (its model's
    # method); AWS then refuses the URL fetched with GET (boto/boto3#756), and so do we.
    client = _client("sts")
    with frozen_signing_time():
        url = client.generate_presigned_url("get_caller_identity", ExpiresIn=120)
    verify(_url_request("POST", url))
    with pytest.raises(SignatureDoesNotMatch):
        verify(_url_request("GET", url))
