"""Every call is authorized by the policy engine, with AWS's AccessDenied text."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def user_with_policy(iam, account, name: str, statements: list[dict]):  # type: ignore[no-untyped-def]
    iam.create_user(UserName=name)
    iam.put_user_policy(
        UserName=name,
        PolicyName="inline",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def test_implicit_deny_message(iam, account) -> None:  # type: ignore[no-untyped-def]
    alice = user_with_policy(
        iam, account, "alice", [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]
    )
    assert alice.get_user()["User"]["UserName"] == "alice"
    with pytest.raises(ClientError) as exc:
        alice.list_roles()
    err = exc.value.response["Error"]
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Code"] == "AccessDenied"
    assert err["Message"] == (
        f"User: arn:aws:iam::{account.id}:user/alice is not authorized to perform: iam:ListRoles "
        f"on resource: arn:aws:iam::{account.id}:role/ because no identity-based policy allows the "
        "iam:ListRoles action"
    )


def test_explicit_deny_wins(iam, account) -> None:  # type: ignore[no-untyped-def]
    bob = user_with_policy(
        iam,
        account,
        "bob",
        [
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:DeleteRole", "Resource": "*"},
        ],
    )
    bob.list_roles()
    with pytest.raises(ClientError) as exc:
        bob.delete_role(RoleName="anything")
    assert exc.value.response["Error"]["Message"].endswith(
        "with an explicit deny in an identity-based policy"
    )


def test_policy_change_applies_at_next_request(iam, account) -> None:  # type: ignore[no-untyped-def]
    carol = user_with_policy(
        iam, account, "carol", [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]
    )
    carol.list_roles()
    iam.put_user_policy(
        UserName="carol",
        PolicyName="deny",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    with pytest.raises(ClientError):
        carol.list_roles()


def test_condition_on_resource_tag(iam, account) -> None:  # type: ignore[no-untyped-def]
    dave = user_with_policy(
        iam,
        account,
        "dave",
        [
            {
                "Effect": "Allow",
                "Action": "iam:GetRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:ResourceTag/team": "data"}},
            }
        ],
    )
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    iam.create_role(
        RoleName="DataRole", AssumeRolePolicyDocument=trust, Tags=[{"Key": "team", "Value": "data"}]
    )
    iam.create_role(
        RoleName="WebRole", AssumeRolePolicyDocument=trust, Tags=[{"Key": "team", "Value": "web"}]
    )
    dave.get_role(RoleName="DataRole")
    with pytest.raises(ClientError) as exc:
        dave.get_role(RoleName="WebRole")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"


def test_bad_signature_and_unknown_key(account) -> None:  # type: ignore[no-untyped-def]
    wrong = account.client("iam", account.access_key_id, "x" * 40)
    with pytest.raises(ClientError) as exc:
        wrong.list_users()
    assert exc.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    unknown = account.client("iam", "AKIAAAAAAAAAAAAAAAAA", "x" * 40)
    with pytest.raises(ClientError) as exc:
        unknown.list_users()
    assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"
