"""Roles, trust policies and managed-policy attachment through boto3."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError

EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def test_tutorial_role_flow(iam, account) -> None:  # type: ignore[no-untyped-def]
    role = iam.create_role(RoleName="MyEC2Role", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))[
        "Role"
    ]
    assert role["Arn"] == f"arn:aws:iam::{account.id}:role/MyEC2Role"
    assert role["RoleId"].startswith("AROA")
    iam.attach_role_policy(
        RoleName="MyEC2Role", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    )
    got = iam.get_role(RoleName="MyEC2Role")["Role"]
    assert got["AssumeRolePolicyDocument"] == EC2_TRUST
    assert got["MaxSessionDuration"] == 3600
    assert got["RoleLastUsed"] == {}
    attached = iam.list_attached_role_policies(RoleName="MyEC2Role")["AttachedPolicies"]
    assert attached == [
        {
            "PolicyName": "AmazonS3ReadOnlyAccess",
            "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        }
    ]
    policy = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")["Policy"]
    assert policy["AttachmentCount"] == 1
    with pytest.raises(ClientError) as exc:
        iam.delete_role(RoleName="MyEC2Role")
    assert exc.value.response["Error"]["Code"] == "DeleteConflict"
    iam.detach_role_policy(
        RoleName="MyEC2Role", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    )
    iam.delete_role(RoleName="MyEC2Role")


def test_trust_policy_remembers_unique_id(iam, account) -> None:  # type: ignore[no-untyped-def]
    user = iam.create_user(UserName="trusted")["User"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=json.dumps(trust))
    shown = iam.get_role(RoleName="R")["Role"]["AssumeRolePolicyDocument"]
    assert shown["Statement"][0]["Principal"]["AWS"] == user["Arn"]
    iam.delete_user(UserName="trusted")
    iam.create_user(UserName="trusted")
    shown = iam.get_role(RoleName="R")["Role"]["AssumeRolePolicyDocument"]
    assert shown["Statement"][0]["Principal"]["AWS"] == user["UserId"]


def test_trust_policy_with_unknown_principal_is_rejected(iam, account) -> None:  # type: ignore[no-untyped-def]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account.id}:user/nobody"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    with pytest.raises(ClientError) as exc:
        iam.create_role(RoleName="R", AssumeRolePolicyDocument=json.dumps(trust))
    err = exc.value.response["Error"]
    assert err["Code"] == "MalformedPolicyDocument"
    assert (
        err["Message"]
        == f'Invalid principal in policy: "AWS":"arn:aws:iam::{account.id}:user/nobody"'
    )


def test_managed_policy_versions(iam, account) -> None:  # type: ignore[no-untyped-def]
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="P", PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
    assert arn == f"arn:aws:iam::{account.id}:policy/P"
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc))
    with pytest.raises(ClientError) as exc:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc))
    assert exc.value.response["Error"]["Code"] == "LimitExceeded"
    with pytest.raises(ClientError) as exc:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    assert (
        exc.value.response["Error"]["Message"] == "Cannot delete the default version of a policy."
    )
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v3")
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v["IsDefaultVersion"] for v in versions] == [False, False, True, False, False]
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]
    assert got["Document"] == doc
    for v in ("v1", "v2", "v4", "v5"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    iam.delete_policy(PolicyArn=arn)


def test_inline_policy_roundtrip_and_size_limit(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="u")
    doc = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
    )
    iam.put_user_policy(UserName="u", PolicyName="p1", PolicyDocument=doc)
    got = iam.get_user_policy(UserName="u", PolicyName="p1")
    assert got["PolicyDocument"] == json.loads(doc)
    assert iam.list_user_policies(UserName="u")["PolicyNames"] == ["p1"]
    big = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + "x" * 2000}
        ],
    }
    with pytest.raises(ClientError) as exc:
        iam.put_user_policy(UserName="u", PolicyName="p2", PolicyDocument=json.dumps(big))
    assert exc.value.response["Error"]["Code"] == "LimitExceeded"
    assert (
        exc.value.response["Error"]["Message"]
        == "Maximum policy size of 2048 bytes exceeded for user u"
    )
    with pytest.raises(ClientError) as exc:
        iam.put_user_policy(UserName="u", PolicyName="p3", PolicyDocument='{"Statement": [')
    assert exc.value.response["Error"] == {
        "Type": "Sender",
        "Code": "MalformedPolicyDocument",
        "Message": "Syntax errors in policy.",
    }
    _ = unquote
