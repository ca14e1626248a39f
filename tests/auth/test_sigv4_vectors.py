"""AWS's published SigV4 test-suite cases verify, and their canonical requests match."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from sigv4_vectors import ACCESS_KEY, SECRET_KEY, STS_TOKEN, VECTORS, Vector

from rolecall.auth.sigv4 import (
    HttpRequest,
    SignatureDoesNotMatch,
    SigV4Verifier,
    canonical_request,
    check_freshness,
    derive_signing_key,
    parse_signed_request,
    string_to_sign,
)

SIGNED_AT = datetime(2015, 8, 30, 12, 36, tzinfo=UTC).timestamp()
BY_NAME = {vector.name: vector for vector in VECTORS}


def as_request(vector: Vector) -> HttpRequest:
    headers = (*vector.headers, ("Authorization", vector.authorization))
    return HttpRequest(vector.method, vector.path, vector.query, headers, vector.body)


@pytest.mark.parametrize("name", sorted(n for n, v in BY_NAME.items() if v.verifiable))
def test_vector_verifies(name: str) -> None:
    req = as_request(BY_NAME[name])
    info = parse_signed_request(req, now=SIGNED_AT, regions={"us-east-1"}, service="service")
    assert info.access_key_id == ACCESS_KEY
    check_freshness(info, SIGNED_AT)
    SigV4Verifier().verify(req, info, SECRET_KEY)


@pytest.mark.parametrize("name", sorted(n for n, v in BY_NAME.items() if v.creq is not None))
def test_vector_canonical_request(name: str) -> None:
    vector = BY_NAME[name]
    req = as_request(vector)
    info = parse_signed_request(req)
    assert canonical_request(req, info).decode("utf-8") == vector.creq


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_vector_with_other_secret_fails(name: str) -> None:
    req = as_request(BY_NAME[name])
    with pytest.raises(SignatureDoesNotMatch):
        SigV4Verifier().verify(req, parse_signed_request(req), SECRET_KEY.lower())


def test_string_to_sign_of_get_vanilla() -> None:
    # The suite's get-vanilla.sts file.
    req = as_request(BY_NAME["get-vanilla"])
    info = parse_signed_request(req)
    assert string_to_sign(info, canonical_request(req, info)) == (
        b"AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        b"bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
    )


def test_unsigned_token_header_after_signing_is_kept_in_info() -> None:
    # post-sts-header-after: the token was added after signing and is not signed.
    info = parse_signed_request(as_request(BY_NAME["post-sts-header-after"]))
    assert info.security_token == STS_TOKEN
    assert "x-amz-security-token" not in info.signed_headers


def test_derived_signing_key_matches_aws_documentation_example() -> None:
    # AWS's "deriving the signing key" example (20120215/us-east-1/iam).
    key = derive_signing_key(
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam"
    )
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


def test_vector_request_changes_break_it() -> None:
    vector = BY_NAME["post-sts-header-before"]
    req = as_request(vector)
    info = parse_signed_request(req)
    with pytest.raises(SignatureDoesNotMatch):
        SigV4Verifier().verify(dataclasses.replace(req, body=b"Param1=value2"), info, SECRET_KEY)
    SigV4Verifier().verify(req, info, SECRET_KEY)
