"""Instance profiles through boto3 and the AWS CLI: lifecycle, the one-role quota, paging, tags."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from identity_helpers import aws_cli

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


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _role(iam, name: str = "R"):  # type: ignore[no-untyped-def]
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))["Role"]


def test_lifecycle_with_role(iam, account) -> None:  # type: ignore[no-untyped-def]
    created = iam.create_instance_profile(InstanceProfileName="web", Path="/app/")[
        "InstanceProfile"
    ]
    assert created["Arn"] == f"arn:aws:iam::{account.id}:instance-profile/app/web"
    assert created["InstanceProfileId"].startswith("AIPA")
    assert len(created["InstanceProfileId"]) == 21
    assert created["Path"] == "/app/"
    assert created["Roles"] == []
    assert "Tags" not in created

    got = iam.get_instance_profile(InstanceProfileName="WEB")["InstanceProfile"]
    assert got["InstanceProfileName"] == "web"
    assert got["Tags"] == []
    assert got["Roles"] == []

    role = _role(iam)
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="R")
    got = iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["R"]
    entry = got["Roles"][0]
    assert entry["Arn"] == role["Arn"]
    assert entry["RoleId"] == role["RoleId"]
    assert entry["Path"] == "/"
    assert entry["AssumeRolePolicyDocument"] == EC2_TRUST

    with pytest.raises(ClientError) as exc:
        iam.delete_instance_profile(InstanceProfileName="web")
    assert _error(exc) == (
        "DeleteConflict",
        409,
        "Cannot delete entity, must remove roles from instance profile first.",
    )
    with pytest.raises(ClientError) as exc:
        iam.delete_role(RoleName="R")
    assert _error(exc)[0] == "DeleteConflict"

    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="R")
    assert iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Roles"] == []
    iam.delete_instance_profile(InstanceProfileName="web")
    with pytest.raises(ClientError) as exc:
        iam.get_instance_profile(InstanceProfileName="web")
    assert _error(exc) == ("NoSuchEntity", 404, "Instance Profile web cannot be found.")


def test_errors(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_instance_profile(InstanceProfileName="p")
    with pytest.raises(ClientError) as exc:
        iam.create_instance_profile(InstanceProfileName="P")
    assert _error(exc) == ("EntityAlreadyExists", 409, "Instance Profile P already exists.")
    missing = ("NoSuchEntity", 404, "Instance Profile nope cannot be found.")
    for call in (
        lambda: iam.get_instance_profile(InstanceProfileName="nope"),
        lambda: iam.delete_instance_profile(InstanceProfileName="nope"),
        lambda: iam.add_role_to_instance_profile(InstanceProfileName="nope", RoleName="x"),
        lambda: iam.remove_role_from_instance_profile(InstanceProfileName="nope", RoleName="x"),
        lambda: iam.tag_instance_profile(
            InstanceProfileName="nope", Tags=[{"Key": "k", "Value": "v"}]
        ),
        lambda: iam.untag_instance_profile(InstanceProfileName="nope", TagKeys=["k"]),
        lambda: iam.list_instance_profile_tags(InstanceProfileName="nope"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _error(exc) == missing
    no_role = ("NoSuchEntity", 404, "The role with name ghost cannot be found.")
    with pytest.raises(ClientError) as exc:
        iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName="ghost")
    assert _error(exc) == no_role
    with pytest.raises(ClientError) as exc:
        iam.remove_role_from_instance_profile(InstanceProfileName="p", RoleName="ghost")
    assert _error(exc) == no_role
    with pytest.raises(ClientError) as exc:
        iam.list_instance_profiles_for_role(RoleName="ghost")
    assert _error(exc) == no_role
    _role(iam, "Other")
    with pytest.raises(ClientError) as exc:
        iam.remove_role_from_instance_profile(InstanceProfileName="p", RoleName="Other")
    assert _error(exc) == (
        "NoSuchEntity",
        404,
        "Role Other in Instance Profile p cannot be found.",
    )


def test_one_role_per_profile(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_instance_profile(InstanceProfileName="p")
    _role(iam, "A")
    _role(iam, "B")
    iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName="A")
    quota = ("LimitExceeded", 409, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
    for role in ("B", "A"):
        with pytest.raises(ClientError) as exc:
            iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName=role)
        assert _error(exc) == quota


def test_list_paging_and_prefix(iam) -> None:  # type: ignore[no-untyped-def]
    names = [f"p{i:02d}" for i in range(7)]
    for i, name in enumerate(names):
        iam.create_instance_profile(InstanceProfileName=name, Path="/a/" if i % 2 else "/b/")
    iam.create_instance_profile(InstanceProfileName="root-level")
    everything = iam.list_instance_profiles()
    assert everything["IsTruncated"] is False
    assert [p["InstanceProfileName"] for p in everything["InstanceProfiles"]] == [
        *names,
        "root-level",
    ]
    assert all("Tags" not in p for p in everything["InstanceProfiles"])
    seen: list[str] = []
    marker = None
    while True:
        kwargs = {"MaxItems": 3, **({"Marker": marker} if marker else {})}
        page = iam.list_instance_profiles(PathPrefix="/a/", **kwargs)
        seen += [p["InstanceProfileName"] for p in page["InstanceProfiles"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert seen == ["p01", "p03", "p05"]
    b = iam.list_instance_profiles(PathPrefix="/b/", MaxItems=2)
    assert [p["InstanceProfileName"] for p in b["InstanceProfiles"]] == ["p00", "p02"]
    assert b["IsTruncated"] is True
    rest = iam.list_instance_profiles(PathPrefix="/b/", Marker=b["Marker"])
    assert [p["InstanceProfileName"] for p in rest["InstanceProfiles"]] == ["p04", "p06"]
    assert iam.list_instance_profiles(PathPrefix="/none/")["InstanceProfiles"] == []
    paginator = iam.get_paginator("list_instance_profiles")
    all_names = [
        p["InstanceProfileName"]
        for page in paginator.paginate(PaginationConfig={"PageSize": 2})
        for p in page["InstanceProfiles"]
    ]
    assert all_names == [*names, "root-level"]


def test_list_for_role(iam) -> None:  # type: ignore[no-untyped-def]
    _role(iam, "R")
    _role(iam, "Unused")
    for name in ("z", "a", "m"):
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName="R")
    iam.create_instance_profile(InstanceProfileName="empty")
    listed = iam.list_instance_profiles_for_role(RoleName="r")
    assert [p["InstanceProfileName"] for p in listed["InstanceProfiles"]] == ["a", "m", "z"]
    assert all(p["Roles"][0]["RoleName"] == "R" for p in listed["InstanceProfiles"])
    first = iam.list_instance_profiles_for_role(RoleName="R", MaxItems=2)
    assert first["IsTruncated"] is True
    second = iam.list_instance_profiles_for_role(RoleName="R", Marker=first["Marker"])
    assert [p["InstanceProfileName"] for p in second["InstanceProfiles"]] == ["z"]
    assert iam.list_instance_profiles_for_role(RoleName="Unused")["InstanceProfiles"] == []


def test_tags(iam) -> None:  # type: ignore[no-untyped-def]
    created = iam.create_instance_profile(
        InstanceProfileName="t", Tags=[{"Key": "Team", "Value": "web"}]
    )["InstanceProfile"]
    assert created["Tags"] == [{"Key": "Team", "Value": "web"}]
    iam.tag_instance_profile(
        InstanceProfileName="t",
        Tags=[{"Key": "team", "Value": "other"}, {"Key": "Env", "Value": "prod"}],
    )
    # Tag keys of instance profiles are case-sensitive: "team" is a second key.
    tags = iam.list_instance_profile_tags(InstanceProfileName="t")
    assert tags["Tags"] == [
        {"Key": "Env", "Value": "prod"},
        {"Key": "Team", "Value": "web"},
        {"Key": "team", "Value": "other"},
    ]
    assert tags["IsTruncated"] is False
    page = iam.list_instance_profile_tags(InstanceProfileName="t", MaxItems=2)
    assert [t["Key"] for t in page["Tags"]] == ["Env", "Team"]
    assert page["IsTruncated"] is True
    rest = iam.list_instance_profile_tags(InstanceProfileName="t", Marker=page["Marker"])
    assert [t["Key"] for t in rest["Tags"]] == ["team"]
    iam.untag_instance_profile(InstanceProfileName="t", TagKeys=["team", "absent"])
    got = iam.get_instance_profile(InstanceProfileName="t")["InstanceProfile"]
    assert got["Tags"] == [{"Key": "Env", "Value": "prod"}, {"Key": "Team", "Value": "web"}]
    with pytest.raises(ClientError) as exc:
        iam.tag_instance_profile(InstanceProfileName="t", Tags=[{"Key": "aws:x", "Value": "v"}])
    assert _error(exc)[:2] == ("InvalidInput", 400)
    with pytest.raises(ClientError) as exc:
        iam.tag_instance_profile(
            InstanceProfileName="t",
            Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)],
        )
    assert _error(exc)[:2] == ("LimitExceeded", 409)
    iam.delete_instance_profile(InstanceProfileName="t")
    iam.create_instance_profile(InstanceProfileName="t")
    assert iam.list_instance_profile_tags(InstanceProfileName="t")["Tags"] == []


def test_add_role_needs_pass_role(iam, account) -> None:  # type: ignore[no-untyped-def]
    _role(iam, "R")
    iam.create_instance_profile(InstanceProfileName="p")
    iam.create_user(UserName="u")
    allow_profiles = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:AddRoleToInstanceProfile", "Resource": "*"}
        ],
    }
    iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=json.dumps(allow_profiles))
    key = iam.create_access_key(UserName="u")["AccessKey"]
    user_iam = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as exc:
        user_iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName="R")
    code, status, message = _error(exc)
    assert (code, status) == ("AccessDenied", 403)
    assert "iam:PassRole" in message
    allow_profiles["Statement"].append(
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"arn:aws:iam::{account.id}:role/R",
        }
    )
    iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=json.dumps(allow_profiles))
    user_iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName="R")
    got = iam.get_instance_profile(InstanceProfileName="p")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["R"]


def test_tag_condition_on_instance_profile(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_instance_profile(InstanceProfileName="mine", Tags=[{"Key": "owner", "Value": "u"}])
    iam.create_instance_profile(InstanceProfileName="theirs")
    iam.create_user(UserName="u")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:GetInstanceProfile",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/owner": "u"}},
            }
        ],
    }
    iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="u")["AccessKey"]
    user_iam = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    assert user_iam.get_instance_profile(InstanceProfileName="mine")["InstanceProfile"]
    with pytest.raises(ClientError) as exc:
        user_iam.get_instance_profile(InstanceProfileName="theirs")
    assert _error(exc)[0] == "AccessDenied"


@pytest.mark.cli
def test_aws_cli(iam, account) -> None:  # type: ignore[no-untyped-def]
    _role(iam, "CliRole")
    out = aws_cli(account, "iam", "create-instance-profile", "--instance-profile-name", "cli")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["InstanceProfile"]["InstanceProfileName"] == "cli"
    out = aws_cli(
        account,
        "iam",
        "add-role-to-instance-profile",
        "--instance-profile-name",
        "cli",
        "--role-name",
        "CliRole",
    )
    assert out.returncode == 0, out.stderr
    out = aws_cli(account, "iam", "list-instance-profiles-for-role", "--role-name", "CliRole")
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in listed] == ["cli"]
    out = aws_cli(account, "iam", "delete-instance-profile", "--instance-profile-name", "cli")
    assert out.returncode != 0
    assert "DeleteConflict" in out.stderr
    assert "must remove roles from instance profile first" in out.stderr
