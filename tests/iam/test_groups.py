"""IAM groups and memberships through boto3 and the AWS CLI against a real server."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from identity_helpers import allow, aws_cli, error_of, policy, user_client
from sqlalchemy import insert

from rolecall.store import schema as t


def test_create_get_list_delete_group(iam, account) -> None:  # type: ignore[no-untyped-def]
    created = iam.create_group(GroupName="Admins", Path="/ops/")["Group"]
    assert created["Arn"] == f"arn:aws:iam::{account.id}:group/ops/Admins"
    assert created["GroupId"].startswith("AGPA") and len(created["GroupId"]) == 21
    assert created["Path"] == "/ops/" and created["GroupName"] == "Admins"
    got = iam.get_group(GroupName="admins")  # names are case-insensitive
    assert got["Group"] == created and got["Users"] == [] and got["IsTruncated"] is False
    iam.create_group(GroupName="Devs")
    assert [g["GroupName"] for g in iam.list_groups()["Groups"]] == ["Admins", "Devs"]
    assert [g["GroupName"] for g in iam.list_groups(PathPrefix="/ops/")["Groups"]] == ["Admins"]
    assert iam.list_groups(PathPrefix="/none/")["Groups"] == []
    iam.delete_group(GroupName="Admins")
    with pytest.raises(ClientError) as exc:
        iam.get_group(GroupName="Admins")
    assert error_of(exc) == ("NoSuchEntity", "The group with name Admins cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        iam.delete_group(GroupName="Admins")
    assert error_of(exc)[0] == "NoSuchEntity"


def test_duplicate_group(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_group(GroupName="Team")
    with pytest.raises(ClientError) as exc:
        iam.create_group(GroupName="TEAM")
    assert error_of(exc) == ("EntityAlreadyExists", "Group with name TEAM already exists.", 409)


def test_group_name_validation(iam) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        iam.create_group(GroupName="bad name")
    code, message, status = error_of(exc)
    assert (code, status) == ("ValidationError", 400)
    assert "failed to satisfy constraint" in message


def test_groups_per_account_quota(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    # Fill the account to the quota directly in the store (300 API calls would be slow).
    now = datetime.now(UTC)
    with server_store.write(account.id) as conn:
        conn.execute(
            insert(t.groups),
            [
                {
                    "id": "AGPA" + uuid.uuid4().hex[:17].upper(),
                    "account_id": account.id,
                    "name": f"g{i}",
                    "name_key": f"g{i}",
                    "path": "/",
                    "created_at": now,
                }
                for i in range(300)
            ],
        )
    with pytest.raises(ClientError) as exc:
        iam.create_group(GroupName="one-too-many")
    assert error_of(exc) == (
        "LimitExceeded",
        "Cannot exceed quota for GroupsPerAccount: 300",
        409,
    )
    assert iam.get_account_summary()["SummaryMap"]["Groups"] == 300


def test_list_groups_paging(iam) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        iam.create_group(GroupName=f"g{i}")
    first = iam.list_groups(MaxItems=2)
    assert first["IsTruncated"] and [g["GroupName"] for g in first["Groups"]] == ["g0", "g1"]
    names = [
        g["GroupName"]
        for page in iam.get_paginator("list_groups").paginate(PaginationConfig={"PageSize": 2})
        for g in page["Groups"]
    ]
    assert names == [f"g{i}" for i in range(5)]
    with pytest.raises(ClientError) as exc:
        iam.list_groups(Marker="not-a-marker")
    assert error_of(exc)[0] == "InvalidInput"


def test_membership(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_group(GroupName="G")
    for name in ("carol", "alice", "bob"):
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName="G", UserName=name)
    iam.add_user_to_group(GroupName="g", UserName="ALICE")  # adding twice is no error
    got = iam.get_group(GroupName="G")
    assert [u["UserName"] for u in got["Users"]] == ["alice", "bob", "carol"]
    assert got["Users"][0]["Arn"] == f"arn:aws:iam::{account.id}:user/alice"
    first = iam.get_group(GroupName="G", MaxItems=2)
    assert first["IsTruncated"] and len(first["Users"]) == 2
    rest = iam.get_group(GroupName="G", Marker=first["Marker"])
    assert [u["UserName"] for u in rest["Users"]] == ["carol"] and not rest["IsTruncated"]
    paged = [
        u["UserName"]
        for page in iam.get_paginator("get_group").paginate(
            GroupName="G", PaginationConfig={"PageSize": 1}
        )
        for u in page["Users"]
    ]
    assert paged == ["alice", "bob", "carol"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="bob")["Groups"]] == ["G"]
    iam.remove_user_from_group(GroupName="G", UserName="bob")
    assert iam.list_groups_for_user(UserName="bob")["Groups"] == []
    with pytest.raises(ClientError) as exc:
        iam.remove_user_from_group(GroupName="G", UserName="bob")
    assert error_of(exc) == ("NoSuchEntity", "The user with name bob cannot be found.", 404)


def test_membership_missing_entities(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_group(GroupName="G")
    iam.create_user(UserName="u")
    with pytest.raises(ClientError) as exc:
        iam.add_user_to_group(GroupName="G", UserName="ghost")
    assert error_of(exc) == ("NoSuchEntity", "The user with name ghost cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        iam.add_user_to_group(GroupName="Nope", UserName="u")
    assert error_of(exc) == ("NoSuchEntity", "The group with name Nope cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        iam.remove_user_from_group(GroupName="Nope", UserName="u")
    assert error_of(exc)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as exc:
        iam.list_groups_for_user(UserName="ghost")
    assert error_of(exc) == ("NoSuchEntity", "The user with name ghost cannot be found.", 404)


def test_groups_per_user_quota_and_paging(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="u")
    for i in range(11):
        iam.create_group(GroupName=f"g{i:02d}")
    for i in range(10):
        iam.add_user_to_group(GroupName=f"g{i:02d}", UserName="u")
    with pytest.raises(ClientError) as exc:
        iam.add_user_to_group(GroupName="g10", UserName="u")
    assert error_of(exc) == ("LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10", 409)
    names = [
        g["GroupName"]
        for page in iam.get_paginator("list_groups_for_user").paginate(
            UserName="u", PaginationConfig={"PageSize": 3}
        )
        for g in page["Groups"]
    ]
    assert names == [f"g{i:02d}" for i in range(10)]


def test_update_group(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_group(GroupName="Old")
    iam.create_user(UserName="u")
    iam.add_user_to_group(GroupName="Old", UserName="u")
    iam.put_group_policy(GroupName="Old", PolicyName="p", PolicyDocument=policy(allow("s3:*")))
    iam.update_group(GroupName="Old", NewGroupName="New", NewPath="/moved/")
    got = iam.get_group(GroupName="New")
    assert got["Group"]["Arn"] == f"arn:aws:iam::{account.id}:group/moved/New"
    assert [u["UserName"] for u in got["Users"]] == ["u"]  # members and policies follow
    assert iam.list_group_policies(GroupName="New")["PolicyNames"] == ["p"]
    with pytest.raises(ClientError) as exc:
        iam.get_group(GroupName="Old")
    assert error_of(exc)[0] == "NoSuchEntity"
    iam.update_group(GroupName="New", NewPath="/")
    assert iam.get_group(GroupName="New")["Group"]["Path"] == "/"
    iam.create_group(GroupName="Other")
    with pytest.raises(ClientError) as exc:
        iam.update_group(GroupName="New", NewGroupName="other")
    assert error_of(exc) == ("EntityAlreadyExists", "Group with name other already exists.", 409)
    with pytest.raises(ClientError) as exc:
        iam.update_group(GroupName="Ghost", NewGroupName="x")
    assert error_of(exc) == ("NoSuchEntity", "The group with name Ghost cannot be found.", 404)


def test_update_group_needs_permission_on_new_name(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_group(GroupName="team-a")
    client = user_client(
        iam,
        account,
        "renamer",
        allow("iam:UpdateGroup", f"arn:aws:iam::{account.id}:group/team-*"),
    )
    client.update_group(GroupName="team-a", NewGroupName="team-b")
    with pytest.raises(ClientError) as exc:
        client.update_group(GroupName="team-b", NewGroupName="other")
    code, message, status = error_of(exc)
    assert (code, status) == ("AccessDenied", 403)
    assert message == (
        f"User: arn:aws:iam::{account.id}:user/renamer is not authorized to perform: "
        f"iam:UpdateGroup on resource: arn:aws:iam::{account.id}:group/other because no "
        "identity-based policy allows the iam:UpdateGroup action"
    )
    assert iam.get_group(GroupName="team-b")["Group"]["GroupName"] == "team-b"


def test_delete_group_conflicts(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_group(GroupName="G")
    iam.create_user(UserName="u")
    iam.add_user_to_group(GroupName="G", UserName="u")
    with pytest.raises(ClientError) as exc:
        iam.delete_group(GroupName="G")
    assert error_of(exc) == (
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
        409,
    )
    # A user in a group cannot be deleted either.
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="u")
    assert error_of(exc) == (
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
        409,
    )
    iam.remove_user_from_group(GroupName="G", UserName="u")
    iam.put_group_policy(GroupName="G", PolicyName="p", PolicyDocument=policy(allow("s3:*")))
    with pytest.raises(ClientError) as exc:
        iam.delete_group(GroupName="G")
    assert error_of(exc) == (
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
        409,
    )
    iam.delete_group_policy(GroupName="G", PolicyName="p")
    iam.attach_group_policy(GroupName="G", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    with pytest.raises(ClientError) as exc:
        iam.delete_group(GroupName="G")
    assert error_of(exc) == (
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
        409,
    )
    iam.detach_group_policy(GroupName="G", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.delete_group(GroupName="G")
    iam.delete_user(UserName="u")


def test_group_policies_grant_and_stop_granting(iam, account) -> None:  # type: ignore[no-untyped-def]
    client = user_client(iam, account, "member")
    with pytest.raises(ClientError) as exc:
        client.list_roles()
    assert error_of(exc)[0] == "AccessDenied"
    iam.create_group(GroupName="Readers")
    iam.put_group_policy(
        GroupName="Readers", PolicyName="list", PolicyDocument=policy(allow("iam:ListRoles"))
    )
    iam.add_user_to_group(GroupName="Readers", UserName="member")
    assert client.list_roles()["Roles"] == []
    iam.remove_user_from_group(GroupName="Readers", UserName="member")
    with pytest.raises(ClientError) as exc:
        client.list_roles()
    assert error_of(exc)[0] == "AccessDenied"
    # An attached managed policy of the group counts as well, and a group deny wins.
    iam.create_group(GroupName="Managed")
    iam.attach_group_policy(
        GroupName="Managed", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    )
    iam.add_user_to_group(GroupName="Managed", UserName="member")
    client.list_roles()
    iam.create_group(GroupName="Deny")
    iam.put_group_policy(
        GroupName="Deny",
        PolicyName="deny",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"}],
            }
        ),
    )
    iam.add_user_to_group(GroupName="Deny", UserName="member")
    with pytest.raises(ClientError) as exc:
        client.list_roles()
    assert error_of(exc)[1].endswith("with an explicit deny in an identity-based policy")


@pytest.mark.cli
def test_groups_with_aws_cli(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="cli-user")
    out = aws_cli(account, "iam", "create-group", "--group-name", "cli-group", "--path", "/c/")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Group"]["Arn"] == f"arn:aws:iam::{account.id}:group/c/cli-group"
    out = aws_cli(
        account, "iam", "add-user-to-group", "--group-name", "cli-group", "--user-name", "cli-user"
    )
    assert out.returncode == 0, out.stderr
    out = aws_cli(account, "iam", "get-group", "--group-name", "cli-group")
    assert out.returncode == 0, out.stderr
    assert [u["UserName"] for u in json.loads(out.stdout)["Users"]] == ["cli-user"]
    out = aws_cli(account, "iam", "list-groups-for-user", "--user-name", "cli-user")
    assert [g["GroupName"] for g in json.loads(out.stdout)["Groups"]] == ["cli-group"]
    out = aws_cli(account, "iam", "delete-group", "--group-name", "cli-group")
    assert out.returncode != 0
    assert "DeleteConflict" in out.stderr
    assert "must remove users from group first" in out.stderr
