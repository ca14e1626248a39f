"""AssumeRole through boto3 against a real server: trust, sessions, limits, refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(
    principal: dict[str, Any],
    action: Any = "sts:AssumeRole",
    condition: dict[str, Any] | None = None,
) -> str:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        st["Condition"] = condition
    return doc(st)


def make_user(iam, account, name: str, *statements: dict[str, Any]):  # type: ignore[no-untyped-def]
    user = iam.create_user(UserName=name)["User"]
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=doc(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return user, key


def session_clients(account, creds: dict[str, Any]):  # type: ignore[no-untyped-def]
    return (
        account.client(
            "iam", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
        ),
        account.client(
            "sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
        ),
    )


def code_of(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_user_named_in_trust_policy_assumes_role_and_gets_only_its_permissions(
    iam, account
) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(
        iam, account, "alice", {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}
    )
    iam.create_role(
        RoleName="AWSIAMRoleForRDS", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]})
    )
    iam.put_role_policy(
        RoleName="AWSIAMRoleForRDS",
        PolicyName="rds",
        PolicyDocument=doc({"Effect": "Allow", "Action": "rds:*", "Resource": "*"}),
    )
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    out = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account.id}:role/AWSIAMRoleForRDS", RoleSessionName="Session1"
    )
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert (
        out["AssumedRoleUser"]["Arn"]
        == f"arn:aws:sts::{account.id}:assumed-role/AWSIAMRoleForRDS/Session1"
    )
    assert out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert out["AssumedRoleUser"]["AssumedRoleId"].endswith(":Session1")
    role_iam, role_sts = session_clients(account, creds)
    ident = role_sts.get_caller_identity()
    assert ident["Arn"] == out["AssumedRoleUser"]["Arn"]
    assert ident["UserId"] == out["AssumedRoleUser"]["AssumedRoleId"]
    with pytest.raises(ClientError) as exc:
        role_iam.list_roles()
    assert exc.value.response["Error"]["Message"] == (
        f"User: arn:aws:sts::{account.id}:assumed-role/AWSIAMRoleForRDS/Session1 is not authorized to "
        f"perform: iam:ListRoles on resource: arn:aws:iam::{account.id}:role/ because no identity-based "
        "policy allows the iam:ListRoles action"
    )
    last_used = iam.get_role(RoleName="AWSIAMRoleForRDS")["Role"]["RoleLastUsed"]
    assert "LastUsedDate" in last_used and last_used["Region"] == "us-east-1"


def test_account_trust_needs_identity_permission(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_role(
        RoleName="R", AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{account.id}:root"})
    )
    role_arn = f"arn:aws:iam::{account.id}:role/R"
    _, without = make_user(iam, account, "nopolicy")
    _, with_ = make_user(
        iam,
        account,
        "withpolicy",
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn},
    )
    with pytest.raises(ClientError) as exc:
        account.client("sts", without["AccessKeyId"], without["SecretAccessKey"]).assume_role(
            RoleArn=role_arn, RoleSessionName="s1"
        )
    assert code_of(exc) == "AccessDenied"
    account.client("sts", with_["AccessKeyId"], with_["SecretAccessKey"]).assume_role(
        RoleArn=role_arn, RoleSessionName="s1"
    )


def test_service_principal_never_matches_a_user(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_role(
        RoleName="Ec2", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"})
    )
    _, key = make_user(
        iam, account, "u", {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    )
    with pytest.raises(ClientError) as exc:
        account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
            RoleArn=f"arn:aws:iam::{account.id}:role/Ec2", RoleSessionName="s1"
        )
    assert code_of(exc) == "AccessDenied"


def test_root_cannot_assume_roles_and_missing_roles_are_access_denied(iam, sts, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_role(
        RoleName="R", AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{account.id}:root"})
    )
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=f"arn:aws:iam::{account.id}:role/R", RoleSessionName="s1")
    assert exc.value.response["Error"]["Message"] == "Roles may not be assumed by root accounts."
    _, key = make_user(
        iam, account, "u", {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    )
    with pytest.raises(ClientError) as exc:
        account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
            RoleArn=f"arn:aws:iam::{account.id}:role/Missing", RoleSessionName="s1"
        )
    assert code_of(exc) == "AccessDenied"


def test_cross_account(iam, account, server, server_store) -> None:  # type: ignore[no-untyped-def]
    from rolecall.iam.accounts import create_account

    other = create_account(server_store, server.keyring, name="b")
    third = create_account(server_store, server.keyring, name="c")
    b_iam = account.client("iam", other.access_key_id, other.secret_access_key)
    b_iam.create_role(
        RoleName="Shared",
        AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{account.id}:root"}),
    )
    role_arn = f"arn:aws:iam::{other.account_id}:role/Shared"
    _, allowed = make_user(
        iam,
        account,
        "allowed",
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn},
    )
    _, plain = make_user(iam, account, "plain")
    out = account.client("sts", allowed["AccessKeyId"], allowed["SecretAccessKey"]).assume_role(
        RoleArn=role_arn, RoleSessionName="x1"
    )
    assert out["AssumedRoleUser"]["Arn"].startswith(
        f"arn:aws:sts::{other.account_id}:assumed-role/Shared/"
    )
    with pytest.raises(ClientError):
        account.client("sts", plain["AccessKeyId"], plain["SecretAccessKey"]).assume_role(
            RoleArn=role_arn, RoleSessionName="x1"
        )
    c_iam = account.client("iam", third.access_key_id, third.secret_access_key)
    c_iam.create_user(UserName="eve")
    c_iam.put_user_policy(UserName="eve", PolicyName="p", PolicyDocument=json.dumps(ALLOW_ALL))
    eve = c_iam.create_access_key(UserName="eve")["AccessKey"]
    with pytest.raises(ClientError):
        account.client("sts", eve["AccessKeyId"], eve["SecretAccessKey"]).assume_role(
            RoleArn=role_arn, RoleSessionName="x1"
        )


def test_durations(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    iam.create_role(
        RoleName="R", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}), MaxSessionDuration=7200
    )
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    arn = f"arn:aws:iam::{account.id}:role/R"
    sts.assume_role(RoleArn=arn, RoleSessionName="s1", DurationSeconds=7200)
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=arn, RoleSessionName="s1", DurationSeconds=7201)
    assert exc.value.response["Error"]["Message"] == (
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    )
    unchecked = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"], validate=False)
    with pytest.raises(ClientError) as exc:
        unchecked.assume_role(RoleArn=arn, RoleSessionName="s1", DurationSeconds=899)
    assert code_of(exc) == "ValidationError"
    assert (
        "Member must have value greater than or equal to 900"
        in exc.value.response["Error"]["Message"]
    )


def test_role_chaining_is_capped_at_one_hour(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    iam.create_role(
        RoleName="First",
        AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}),
        MaxSessionDuration=43200,
    )
    first_arn = f"arn:aws:iam::{account.id}:role/First"
    iam.put_role_policy(
        RoleName="First",
        PolicyName="p",
        PolicyDocument=doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
    )
    iam.create_role(
        RoleName="Second",
        AssumeRolePolicyDocument=trust({"AWS": first_arn}),
        MaxSessionDuration=43200,
    )
    creds = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
        RoleArn=first_arn, RoleSessionName="one", DurationSeconds=7200
    )["Credentials"]
    _, first_sts = session_clients(account, creds)
    second = f"arn:aws:iam::{account.id}:role/Second"
    with pytest.raises(ClientError) as exc:
        first_sts.assume_role(RoleArn=second, RoleSessionName="two", DurationSeconds=3601)
    assert exc.value.response["Error"]["Message"] == (
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    )
    out = first_sts.assume_role(RoleArn=second, RoleSessionName="two")
    assert out["AssumedRoleUser"]["Arn"].endswith("assumed-role/Second/two")


def test_session_policy_intersects(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}))
    iam.put_role_policy(RoleName="R", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    out = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
        RoleArn=f"arn:aws:iam::{account.id}:role/R",
        RoleSessionName="s1",
        Policy=doc({"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}),
    )
    assert out["PackedPolicySize"] > 0
    role_iam, _ = session_clients(account, out["Credentials"])
    role_iam.list_users()
    with pytest.raises(ClientError) as exc:
        role_iam.list_roles()
    assert exc.value.response["Error"]["Message"].endswith(
        "because no session policy allows the iam:ListRoles action"
    )


def test_external_id_condition(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    iam.create_role(
        RoleName="R",
        AssumeRolePolicyDocument=trust(
            {"AWS": user["Arn"]}, condition={"StringEquals": {"sts:ExternalId": "secret-123"}}
        ),
    )
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    arn = f"arn:aws:iam::{account.id}:role/R"
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=arn, RoleSessionName="s1")
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=arn, RoleSessionName="s1", ExternalId="wrong-1")
    sts.assume_role(RoleArn=arn, RoleSessionName="s1", ExternalId="secret-123")


def test_session_tags_need_tag_session_and_become_principal_tags(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    iam.create_role(RoleName="NoTags", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}))
    iam.create_role(
        RoleName="Tags",
        AssumeRolePolicyDocument=trust(
            {"AWS": user["Arn"]}, action=["sts:AssumeRole", "sts:TagSession"]
        ),
    )
    iam.put_role_policy(
        RoleName="Tags",
        PolicyName="p",
        PolicyDocument=doc(
            {
                "Effect": "Allow",
                "Action": "iam:ListUsers",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data"}},
            }
        ),
    )
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    tags = [{"Key": "team", "Value": "data"}]
    with pytest.raises(ClientError):
        sts.assume_role(
            RoleArn=f"arn:aws:iam::{account.id}:role/NoTags", RoleSessionName="s1", Tags=tags
        )
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account.id}:role/Tags", RoleSessionName="s1", Tags=tags
    )["Credentials"]
    session_clients(account, creds)[0].list_users()
    other = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account.id}:role/Tags",
        RoleSessionName="s1",
        Tags=[{"Key": "team", "Value": "web"}],
    )["Credentials"]
    with pytest.raises(ClientError):
        session_clients(account, other)[0].list_users()


def test_tampered_token_is_invalid_client_token(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}))
    creds = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
        RoleArn=f"arn:aws:iam::{account.id}:role/R", RoleSessionName="s1"
    )["Credentials"]
    token = creds["SessionToken"]
    flipped = token[:-10] + ("A" if token[-10] != "A" else "B") + token[-9:]
    bad = account.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], flipped)
    with pytest.raises(ClientError) as exc:
        bad.get_caller_identity()
    assert code_of(exc) == "InvalidClientTokenId"


def test_deleted_role_sessions_are_useless(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}))
    iam.put_role_policy(RoleName="R", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    creds = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
        RoleArn=f"arn:aws:iam::{account.id}:role/R", RoleSessionName="s1"
    )["Credentials"]
    role_iam, _ = session_clients(account, creds)
    role_iam.list_users()
    iam.delete_role_policy(RoleName="R", PolicyName="all")
    iam.delete_role(RoleName="R")
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}))
    iam.put_role_policy(RoleName="R", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    with pytest.raises(ClientError):
        role_iam.list_users()
