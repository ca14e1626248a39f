"""AssumeRoleWithSAML against a real server, with responses signed by a test IdP."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from audit_helpers import wait_for_events  # type: ignore[import-not-found]
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from saml_idp import ATTR, SAML, SamlIdp, find, signing_pair  # type: ignore[import-not-found]
from test_assume_role import doc, session_clients, trust  # type: ignore[import-not-found]

AWS = str(Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / "aws")
SAML_ACTION = "sts:AssumeRoleWithSAML"
DENIED = ("AccessDenied", f"Not authorized to perform {SAML_ACTION}", 403)
SIGNIN = "https://signin.aws.amazon.com/saml"


def unsigned_sts(account):  # type: ignore[no-untyped-def]
    return boto3.client(
        "sts",
        endpoint_url=account.server.endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )


def provider(iam, idp: SamlIdp, name: str = "Corp", **kw: Any) -> str:  # type: ignore[no-untyped-def]
    return str(
        iam.create_saml_provider(
            Name=name, SAMLMetadataDocument=kw.pop("metadata", None) or idp.metadata(), **kw
        )["SAMLProviderArn"]
    )


def saml_role(iam, account, name: str, provider_arn: str, **kw: Any) -> str:  # type: ignore[no-untyped-def]
    condition = kw.pop("condition", {"StringEquals": {"SAML:aud": SIGNIN}})
    actions = kw.pop("actions", SAML_ACTION)
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


def assume(account, role_arn: str, provider_arn: str, response: str, **kw: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return dict(
        unsigned_sts(account).assume_role_with_saml(
            RoleArn=role_arn, PrincipalArn=provider_arn, SAMLAssertion=response, **kw
        )
    )


def refusal(
    account, role_arn: str, provider_arn: str, response: str, **kw: Any
) -> tuple[str, str, int]:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        assume(account, role_arn, provider_arn, response, **kw)
    error = exc.value.response["Error"]
    return error["Code"], error["Message"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def idp() -> SamlIdp:
    return SamlIdp()


@pytest.fixture
def setup(iam, account, idp) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    arn = provider(iam, idp)
    return saml_role(iam, account, "Federated", arn), arn


def test_signed_assertion_gets_the_roles_permissions(iam, account, idp, setup) -> None:  # type: ignore[no-untyped-def]
    role_arn, arn = setup
    out = assume(account, role_arn, arn, idp.response(role_arn, arn, session_name="alice@corp"))
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert out["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{account.id}:assumed-role/Federated/alice@corp"
    )
    assert out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert out["AssumedRoleUser"]["AssumedRoleId"].endswith(":alice@corp")
    assert out["Subject"] == "alice"
    assert out["SubjectType"] == "persistent"
    assert out["Issuer"] == idp.entity_id
    assert out["Audience"] == SIGNIN
    expected = base64.b64encode(
        hashlib.sha1(f"{idp.entity_id}{account.id}/Corp".encode()).digest()
    ).decode()
    assert out["NameQualifier"] == expected
    assert "SourceIdentity" not in out and "PackedPolicySize" not in out
    remaining = creds["Expiration"].timestamp() - time.time()
    assert 3500 < remaining <= 3600
    session_iam, session_sts = session_clients(account, creds)
    assert session_sts.get_caller_identity()["Arn"] == out["AssumedRoleUser"]["Arn"]
    session_iam.list_users()
    with pytest.raises(ClientError) as exc:
        session_iam.list_roles()
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    # A signed Response (rather than Assertion), and both, are accepted too; the
    # Role attribute may list the provider first; other formats are returned whole.
    for sign in ("response", "both"):
        assume(account, role_arn, arn, idp.response(role_arn, arn, sign=sign))
    out = assume(
        account,
        role_arn,
        arn,
        idp.response(
            roles=[f"{arn}, {role_arn}"],
            name_id_format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            subject="alice@corp.example",
        ),
    )
    assert out["SubjectType"] == "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    # The regional sign-in endpoint is a valid recipient (and becomes saml:aud).
    regional = "https://eu-west-1.signin.aws.amazon.com/saml"
    iam.update_assume_role_policy(
        RoleName="Federated", PolicyDocument=trust({"Federated": arn}, SAML_ACTION)
    )
    out = assume(account, role_arn, arn, idp.response(role_arn, arn, recipient=regional))
    assert out["Audience"] == regional


def test_aws_cli_assume_role_with_saml(iam, account, idp, setup) -> None:  # type: ignore[no-untyped-def]
    role_arn, arn = setup
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=account.server.endpoint,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )

    def cli(response: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                AWS,
                "sts",
                "assume-role-with-saml",
                "--role-arn",
                role_arn,
                "--principal-arn",
                arn,
                "--saml-assertion",
                response,
                "--no-sign-request",
                "--output",
                "json",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    done = cli(idp.response(role_arn, arn, session_name="cli"))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account.id}:assumed-role/Federated/cli"
    assert out["Subject"] == "alice"
    done = cli(idp.response(role_arn, arn, session_name=None))
    assert done.returncode != 0
    assert "InvalidIdentityToken" in done.stderr
    assert "RoleSessionName is required in AuthnResponse" in done.stderr


def test_forged_and_tampered_responses(iam, account, idp, setup) -> None:  # type: ignore[no-untyped-def]
    role_arn, arn = setup
    invalid_signature = ("InvalidIdentityToken", "Response signature invalid", 400)
    # Not signed at all.
    assert refusal(account, role_arn, arn, idp.response(role_arn, arn, sign="none")) == (
        invalid_signature
    )
    # Signed by a key the provider's metadata does not hold.
    stranger_key, stranger_cert = signing_pair("stranger")
    forged = idp.response(role_arn, arn, key=stranger_key, cert=stranger_cert)
    assert refusal(account, role_arn, arn, forged) == invalid_signature

    # Changed after signing: the NameID, or the session name.
    def rename(root: etree._Element) -> None:
        find(root, "saml:Assertion/saml:Subject/saml:NameID").text = "admin"

    assert refusal(account, role_arn, arn, idp.response(role_arn, arn, after=rename)) == (
        invalid_signature
    )
    assert (
        refusal(account, role_arn, arn, idp.response(role_arn, arn, sign="response", after=rename))
        == invalid_signature
    )

    # Signature wrapping: the genuine signed assertion moved aside (into the
    # signature's Object) and an unsigned copy with the attacker's values in its
    # place carrying the signature, with the same ID or another one.
    def wrapper(same_id: bool):  # type: ignore[no-untyped-def]
        def wrap(root: etree._Element) -> None:
            genuine = find(root, "saml:Assertion")
            signature = find(genuine, "ds:Signature")
            genuine.remove(signature)
            evil = copy.deepcopy(genuine)
            find(evil, "saml:Subject/saml:NameID").text = "admin"
            if not same_id:
                evil.set("ID", "_evil")
            root.replace(genuine, evil)
            evil.insert(1, signature)
            etree.SubElement(signature, "{http://www.w3.org/2000/09/xmldsig#}Object").append(
                genuine
            )

        return wrap

    for same_id in (True, False):
        wrapped = idp.response(role_arn, arn, after=wrapper(same_id))
        code, _, status = refusal(account, role_arn, arn, wrapped)
        assert (code, status) == ("InvalidIdentityToken", 400)

    # A second, unsigned assertion beside the signed one.
    def second(root: etree._Element) -> None:
        extra = copy.deepcopy(find(root, "saml:Assertion"))
        extra.remove(find(extra, "ds:Signature"))
        extra.set("ID", "_evil")
        find(extra, "saml:Subject/saml:NameID").text = "admin"
        root.insert(2, extra)

    code, message, _ = refusal(account, role_arn, arn, idp.response(role_arn, arn, after=second))
    assert (code, message) == (
        "InvalidIdentityToken",
        "The SAML response must contain exactly one assertion.",
    )
    # Garbage, and XML with a DTD (entity expansion) are refused, never a 500.
    assert refusal(account, role_arn, arn, "bm90IHhtbA==")[0] == "InvalidIdentityToken"
    bomb = base64.b64encode(
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaa">]>'
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&a;</samlp:Response>'
    ).decode()
    assert refusal(account, role_arn, arn, bomb)[0] == "InvalidIdentityToken"
    assert refusal(account, role_arn, arn, "%%%% not base64")[0] == "InvalidIdentityToken"


def test_issuer_certificates_and_provider(iam, account, idp, setup) -> None:  # type: ignore[no-untyped-def]
    role_arn, arn = setup
    code, message, _ = refusal(
        account, role_arn, arn, idp.response(role_arn, arn, issuer="https://other.example.test")
    )
    assert (code, message) == ("InvalidIdentityToken", "Issuer not present in specified provider")
    # A provider that does not exist (or is another account's) is access denied.
    missing = f"arn:aws:iam::{account.id}:saml-provider/Nobody"
    assert refusal(account, role_arn, missing, idp.response(role_arn, missing)) == DENIED
    code, message, _ = refusal(account, role_arn, role_arn, idp.response(role_arn, arn))
    assert (code, message) == ("ValidationError", "Request ARN is invalid")
    # Key rotation: metadata with two signing certificates accepts either key;
    # a KeyDescriptor without "use" counts as a signing key.
    new_key, new_cert = signing_pair("rotated")
    iam.update_saml_provider(
        SAMLProviderArn=arn, SAMLMetadataDocument=idp.metadata(certs=[idp.cert, new_cert], use=None)
    )
    assume(account, role_arn, arn, idp.response(role_arn, arn))
    assume(account, role_arn, arn, idp.response(role_arn, arn, key=new_key, cert=new_cert))
    # An encryption-only key does not verify signatures.
    iam.update_saml_provider(
        SAMLProviderArn=arn, SAMLMetadataDocument=idp.metadata(use="encryption")
    )
    assert refusal(account, role_arn, arn, idp.response(role_arn, arn))[1] == (
        "Response signature invalid"
    )


def test_times_recipient_and_audience(iam, account, idp, setup) -> None:  # type: ignore[no-untyped-def]
    role_arn, arn = setup
    expired = idp.response(role_arn, arn, issued_ago=120, lifetime=60)
    assert refusal(account, role_arn, arn, expired) == (
        "ExpiredTokenException",
        "Response has expired",
        400,
    )
    stale = idp.response(role_arn, arn, issued_ago=400, lifetime=3600)
    assert refusal(account, role_arn, arn, stale) == (
        "ExpiredTokenException",
        "Token must be redeemed within 5 minutes of issuance",
        400,
    )
    code, message, _ = refusal(
        account, role_arn, arn, idp.response(role_arn, arn, recipient="https://evil.example/saml")
    )
    assert code == "InvalidIdentityToken" and "Recipient" in message
    code, message, _ = refusal(account, role_arn, arn, idp.response(role_arn, arn, recipient=None))
    assert code == "InvalidIdentityToken" and "Recipient" in message
    code, message, _ = refusal(
        account, role_arn, arn, idp.response(role_arn, arn, audience="https://sp.example/")
    )
    assert code == "InvalidIdentityToken" and "audience" in message
    assume(account, role_arn, arn, idp.response(role_arn, arn, audience="urn:amazon:webservices"))
    failed = idp.response(role_arn, arn, status="urn:oasis:names:tc:SAML:2.0:status:Responder")
    assert refusal(account, role_arn, arn, failed)[0::2] == ("IDPRejectedClaim", 403)


def test_the_development_clock_applies(iam, account, idp, setup) -> None:  # type: ignore[no-untyped-def]
    role_arn, arn = setup
    response = idp.response(role_arn, arn, lifetime=60)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=account.access_key_id,
        AWS_SECRET_ACCESS_KEY=account.secret_access_key,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=account.server.endpoint,
    )

    def clock(*args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "rolecall", "clock", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    clock("advance", "120")
    try:
        assert refusal(account, role_arn, arn, response)[:2] == (
            "ExpiredTokenException",
            "Response has expired",
        )
    finally:
        clock("reset")
    assume(account, role_arn, arn, response)


def test_session_name_and_role_pairs(iam, account, idp, setup) -> None:  # type: ignore[no-untyped-def]
    role_arn, arn = setup
    assert refusal(account, role_arn, arn, idp.response(role_arn, arn, session_name=None)) == (
        "InvalidIdentityToken",
        "RoleSessionName is required in AuthnResponse",
        400,
    )
    assert refusal(account, role_arn, arn, idp.response(role_arn, arn, session_name="a b")) == (
        "InvalidIdentityToken",
        "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
        400,
    )
    # The requested (role, provider) pair must be one the IdP granted.
    other = saml_role(iam, account, "Other", arn)
    assert refusal(account, other, arn, idp.response(role_arn, arn)) == DENIED
    assert refusal(account, role_arn, arn, idp.response(roles=[])) == DENIED
    granted = idp.response(roles=[f"{other},{arn}", f"{role_arn},{arn}"])
    assume(account, other, arn, granted)
    # No NameID: access denied (AWS documents this).
    assert refusal(account, role_arn, arn, idp.response(role_arn, arn, subject=None)) == DENIED
    # A missing role is access denied as well.
    ghost = f"arn:aws:iam::{account.id}:role/Ghost"
    assert refusal(account, ghost, arn, idp.response(ghost, arn)) == DENIED


def test_trust_policy_conditions(iam, account, idp) -> None:  # type: ignore[no-untyped-def]
    arn = provider(iam, idp)
    role_arn = saml_role(
        iam,
        account,
        "Staff",
        arn,
        condition={
            "StringEquals": {
                "saml:aud": SIGNIN,
                "saml:sub": "alice",
                "saml:sub_type": "persistent",
                "saml:iss": idp.entity_id,
                "saml:doc": f"{account.id}/Corp",
            },
            "ForAnyValue:StringEquals": {"saml:edupersonaffiliation": "staff"},
        },
    )
    staff = {"urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["member", "staff"]}
    assume(account, role_arn, arn, idp.response(role_arn, arn, attributes=staff))
    # Each condition, failing on its own.
    student = {"urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ["student"]}
    assert refusal(account, role_arn, arn, idp.response(role_arn, arn, attributes=student)) == (
        DENIED
    )
    assert (
        refusal(
            account, role_arn, arn, idp.response(role_arn, arn, subject="bob", attributes=staff)
        )
        == DENIED
    )
    regional = idp.response(
        role_arn, arn, recipient="https://us-east-1.signin.aws.amazon.com/saml", attributes=staff
    )
    assert refusal(account, role_arn, arn, regional) == DENIED
    # saml:namequalifier is the documented hash.
    qualifier = base64.b64encode(
        hashlib.sha1(f"{idp.entity_id}{account.id}/Corp".encode()).digest()
    ).decode()
    iam.update_assume_role_policy(
        RoleName="Staff",
        PolicyDocument=trust(
            {"Federated": arn}, SAML_ACTION, {"StringEquals": {"saml:namequalifier": qualifier}}
        ),
    )
    assume(account, role_arn, arn, idp.response(role_arn, arn))
    # A trust policy naming another provider (or the account) does not let it in.
    other = provider(iam, SamlIdp(), name="Other")
    iam.update_assume_role_policy(
        RoleName="Staff", PolicyDocument=trust({"Federated": other}, SAML_ACTION)
    )
    assert refusal(account, role_arn, arn, idp.response(role_arn, arn)) == DENIED
    iam.update_assume_role_policy(
        RoleName="Staff", PolicyDocument=trust({"AWS": account.id}, SAML_ACTION)
    )
    assert refusal(account, role_arn, arn, idp.response(role_arn, arn)) == DENIED


def test_session_tags_source_identity_and_duration(iam, account, idp, setup) -> None:  # type: ignore[no-untyped-def]
    role_arn, arn = setup
    iam.put_role_policy(
        RoleName="Federated",
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
    attributes = {
        ATTR + "PrincipalTag:Project": ["blue"],
        ATTR + "TransitiveTagKeys": ["Project"],
        ATTR + "SourceIdentity": ["alice@corp"],
    }
    tagged = idp.response(role_arn, arn, attributes=attributes)
    assert refusal(account, role_arn, arn, tagged) == DENIED
    iam.update_assume_role_policy(
        RoleName="Federated",
        PolicyDocument=trust({"Federated": arn}, [SAML_ACTION, "sts:TagSession"]),
    )
    # The source identity still needs sts:SetSourceIdentity.
    assert refusal(account, role_arn, arn, tagged) == DENIED
    iam.update_assume_role_policy(
        RoleName="Federated",
        PolicyDocument=trust(
            {"Federated": arn}, [SAML_ACTION, "sts:TagSession", "sts:SetSourceIdentity"]
        ),
    )
    out = assume(account, role_arn, arn, tagged)
    assert out["SourceIdentity"] == "alice@corp"
    assert out["PackedPolicySize"] > 0
    session_iam, _ = session_clients(account, out["Credentials"])
    session_iam.list_roles()
    bad_tag = idp.response(role_arn, arn, attributes={ATTR + "PrincipalTag:a": ["1", "2"]})
    assert refusal(account, role_arn, arn, bad_tag)[0] == "InvalidIdentityToken"
    bad_source = idp.response(role_arn, arn, attributes={ATTR + "SourceIdentity": ["aws:me"]})
    assert refusal(account, role_arn, arn, bad_source)[:2] == (
        "InvalidIdentityToken",
        'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"',
    )
    # SessionDuration and SessionNotOnOrAfter shorten the session; DurationSeconds
    # is checked against the role's maximum.
    short = idp.response(role_arn, arn, attributes={ATTR + "SessionDuration": ["900"]})
    creds = assume(account, role_arn, arn, short)["Credentials"]
    assert 800 < creds["Expiration"].timestamp() - time.time() <= 900
    capped = idp.response(role_arn, arn, session_not_on_or_after=time.time() + 1200)
    creds = assume(account, role_arn, arn, capped, DurationSeconds=3600)["Credentials"]
    assert 1100 < creds["Expiration"].timestamp() - time.time() <= 1200
    assert refusal(account, role_arn, arn, idp.response(role_arn, arn), DurationSeconds=7200)[
        :2
    ] == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
    bad = idp.response(role_arn, arn, attributes={ATTR + "SessionDuration": ["60"]})
    assert refusal(account, role_arn, arn, bad)[0] == "InvalidIdentityToken"


def test_the_audit_trail_names_the_saml_user_and_hides_the_assertion(
    iam, account, idp, setup, server_store
) -> None:  # type: ignore[no-untyped-def]
    role_arn, arn = setup
    response = idp.response(role_arn, arn, subject="carol")
    out = assume(account, role_arn, arn, response)
    session_iam, _ = session_clients(account, out["Credentials"])
    session_iam.list_users()
    rows, by_name = wait_for_events(server_store, account.id, "AssumeRoleWithSAML", "ListUsers")
    event = by_name["AssumeRoleWithSAML"]
    assert event["userIdentity"] == {
        "type": "SAMLUser",
        "principalId": f"{out['NameQualifier']}:carol",
        "userName": "carol",
        "identityProvider": arn,
    }
    assert event["recipientAccountId"] == account.id
    text = json.dumps(rows)
    assert response not in text
    assert response[:200] not in text
    assert out["Credentials"]["SecretAccessKey"] not in text
    assert by_name["ListUsers"]["userIdentity"]["type"] == "AssumedRole"


def private_pem(key: Any) -> str:
    return str(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    )


def test_encrypted_assertions_are_decrypted_with_the_providers_keys(
    iam, account, idp, setup
) -> None:  # type: ignore[no-untyped-def]
    role_arn, arn = setup
    sp_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encrypted = idp.response(role_arn, arn, encrypt_to=sp_key.public_key())
    # Without a private key on the provider, rolecall says why it cannot read it.
    code, message, _ = refusal(account, role_arn, arn, encrypted)
    assert code == "InvalidIdentityToken" and "no private key" in message
    iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=private_pem(sp_key))
    for sign in ("assertion", "response", "both"):
        for algorithm in ("aes256-gcm", "aes128-cbc"):
            response = idp.response(
                role_arn,
                arn,
                subject=f"{sign}-{algorithm}",
                sign=sign,
                encrypt_to=sp_key.public_key(),
                content_algorithm=algorithm,
            )
            if (sign, algorithm) == ("assertion", "aes128-cbc"):
                # Unauthenticated ciphertext no signature covers: never decrypted.
                code, message, _ = refusal(account, role_arn, arn, response)
                assert code == "InvalidIdentityToken" and "signed Response" in message
                continue
            assert assume(account, role_arn, arn, response)["Subject"] == f"{sign}-{algorithm}"
    # Encrypted but signed by nobody, or for another key: refused.
    unsigned = idp.response(role_arn, arn, sign="none", encrypt_to=sp_key.public_key())
    assert refusal(account, role_arn, arn, unsigned)[:2] == (
        "InvalidIdentityToken",
        "Response signature invalid",
    )
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = idp.response(role_arn, arn, encrypt_to=stranger.public_key())
    assert refusal(account, role_arn, arn, other)[:2] == (
        "InvalidIdentityToken",
        "The encrypted SAML assertion could not be decrypted.",
    )

    # A response signed around its encrypted assertion cannot have it swapped.
    def swap(root: etree._Element) -> None:
        genuine = find(root, "saml:EncryptedAssertion")
        forged = etree.fromstring(
            base64.b64decode(
                idp.response(role_arn, arn, subject="mallory", encrypt_to=sp_key.public_key())
            )
        ).find(f"{{{SAML}}}EncryptedAssertion")
        root.replace(genuine, forged)

    wrapped = idp.response(
        role_arn, arn, sign="response", encrypt_to=sp_key.public_key(), after=swap
    )
    assert refusal(account, role_arn, arn, wrapped)[0] == "InvalidIdentityToken"
    # AssertionEncryptionMode Required refuses plaintext assertions.
    iam.update_saml_provider(SAMLProviderArn=arn, AssertionEncryptionMode="Required")
    code, message, _ = refusal(account, role_arn, arn, idp.response(role_arn, arn))
    assert (code, message) == (
        "InvalidIdentityToken",
        "The SAML provider requires encrypted assertions.",
    )
    assume(account, role_arn, arn, idp.response(role_arn, arn, encrypt_to=sp_key.public_key()))


def test_saml_keys_are_policy_variables_in_the_session(iam, account, idp, setup) -> None:  # type: ignore[no-untyped-def]
    role_arn, arn = setup
    iam.put_role_policy(
        RoleName="Federated",
        PolicyName="own-user",
        PolicyDocument=doc(
            {
                "Effect": "Allow",
                "Action": "iam:GetUser",
                "Resource": f"arn:aws:iam::{account.id}:user/${{saml:sub}}",
                "Condition": {"StringEquals": {"saml:sub_type": "persistent"}},
            }
        ),
    )
    for name in ("carol", "dave"):
        iam.create_user(UserName=name)
    out = assume(account, role_arn, arn, idp.response(role_arn, arn, subject="carol"))
    session_iam, _ = session_clients(account, out["Credentials"])
    assert session_iam.get_user(UserName="carol")["User"]["UserName"] == "carol"
    with pytest.raises(ClientError) as exc:
        session_iam.get_user(UserName="dave")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"


def test_mangled_responses_are_client_errors(iam, account, idp, setup) -> None:  # type: ignore[no-untyped-def]
    """Byte-level damage anywhere in a genuine response: never a 5xx.

    Damage to a part no signature covers (the Response's attributes when only the
    assertion is signed) may leave a valid response; anything else is a 4xx.
    """
    import random

    role_arn, arn = setup
    rng = random.Random(20261123)
    sp_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=private_pem(sp_key))
    genuine = [
        base64.b64decode(idp.response(role_arn, arn)),
        base64.b64decode(
            idp.response(role_arn, arn, sign="response", encrypt_to=sp_key.public_key())
        ),
    ]
    refused = 0
    for _ in range(40):
        data = bytearray(rng.choice(genuine))
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(data))
            data[position] = rng.choice(b"<>&\"'=/ \x00\xffAZaz09")
        try:
            assume(account, role_arn, arn, base64.b64encode(bytes(data)).decode())
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            assert 400 <= status < 500, (status, error.response["Error"])
            refused += 1
    assert refused >= 30
