"""GetSessionToken, GetFederationToken, GetAccessKeyInfo, GetCallerIdentity."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from test_assume_role import ALLOW_ALL, doc, make_user, session_clients, trust  # type: ignore[import-not-found]


def test_get_session_token_for_user_and_root(iam, sts, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u", {"Effect": "Allow", "Action": "*", "Resource": "*"})
    creds = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_session_token(
        DurationSeconds=900
    )["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    token_iam, token_sts = session_clients(account, creds)
    assert token_sts.get_caller_identity()["Arn"] == user["Arn"]
    # Without MFA, GetSessionToken credentials cannot call IAM.
    with pytest.raises(ClientError) as exc:
        token_iam.list_users()
    assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"
    # ... nor GetSessionToken again.
    with pytest.raises(ClientError) as exc:
        token_sts.get_session_token()
    assert (
        exc.value.response["Error"]["Message"]
        == "Cannot call GetSessionToken with session credentials"
    )
    root_creds = sts.get_session_token(DurationSeconds=129600)["Credentials"]
    _, root_sts = session_clients(account, root_creds)
    assert root_sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{account.id}:root"
    lifetime = root_creds["Expiration"].timestamp() - __import__("time").time()
    assert lifetime <= 3600 + 5  # root sessions last at most one hour


def test_session_token_credentials_can_assume_roles(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}))
    creds = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_session_token()[
        "Credentials"
    ]
    _, token_sts = session_clients(account, creds)
    out = token_sts.assume_role(
        RoleArn=f"arn:aws:iam::{account.id}:role/R", RoleSessionName="via-token"
    )
    assert out["AssumedRoleUser"]["Arn"].endswith("/R/via-token")


def test_federation_token_intersects_user_policy(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(
        iam,
        account,
        "broker",
        {"Effect": "Allow", "Action": ["sts:GetFederationToken", "iam:ListUsers"], "Resource": "*"},
    )
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    out = sts.get_federation_token(Name="bob", Policy=json.dumps(ALLOW_ALL), DurationSeconds=900)
    assert out["FederatedUser"] == {
        "FederatedUserId": f"{account.id}:bob",
        "Arn": f"arn:aws:sts::{account.id}:federated-user/bob",
    }
    fed_iam, fed_sts = session_clients(account, out["Credentials"])
    assert fed_sts.get_caller_identity()["Arn"] == f"arn:aws:sts::{account.id}:federated-user/bob"
    # Federated users cannot call IAM at all.
    with pytest.raises(ClientError) as exc:
        fed_iam.list_users()
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    # Without session policies a federation token grants nothing; the user needs the permission.
    _, plain = make_user(iam, account, "plain")
    with pytest.raises(ClientError) as exc:
        account.client("sts", plain["AccessKeyId"], plain["SecretAccessKey"]).get_federation_token(
            Name="bob"
        )
    assert exc.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{account.id}:user/plain is not authorized to perform: sts:GetFederationToken on "
        f"resource: arn:aws:sts::{account.id}:federated-user/bob because no identity-based policy allows the "
        "sts:GetFederationToken action"
    )


def test_get_access_key_info(iam, sts, account) -> None:  # type: ignore[no-untyped-def]
    _, key = make_user(iam, account, "u")
    assert sts.get_access_key_info(AccessKeyId=key["AccessKeyId"])["Account"] == account.id
    assert sts.get_access_key_info(AccessKeyId="ASIAY34FZKBOKMUTVV7A")["Account"] == "609629065308"


def test_get_caller_identity_works_under_explicit_deny(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(
        iam, account, "denied", {"Effect": "Deny", "Action": "*", "Resource": "*"}
    )
    ident = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    assert ident == {**ident, "Arn": user["Arn"], "UserId": user["UserId"], "Account": account.id}


def test_session_policy_document_errors(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}))
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as exc:
        sts.assume_role(
            RoleArn=f"arn:aws:iam::{account.id}:role/R",
            RoleSessionName="s1",
            Policy='{"Statement": 1}',
        )
    assert exc.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    with pytest.raises(ClientError) as exc:
        sts.assume_role(
            RoleArn=f"arn:aws:iam::{account.id}:role/R",
            RoleSessionName="s1",
            PolicyArns=[{"arn": f"arn:aws:iam::{account.id}:policy/Nope"}],
        )
    assert exc.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    _ = doc
