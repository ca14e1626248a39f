"""AssumeRoleWithWebIdentity against a real server and a real OIDC issuer over HTTPS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
from audit_helpers import wait_for_events  # type: ignore[import-not-found]
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from oidc_idp import OidcIdp, Tenant, new_key  # type: ignore[import-not-found]
from test_assume_role import doc, session_clients, trust  # type: ignore[import-not-found]

AWS = str(Path(sys.executable).parent / "aws")
WEB = "sts:AssumeRoleWithWebIdentity"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcIdp]:
    server = OidcIdp(tmp_path_factory.mktemp("idp"))
    yield server
    server.close()


def b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def unsigned_sts(account):  # type: ignore[no-untyped-def]
    return boto3.client(
        "sts",
        endpoint_url=account.server.endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )


def provider(iam, idp: OidcIdp, tenant: Tenant, *client_ids: str) -> str:  # type: ignore[no-untyped-def]
    return str(
        iam.create_open_id_connect_provider(
            Url=tenant.issuer,
            ClientIDList=list(client_ids or ["app-client"]),
            ThumbprintList=[idp.thumbprint],
        )["OpenIDConnectProviderArn"]
    )


def web_role(iam, account, name: str, provider_arn: str, tenant: Tenant, **kw: Any) -> str:  # type: ignore[no-untyped-def]
    condition = kw.pop("condition", {"StringEquals": {f"{tenant.url}:aud": "app-client"}})
    actions = kw.pop("actions", WEB)
    iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=trust({"Federated": provider_arn}, actions, condition),
        **kw,
    )
    iam.put_role_policy(
        RoleName=name,
        PolicyName="read-users",
        PolicyDocument=doc({"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}),
    )
    return f"arn:aws:iam::{account.id}:role/{name}"


def assume(account, role_arn: str, token: str, **kw: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return dict(
        unsigned_sts(account).assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName=kw.pop("name", "web"), WebIdentityToken=token, **kw
        )
    )


def refusal(account, role_arn: str, token: str, **kw: Any) -> tuple[str, str, int]:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        assume(account, role_arn, token, **kw)
    error = exc.value.response["Error"]
    return error["Code"], error["Message"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_token_holder_gets_the_roles_permissions_only(iam, account, idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    arn = provider(iam, idp, tenant)
    role_arn = web_role(
        iam,
        account,
        "WebApp",
        arn,
        tenant,
        condition={
            "StringEquals": {f"{tenant.url}:aud": "app-client", f"{tenant.url}:sub": "alice"}
        },
    )
    out = assume(account, role_arn, tenant.token("alice"), name="alice-session")
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert out["SubjectFromWebIdentityToken"] == "alice"
    assert out["Provider"] == arn
    assert out["Audience"] == "app-client"
    assert out["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{account.id}:assumed-role/WebApp/alice-session"
    )
    assert out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert "PackedPolicySize" not in out
    session_iam, session_sts = session_clients(account, creds)
    assert session_sts.get_caller_identity()["Arn"] == out["AssumedRoleUser"]["Arn"]
    session_iam.list_users()
    with pytest.raises(ClientError) as exc:
        session_iam.list_roles()
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    # Another subject is refused by the trust policy's condition.
    code, message, status = refusal(account, role_arn, tenant.token("mallory"))
    assert (code, message, status) == ("AccessDenied", f"Not authorized to perform {WEB}", 403)


def test_aws_cli_web_identity_credential_provider(iam, account, idp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    role_arn = web_role(iam, account, "CiRole", provider(iam, idp, tenant), tenant)
    token_file = tmp_path / "token"
    token_file.write_text(tenant.token("ci-job"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=account.server.endpoint,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_ROLE_ARN=role_arn,
        AWS_ROLE_SESSION_NAME="ci",
        AWS_WEB_IDENTITY_TOKEN_FILE=str(token_file),
    )
    done = subprocess.run(
        [AWS, "sts", "get-caller-identity", "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"] == f"arn:aws:sts::{account.id}:assumed-role/CiRole/ci"
    # The explicit command works too, and reports its refusals as AWS does.
    token_file.write_text(tenant.token("ci-job", aud="someone-else"))
    env.pop("AWS_ROLE_ARN")
    env.pop("AWS_WEB_IDENTITY_TOKEN_FILE")
    done = subprocess.run(
        [
            AWS,
            "sts",
            "assume-role-with-web-identity",
            "--role-arn",
            role_arn,
            "--role-session-name",
            "x1",
            "--web-identity-token",
            token_file.read_text(),
            "--no-sign-request",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode != 0
    assert "InvalidIdentityToken" in done.stderr
    assert "Incorrect token audience" in done.stderr


def test_tokens_that_fail_verification(iam, account, idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    role_arn = web_role(iam, account, "Strict", provider(iam, idp, tenant), tenant)
    good = tenant.token()
    head, body, sig = good.split(".")
    tampered = ".".join([head, body, ("A" if sig[0] != "A" else "B") + sig[1:]])
    assert refusal(account, role_arn, tampered)[:1] == ("InvalidIdentityToken",)
    code, message, status = refusal(account, role_arn, tenant.token(lifetime=-10))
    assert (code, status) == ("ExpiredTokenException", 400)
    assert message.startswith("Token expired: current date/time ")
    assert refusal(account, role_arn, tenant.token(aud="other"))[:2] == (
        "InvalidIdentityToken",
        "Incorrect token audience",
    )
    assert refusal(account, role_arn, tenant.token(aud=None))[:2] == (
        "InvalidIdentityToken",
        "Missing a required claim: aud",
    )
    # A key the issuer never published.
    stranger = new_key()
    code, message, _ = refusal(account, role_arn, tenant.token(key=stranger))
    assert code == "InvalidIdentityToken"
    assert message.startswith("Couldn't retrieve verification key from your identity provider")
    # The issuer's own public key used as an HMAC secret must not verify.
    public_pem = (
        tenant.keys[-1]
        .private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": tenant.keys[-1].kid}))
    signed = f"{header}.{body}"
    mac = hmac.new(public_pem, signed.encode(), hashlib.sha256).digest()
    forged = f"{signed}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert jwt.decode(forged, options={"verify_signature": False})["sub"] == "user-1"
    assert refusal(account, role_arn, forged)[0] == "InvalidIdentityToken"
    assert refusal(account, role_arn, "not-a-jwt")[0] == "InvalidIdentityToken"


def test_issuer_must_be_a_provider_of_the_roles_account(iam, account, idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    registered = idp.tenant()
    role_arn = web_role(iam, account, "Lonely", provider(iam, idp, registered), registered)
    code, message, _ = refusal(account, role_arn, tenant.token())
    assert (code, message) == (
        "InvalidIdentityToken",
        f"No OpenIDConnect provider found in your account for {tenant.issuer}",
    )
    # A trust policy naming another provider of the account does not let this one in.
    provider(iam, idp, tenant)
    assert refusal(account, role_arn, tenant.token())[0] == "AccessDenied"
    # Nor does one naming the account.
    iam.update_assume_role_policy(RoleName="Lonely", PolicyDocument=trust({"AWS": account.id}, WEB))
    assert refusal(account, role_arn, tenant.token())[0] == "AccessDenied"
    missing = f"arn:aws:iam::{account.id}:role/Nobody"
    assert refusal(account, missing, registered.token())[0] == "AccessDenied"


def test_tls_trust_needs_the_thumbprint_of_the_top_certificate(iam, account, idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    arn = iam.create_open_id_connect_provider(
        Url=tenant.issuer, ClientIDList=["app-client"], ThumbprintList=["0" * 40]
    )["OpenIDConnectProviderArn"]
    role_arn = web_role(iam, account, "Pinned", arn, tenant)
    assert refusal(account, role_arn, tenant.token())[:2] == (
        "InvalidIdentityToken",
        "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
    )
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=arn, ThumbprintList=[idp.thumbprint]
    )
    assume(account, role_arn, tenant.token())


def test_session_tags_and_source_identity_from_claims(iam, account, idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    arn = provider(iam, idp, tenant)
    role_arn = web_role(iam, account, "Tagged", arn, tenant)
    iam.put_role_policy(
        RoleName="Tagged",
        PolicyName="by-tag",
        PolicyDocument=doc(
            {
                "Effect": "Allow",
                "Action": "iam:ListRoles",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/Project": "blue"}},
            }
        ),
    )
    claims = {
        "https://aws.amazon.com/tags": {
            "principal_tags": {"Project": ["blue"]},
            "transitive_tag_keys": ["Project"],
        },
        "https://aws.amazon.com/source_identity": "alice@example.com",
    }
    # Tags and a source identity need sts:TagSession and sts:SetSourceIdentity.
    assert refusal(account, role_arn, tenant.token(**claims))[0] == "AccessDenied"
    iam.update_assume_role_policy(
        RoleName="Tagged",
        PolicyDocument=trust({"Federated": arn}, [WEB, "sts:TagSession", "sts:SetSourceIdentity"]),
    )
    out = assume(account, role_arn, tenant.token(**claims))
    assert out["SourceIdentity"] == "alice@example.com"
    assert out["PackedPolicySize"] > 0
    session_iam, session_sts = session_clients(account, out["Credentials"])
    session_iam.list_roles()
    # Transitive tags and the source identity follow role chaining.
    iam.create_role(
        RoleName="Next",
        AssumeRolePolicyDocument=trust(
            {"AWS": f"arn:aws:iam::{account.id}:role/Tagged"},
            ["sts:AssumeRole", "sts:TagSession"],
        ),
    )
    iam.put_role_policy(
        RoleName="Tagged",
        PolicyName="chain",
        PolicyDocument=doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
    )
    chained = session_sts.assume_role(
        RoleArn=f"arn:aws:iam::{account.id}:role/Next", RoleSessionName="next"
    )
    assert chained["SourceIdentity"] == "alice@example.com"
    with pytest.raises(ClientError) as exc:
        session_sts.assume_role(
            RoleArn=f"arn:aws:iam::{account.id}:role/Next",
            RoleSessionName="next",
            DurationSeconds=7200,
        )
    assert exc.value.response["Error"]["Code"] == "ValidationError"
    bad = tenant.token(**{"https://aws.amazon.com/tags": {"principal_tags": {"a": ["1", "2"]}}})
    assert refusal(account, role_arn, bad)[0] == "InvalidIdentityToken"


def test_duration_and_session_policy(iam, account, idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    role_arn = web_role(iam, account, "Short", provider(iam, idp, tenant), tenant)
    code, message, _ = refusal(account, role_arn, tenant.token(), DurationSeconds=7200)
    assert (code, message) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
    out = assume(
        account,
        role_arn,
        tenant.token(),
        DurationSeconds=900,
        Policy=doc({"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"}),
    )
    session_iam, _ = session_clients(account, out["Credentials"])
    with pytest.raises(ClientError) as exc:
        session_iam.list_users()
    assert exc.value.response["Error"]["Code"] == "AccessDenied"


def test_es256_tokens_and_key_rotation(iam, account, idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant("ES256")
    role_arn = web_role(iam, account, "Rotating", provider(iam, idp, tenant), tenant)
    assume(account, role_arn, tenant.token())
    fetched = tenant.jwks_fetches
    assume(account, role_arn, tenant.token())
    assert tenant.jwks_fetches == fetched  # the key set is cached
    # Tokens signed with any key of the set verify (rotation: see tests/federation).
    tenant.rotate("RS256")
    other = idp.tenant()
    other.keys = list(tenant.keys)
    role2 = web_role(iam, account, "Rotating2", provider(iam, idp, other), other)
    assume(account, role2, other.token(key=other.keys[0]))
    assume(account, role2, other.token(key=other.keys[1]))


def test_the_audit_trail_names_the_web_identity_and_hides_the_token(
    iam, account, idp, server_store
) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    arn = provider(iam, idp, tenant)
    role_arn = web_role(iam, account, "Audited", arn, tenant)
    token = tenant.token("bob")
    out = assume(account, role_arn, token)
    session_iam, _ = session_clients(account, out["Credentials"])
    session_iam.list_users()
    rows, by_name = wait_for_events(
        server_store, account.id, "AssumeRoleWithWebIdentity", "ListUsers"
    )
    event = by_name["AssumeRoleWithWebIdentity"]
    assert event["userIdentity"] == {
        "type": "WebIdentityUser",
        "principalId": f"{arn}:app-client:bob",
        "userName": "bob",
        "identityProvider": arn,
    }
    assert event["recipientAccountId"] == account.id
    assert token not in json.dumps(rows)
    assert out["Credentials"]["SecretAccessKey"] not in json.dumps(rows)
    context = by_name["ListUsers"]["userIdentity"]["sessionContext"]
    assert context["webIdFederationData"]["federatedProvider"] == arn


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": "tomorrow"},
        {"sub": 42},
        {"sub": ""},
        {"aud": {"a": 1}},
        {"aud": [], "azp": 7},
        {"nbf": "soon"},
        {"iat": [1]},
        {"https://aws.amazon.com/tags": "blue"},
        {"https://aws.amazon.com/tags": {"principal_tags": {"k": {"v": 1}}}},
        {"https://aws.amazon.com/tags": {"principal_tags": {"": ["v"]}}},
        {"https://aws.amazon.com/tags": {"principal_tags": {"aws:x": ["v"]}}},
        {
            "https://aws.amazon.com/tags": {
                "principal_tags": {"k": ["v"]},
                "transitive_tag_keys": "k",
            }
        },
        {
            "https://aws.amazon.com/tags": {
                "principal_tags": {"k": ["v"]},
                "transitive_tag_keys": ["j"],
            }
        },
        {"https://aws.amazon.com/tags": {"principal_tags": {f"k{i}": ["v"] for i in range(51)}}},
        {"https://aws.amazon.com/source_identity": 5},
        {"https://aws.amazon.com/source_identity": "aws:me"},
        {"https://aws.amazon.com/source_identity": "x"},
    ],
)
def test_malformed_claims_are_client_errors(iam, account, idp, claims) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    role_arn = web_role(
        iam,
        account,
        "Picky",
        provider(iam, idp, tenant),
        tenant,
        actions=[WEB, "sts:TagSession", "sts:SetSourceIdentity"],
    )
    code, _, status = refusal(account, role_arn, tenant.token(**claims))
    assert 400 <= status < 500, (code, status)
    assert code in {"InvalidIdentityToken", "ExpiredTokenException"}


def test_garbage_tokens_and_unreachable_issuers(iam, account, idp) -> None:  # type: ignore[no-untyped-def]
    iam.create_open_id_connect_provider(
        Url="https://127.0.0.1:1/gone", ClientIDList=["app-client"], ThumbprintList=["0" * 40]
    )
    role_arn = f"arn:aws:iam::{account.id}:role/Any"
    iam.create_role(RoleName="Any", AssumeRolePolicyDocument=trust({"AWS": account.id}))
    unreachable = jwt.encode(
        {"iss": "https://127.0.0.1:1/gone", "sub": "s", "aud": "app-client", "exp": 2**31},
        new_key().private,
        algorithm="RS256",
        headers={"kid": "k"},
    )
    assert refusal(account, role_arn, unreachable)[0] == "IDPCommunicationError"
    for token in [
        "abcd",
        "a.b.c",
        b64url("{}") + "." + b64url("{}") + ".",
        b64url('{"alg":"RS256"}') + "." + b64url('{"iss": 5}') + ".sig",
        b64url('{"alg":"RS256"}') + "." + b64url('{"iss": "ftp://x"}') + ".sig",
        b64url('{"alg":"RS256","kid":5}') + "." + b64url('{"iss": "https://127.0.0.1:1/gone"}'),
        "é" * 10,
    ]:
        code, _, status = refusal(account, role_arn, token)
        assert status < 500 and code in {"InvalidIdentityToken", "IDPCommunicationError"}, token


def test_provider_keys_are_policy_variables_in_the_session(iam, account, idp) -> None:  # type: ignore[no-untyped-def]
    tenant = idp.tenant()
    role_arn = web_role(iam, account, "PerUser", provider(iam, idp, tenant), tenant)
    iam.put_role_policy(
        RoleName="PerUser",
        PolicyName="own-user",
        PolicyDocument=doc(
            {
                "Effect": "Allow",
                "Action": "iam:GetUser",
                "Resource": f"arn:aws:iam::{account.id}:user/${{{tenant.url}:sub}}",
                "Condition": {"StringEquals": {f"{tenant.url}:aud": "app-client"}},
            }
        ),
    )
    for name in ("erin", "frank"):
        iam.create_user(UserName=name)
    out = assume(account, role_arn, tenant.token("erin"))
    session_iam, _ = session_clients(account, out["Credentials"])
    assert session_iam.get_user(UserName="erin")["User"]["UserName"] == "erin"
    with pytest.raises(ClientError) as exc:
        session_iam.get_user(UserName="frank")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"


def test_a_stalling_identity_provider_does_not_stall_the_server(iam, account) -> None:  # type: ignore[no-untyped-def]
    """The key fetch runs off the event loop, however the Action is spelled."""
    import socket
    import threading
    import urllib.parse
    import urllib.request

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    port = silent.getsockname()[1]
    try:
        iam.create_open_id_connect_provider(
            Url=f"https://127.0.0.1:{port}/stall",
            ClientIDList=["app-client"],
            ThumbprintList=["0" * 40],
        )
        token = jwt.encode(
            {
                "iss": f"https://127.0.0.1:{port}/stall",
                "sub": "s",
                "aud": "app-client",
                "exp": 2**31,
            },
            new_key().private,
            algorithm="RS256",
            headers={"kid": "k"},
        )
        body = urllib.parse.urlencode(
            {
                "Version": "2011-06-15",
                "RoleArn": f"arn:aws:iam::{account.id}:role/Any",
                "RoleSessionName": "s1",
                "WebIdentityToken": token,
            }
        )
        # "%41" is "A": the action is only recognisable once decoded.
        data = ("Action=%41ssumeRoleWithWebIdentity&" + body).encode()
        answers: list[int] = []

        def stalled_call() -> None:
            request = urllib.request.Request(account.server.endpoint, data=data)
            try:
                urllib.request.urlopen(request, timeout=30)
            except urllib.error.HTTPError as exc:
                answers.append(exc.code)

        caller = threading.Thread(target=stalled_call)
        caller.start()
        while caller.is_alive() and not _has_pending(silent):
            caller.join(timeout=0.05)  # until the server is waiting on the provider
        # The server answers others while it waits: this call returns first.
        account.client("sts").get_caller_identity()
        assert caller.is_alive()
        caller.join(timeout=40)
        assert answers == [400]  # IDPCommunicationError, once the fetch gave up
    finally:
        silent.close()


def _has_pending(listener: Any) -> bool:
    """Whether a connection waits in ``listener``'s accept queue."""
    import select

    readable, _, _ = select.select([listener], [], [], 0)
    return bool(readable)
