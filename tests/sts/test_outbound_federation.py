"""Outbound identity federation: the account's OIDC issuer and GetWebIdentityToken.

A relying party's view is tested for real: the token is verified with PyJWT
against the key set fetched over HTTP from the issuer's discovery documents.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError
from test_assume_role import doc, make_user, session_clients, trust  # type: ignore[import-not-found]
from test_sessions import cli_env  # type: ignore[import-not-found]

AWS = str(Path(sys.executable).parent / "aws")

ALLOW_TOKENS = {
    "Effect": "Allow",
    "Action": ["sts:GetWebIdentityToken", "sts:TagGetWebIdentityToken"],
    "Resource": "*",
}


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def fetch(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


def verify(token: str, audience: str | list[str]) -> dict[str, Any]:
    """What a relying party does: discovery, then the JWKS, then the signature."""
    issuer = jwt.decode(token, options={"verify_signature": False})["iss"]
    status, config = fetch(f"{issuer}/.well-known/openid-configuration")
    assert status == 200 and config["issuer"] == issuer
    client = jwt.PyJWKClient(config["jwks_uri"])
    key = client.get_signing_key_from_jwt(token)
    return dict(
        jwt.decode(
            token,
            key,
            algorithms=config["id_token_signing_alg_values_supported"],
            audience=audience,
            issuer=issuer,
        )
    )


def test_enable_disable_and_info(iam, account) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        iam.get_outbound_web_identity_federation_info()
    assert error(exc) == (
        "FeatureDisabled",
        f"Outbound identity federation is disabled for account {account.id}",
        404,
    )
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    assert issuer.startswith(f"{account.server.endpoint}/oidc/")
    info = iam.get_outbound_web_identity_federation_info()
    assert (info["IssuerIdentifier"], info["JwtVendingEnabled"]) == (issuer, True)
    with pytest.raises(ClientError) as exc:
        iam.enable_outbound_web_identity_federation()
    assert error(exc)[0::2] == ("FeatureEnabled", 409)
    iam.disable_outbound_web_identity_federation()
    with pytest.raises(ClientError) as exc:
        iam.disable_outbound_web_identity_federation()
    assert error(exc) == (
        "FeatureDisabled",
        f"Outbound identity federation is already disabled for account {account.id}",
        404,
    )
    # The key set stays published while disabled, and re-enabling keeps the issuer.
    status, jwks = fetch(f"{issuer}/.well-known/jwks.json")
    assert status == 200
    assert [(k["kid"], k["alg"]) for k in jwks["keys"]] == [
        ("RSA_0", "RS256"),
        ("EC384_0", "ES384"),
    ]
    assert [sorted(k) for k in jwks["keys"]] == [
        ["alg", "e", "kid", "kty", "n", "use"],
        ["alg", "crv", "kid", "kty", "use", "x", "y"],
    ]
    assert iam.enable_outbound_web_identity_federation()["IssuerIdentifier"] == issuer
    assert fetch(f"{account.server.endpoint}/oidc/nobody/.well-known/jwks.json")[0] == 404
    assert fetch(f"{issuer}/.well-known/other")[0] == 404


def test_tokens_for_a_user_verify_with_the_published_keys(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.enable_outbound_web_identity_federation()
    user, key = make_user(iam, account, "worker", ALLOW_TOKENS)
    iam.tag_user(UserName="worker", Tags=[{"Key": "Team", "Value": "data"}])
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    for algorithm in ("RS256", "ES384"):
        out = sts.get_web_identity_token(
            Audience=["https://api.example.com"],
            SigningAlgorithm=algorithm,
            Tags=[{"Key": "job", "Value": "nightly"}],
        )
        assert jwt.get_unverified_header(out["WebIdentityToken"])["alg"] == algorithm
        claims = verify(out["WebIdentityToken"], "https://api.example.com")
        assert claims["sub"] == user["Arn"]
        assert claims["aud"] == "https://api.example.com"
        assert claims["exp"] - claims["iat"] == 300
        aws = claims["https://sts.amazonaws.com/"]
        assert aws["aws_account"] == account.id
        assert aws["source_region"] == "us-east-1"
        assert aws["principal_id"] == user["Arn"]
        assert aws["principal_tags"] == {"Team": "data"}
        assert aws["request_tags"] == {"job": "nightly"}
        assert "original_session_exp" not in aws
        assert abs(out["Expiration"].timestamp() - claims["exp"]) < 1
    two = sts.get_web_identity_token(Audience=["a", "b"], SigningAlgorithm="RS256")
    assert verify(two["WebIdentityToken"], "a")["aud"] == ["a", "b"]


def test_role_sessions_name_the_role_and_cannot_outlive_the_session(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.enable_outbound_web_identity_federation()
    user, key = make_user(iam, account, "assumer")
    iam.create_role(
        RoleName="Exporter",
        Path="/jobs/",
        AssumeRolePolicyDocument=trust(
            {"AWS": user["Arn"]}, ["sts:AssumeRole", "sts:SetSourceIdentity"]
        ),
    )
    iam.put_role_policy(RoleName="Exporter", PolicyName="t", PolicyDocument=doc(ALLOW_TOKENS))
    creds = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
        RoleArn=f"arn:aws:iam::{account.id}:role/jobs/Exporter",
        RoleSessionName="s1",
        DurationSeconds=900,
        SourceIdentity="alice",
    )["Credentials"]
    _, session_sts = session_clients(account, creds)
    token = session_sts.get_web_identity_token(Audience=["x"], SigningAlgorithm="ES384")
    claims = verify(token["WebIdentityToken"], "x")
    assert claims["sub"] == f"arn:aws:iam::{account.id}:role/jobs/Exporter"
    aws = claims["https://sts.amazonaws.com/"]
    assert aws["original_session_exp"] == creds["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert aws["source_identity"] == "alice"
    with pytest.raises(ClientError) as exc:
        session_sts.get_web_identity_token(
            Audience=["x"], SigningAlgorithm="RS256", DurationSeconds=3600
        )
    assert error(exc) == (
        "SessionDurationEscalationException",
        "Requested token expiry time must be before the original session's expiry time.",
        403,
    )


def test_authorization_and_refusals(iam, account) -> None:  # type: ignore[no-untyped-def]
    _, key = make_user(
        iam,
        account,
        "narrow",
        {
            "Effect": "Allow",
            "Action": "sts:GetWebIdentityToken",
            "Resource": f"arn:aws:sts::{account.id}:self",
            "Condition": {
                "ForAllValues:StringEquals": {"sts:IdentityTokenAudience": "good"},
                "NumericEquals": {"sts:DurationSeconds": 300},
                "StringEquals": {"sts:SigningAlgorithm": "ES384"},
            },
        },
    )
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    # Authorization comes before the feature check.
    for kwargs in (
        {"Audience": ["bad"], "SigningAlgorithm": "ES384"},
        {"Audience": ["good"], "SigningAlgorithm": "RS256"},
        {"Audience": ["good"], "SigningAlgorithm": "ES384", "DurationSeconds": 301},
        {"Audience": ["good"], "SigningAlgorithm": "ES384", "Tags": [{"Key": "k", "Value": "v"}]},
    ):
        with pytest.raises(ClientError) as exc:
            sts.get_web_identity_token(**kwargs)
        code, message, status = error(exc)
        assert (code, status) == ("AccessDenied", 403), kwargs
        assert f"on resource: arn:aws:sts::{account.id}:self" in message
    with pytest.raises(ClientError) as exc:
        sts.get_web_identity_token(Audience=["good"], SigningAlgorithm="ES384")
    assert error(exc) == (
        "OutboundWebIdentityFederationDisabledException",
        "OutboundWebIdentityFederation is disabled.",
        403,
    )
    iam.enable_outbound_web_identity_federation()
    sts.get_web_identity_token(Audience=["good"], SigningAlgorithm="ES384")
    root = account.client("sts")
    with pytest.raises(ClientError) as exc:
        root.get_web_identity_token(Audience=["a"], SigningAlgorithm="HS256")
    assert error(exc)[0] == "ValidationError"
    with pytest.raises(ClientError) as exc:
        root.get_web_identity_token(
            Audience=["a"],
            SigningAlgorithm="RS256",
            Tags=[{"Key": "k", "Value": "1"}, {"Key": "K", "Value": "2"}],
        )
    assert error(exc)[0] == "InvalidParameterValue"
    big = [{"Key": f"{i:03d}" + "k" * 125, "Value": "v" * 256} for i in range(50)]
    with pytest.raises(ClientError) as exc:
        root.get_web_identity_token(Audience=["a"], SigningAlgorithm="RS256", Tags=big)
    assert error(exc) == (
        "JWTPayloadSizeExceededException",
        "JWT payload exceeds maximum allowed size",
        400,
    )
    federated = account.client("sts").get_federation_token(Name="fed", Policy=doc(ALLOW_TOKENS))
    fed_sts = account.client(
        "sts",
        federated["Credentials"]["AccessKeyId"],
        federated["Credentials"]["SecretAccessKey"],
        federated["Credentials"]["SessionToken"],
    )
    with pytest.raises(ClientError) as exc:
        fed_sts.get_web_identity_token(Audience=["a"], SigningAlgorithm="RS256")
    assert error(exc)[:2] == (
        "AccessDenied",
        "GetWebIdentityToken does not support federated user sessions",
    )


def aws_cli(account, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [AWS, *args, "--output", "json"],
        env=cli_env(account),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_aws_cli(iam, account) -> None:  # type: ignore[no-untyped-def]
    done = aws_cli(account, "iam", "enable-outbound-web-identity-federation")
    assert done.returncode == 0, done.stderr
    issuer = json.loads(done.stdout)["IssuerIdentifier"]
    done = aws_cli(
        account,
        "sts",
        "get-web-identity-token",
        "--audience",
        "relying-party",
        "--signing-algorithm",
        "RS256",
    )
    assert done.returncode == 0, done.stderr
    claims = verify(json.loads(done.stdout)["WebIdentityToken"], "relying-party")
    assert claims["iss"] == issuer
    assert claims["sub"] == f"arn:aws:iam::{account.id}:root"


def test_each_issuer_signs_with_its_own_keys(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    from conftest import Account  # type: ignore[import-not-found]

    from rolecall.iam.accounts import create_account

    root = create_account(server_store, account.server.keyring, name="other")
    other = Account(account.server, root.account_id, root.access_key_id, root.secret_access_key)
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    other_issuer = other.client("iam").enable_outbound_web_identity_federation()["IssuerIdentifier"]
    assert issuer != other_issuer
    ours = fetch(f"{issuer}/.well-known/jwks.json")[1]
    theirs = fetch(f"{other_issuer}/.well-known/jwks.json")[1]
    assert [k["kid"] for k in ours["keys"]] == [k["kid"] for k in theirs["keys"]]
    assert ours != theirs
    # A relying party that checks only the key set still tells the accounts apart.
    token = other.client("sts").get_web_identity_token(Audience=["x"], SigningAlgorithm="RS256")
    foreign = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token["WebIdentityToken"],
            foreign.get_signing_key_from_jwt(token["WebIdentityToken"]),
            algorithms=["RS256"],
            audience="x",
        )
