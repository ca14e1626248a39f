"""GetAccountAuthorizationDetails against a real server."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError
from identity_helpers import allow, aws_cli, error_of, user_client

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
S3_READ = {"Version": "2012-10-17", "Statement": [allow("s3:Get*")]}
S3_ALL = {"Version": "2012-10-17", "Statement": [allow("s3:*")]}
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
IAM_READ = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


def _populate(iam, account) -> str:  # type: ignore[no-untyped-def]
    """A user in a group, a role in an instance profile, and a two-version policy."""
    arn = iam.create_policy(
        PolicyName="S3", PolicyDocument=json.dumps(S3_READ), Description="bucket reads"
    )["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(S3_ALL), SetAsDefault=True)
    iam.create_user(
        UserName="alice",
        Path="/eng/",
        Tags=[{"Key": "team", "Value": "data"}],
        PermissionsBoundary=arn,
    )
    iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=json.dumps(S3_READ))
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    iam.create_group(GroupName="Readers")
    iam.put_group_policy(GroupName="Readers", PolicyName="grp", PolicyDocument=json.dumps(S3_ALL))
    iam.attach_group_policy(GroupName="Readers", PolicyArn=READ_ONLY)
    iam.add_user_to_group(GroupName="Readers", UserName="alice")
    iam.create_role(
        RoleName="App",
        AssumeRolePolicyDocument=json.dumps(EC2_TRUST),
        Tags=[{"Key": "k", "Value": "v"}],
    )
    iam.put_role_policy(RoleName="App", PolicyName="rp", PolicyDocument=json.dumps(S3_READ))
    iam.attach_role_policy(RoleName="App", PolicyArn=arn)
    iam.put_role_permissions_boundary(RoleName="App", PermissionsBoundary=IAM_READ)
    iam.create_instance_profile(InstanceProfileName="AppProfile", Path="/ip/")
    iam.add_role_to_instance_profile(InstanceProfileName="AppProfile", RoleName="App")
    return arn  # type: ignore[no-any-return]


def test_full_details(iam, account) -> None:  # type: ignore[no-untyped-def]
    arn = _populate(iam, account)
    details = iam.get_account_authorization_details()
    assert details["IsTruncated"] is False

    (user,) = details["UserDetailList"]
    assert user["UserName"] == "alice" and user["Path"] == "/eng/"
    assert user["Arn"] == f"arn:aws:iam::{account.id}:user/eng/alice"
    assert user["UserId"].startswith("AIDA")
    assert user["UserPolicyList"] == [{"PolicyName": "own", "PolicyDocument": S3_READ}]
    assert user["GroupList"] == ["Readers"]
    assert user["AttachedManagedPolicies"] == [{"PolicyName": "S3", "PolicyArn": arn}]
    assert user["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
    assert user["Tags"] == [{"Key": "team", "Value": "data"}]

    (group,) = details["GroupDetailList"]
    assert group["GroupName"] == "Readers" and group["GroupId"].startswith("AGPA")
    assert group["GroupPolicyList"] == [{"PolicyName": "grp", "PolicyDocument": S3_ALL}]
    assert group["AttachedManagedPolicies"] == [
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}
    ]

    (role,) = details["RoleDetailList"]
    assert role["RoleName"] == "App" and role["RoleId"].startswith("AROA")
    assert role["AssumeRolePolicyDocument"] == EC2_TRUST
    assert role["RolePolicyList"] == [{"PolicyName": "rp", "PolicyDocument": S3_READ}]
    assert role["AttachedManagedPolicies"] == [{"PolicyName": "S3", "PolicyArn": arn}]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == IAM_READ
    assert role["Tags"] == [{"Key": "k", "Value": "v"}]
    assert role["RoleLastUsed"] == {}
    (profile,) = role["InstanceProfileList"]
    assert profile["InstanceProfileName"] == "AppProfile"
    assert profile["Arn"] == f"arn:aws:iam::{account.id}:instance-profile/ip/AppProfile"
    assert [r["RoleName"] for r in profile["Roles"]] == ["App"]
    assert profile["Roles"][0]["AssumeRolePolicyDocument"] == EC2_TRUST

    policies = {p["PolicyName"]: p for p in details["Policies"]}
    # AWS managed policies appear while in use: attached (ReadOnlyAccess) or as a
    # boundary (IAMReadOnlyAccess); customer managed ones always.
    assert set(policies) == {"S3", "ReadOnlyAccess", "IAMReadOnlyAccess"}
    s3 = policies["S3"]
    assert s3["Arn"] == arn and s3["DefaultVersionId"] == "v2"
    assert s3["AttachmentCount"] == 2 and s3["PermissionsBoundaryUsageCount"] == 1
    assert s3["Description"] == "bucket reads" and s3["IsAttachable"] is True
    assert [
        (v["VersionId"], v["IsDefaultVersion"], v["Document"]) for v in s3["PolicyVersionList"]
    ] == [
        ("v2", True, S3_ALL),
        ("v1", False, S3_READ),
    ]
    read_only = policies["ReadOnlyAccess"]
    assert read_only["AttachmentCount"] == 1 and read_only["Arn"] == READ_ONLY
    (version,) = read_only["PolicyVersionList"]
    assert version["IsDefaultVersion"] and version["VersionId"] == read_only["DefaultVersionId"]
    assert isinstance(version["Document"], dict)
    assert policies["IAMReadOnlyAccess"]["PermissionsBoundaryUsageCount"] == 1


def test_documents_are_url_encoded_on_the_wire(iam, account) -> None:  # type: ignore[no-untyped-def]
    _populate(iam, account)
    raw: list[str] = []

    def capture(http_response, **_):  # type: ignore[no-untyped-def]
        raw.append(http_response.text)

    iam.meta.events.register("after-call.iam.GetAccountAuthorizationDetails", capture)
    iam.get_account_authorization_details(Filter=["Role"])
    body = raw[0]
    start = body.index("<AssumeRolePolicyDocument>") + len("<AssumeRolePolicyDocument>")
    encoded = body[start : body.index("</AssumeRolePolicyDocument>")]
    assert "%7B" in encoded and "{" not in encoded
    assert json.loads(unquote(encoded)) == EC2_TRUST


def test_filter(iam, account) -> None:  # type: ignore[no-untyped-def]
    _populate(iam, account)
    only_roles = iam.get_account_authorization_details(Filter=["Role"])
    assert [r["RoleName"] for r in only_roles["RoleDetailList"]] == ["App"]
    assert only_roles["UserDetailList"] == [] and only_roles["GroupDetailList"] == []
    assert only_roles["Policies"] == []
    local = iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])
    assert [p["PolicyName"] for p in local["Policies"]] == ["S3"]
    aws = iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])
    assert [p["PolicyName"] for p in aws["Policies"]] == ["IAMReadOnlyAccess", "ReadOnlyAccess"]
    both = iam.get_account_authorization_details(Filter=["User", "Group"])
    assert [u["UserName"] for u in both["UserDetailList"]] == ["alice"]
    assert [g["GroupName"] for g in both["GroupDetailList"]] == ["Readers"]
    assert both["RoleDetailList"] == [] and both["Policies"] == []
    raw = account.client("iam", validate=False)
    with pytest.raises(ClientError) as exc:
        raw.get_account_authorization_details(Filter=["Bogus"])
    assert error_of(exc)[0] == "ValidationError"


def test_paging(iam, account) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        iam.create_user(UserName=f"u{i}")
    for i in range(2):
        iam.create_group(GroupName=f"g{i}")
    for i in range(2):
        iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    iam.create_policy(PolicyName="p0", PolicyDocument=json.dumps(S3_READ))
    first = iam.get_account_authorization_details(MaxItems=4)
    assert first["IsTruncated"] is True
    assert [u["UserName"] for u in first["UserDetailList"]] == ["u0", "u1", "u2"]
    assert [g["GroupName"] for g in first["GroupDetailList"]] == ["g0"]
    second = iam.get_account_authorization_details(MaxItems=4, Marker=first["Marker"])
    assert second["IsTruncated"] is False and "Marker" not in second
    assert second["UserDetailList"] == []
    assert [g["GroupName"] for g in second["GroupDetailList"]] == ["g1"]
    assert [r["RoleName"] for r in second["RoleDetailList"]] == ["r0", "r1"]
    assert [p["PolicyName"] for p in second["Policies"]] == ["p0"]
    pages = list(
        iam.get_paginator("get_account_authorization_details").paginate(
            PaginationConfig={"PageSize": 2}
        )
    )
    assert len(pages) == 4
    assert [u["UserName"] for p in pages for u in p["UserDetailList"]] == ["u0", "u1", "u2"]
    assert [r["RoleName"] for p in pages for r in p["RoleDetailList"]] == ["r0", "r1"]


def test_needs_permission(iam, account) -> None:  # type: ignore[no-untyped-def]
    denied = user_client(iam, account, "nobody")
    with pytest.raises(ClientError) as exc:
        denied.get_account_authorization_details()
    assert error_of(exc)[1] == (
        f"User: arn:aws:iam::{account.id}:user/nobody is not authorized to perform: "
        "iam:GetAccountAuthorizationDetails on resource: * because no identity-based policy "
        "allows the iam:GetAccountAuthorizationDetails action"
    )
    allowed = user_client(iam, account, "auditor", allow("iam:GetAccountAuthorizationDetails"))
    names = [u["UserName"] for u in allowed.get_account_authorization_details()["UserDetailList"]]
    assert names == ["auditor", "nobody"]


@pytest.mark.cli
def test_with_aws_cli(iam, account) -> None:  # type: ignore[no-untyped-def]
    _populate(iam, account)
    out = aws_cli(account, "iam", "get-account-authorization-details", "--filter", "User", "Role")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert [u["UserName"] for u in result["UserDetailList"]] == ["alice"]
    assert [r["RoleName"] for r in result["RoleDetailList"]] == ["App"]
    assert result["RoleDetailList"][0]["AssumeRolePolicyDocument"] == EC2_TRUST
