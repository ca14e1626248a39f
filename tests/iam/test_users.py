"""IAM users through boto3 against a real server."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_get_list_delete_user(iam, account) -> None:  # type: ignore[no-untyped-def]
    created = iam.create_user(
        UserName="alice", Path="/eng/", Tags=[{"Key": "team", "Value": "data"}]
    )["User"]
    assert created["Arn"] == f"arn:aws:iam::{account.id}:user/eng/alice"
    assert created["UserId"].startswith("AIDA") and len(created["UserId"]) == 21
    got = iam.get_user(UserName="ALICE")["User"]  # names are case-insensitive
    assert got["UserName"] == "alice" and got["Tags"] == [{"Key": "team", "Value": "data"}]
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/eng/")["Users"]] == ["alice"]
    assert iam.list_users(PathPrefix="/ops/")["Users"] == []
    iam.delete_user(UserName="alice")
    with pytest.raises(ClientError) as exc:
        iam.get_user(UserName="alice")
    assert error_of(exc) == ("NoSuchEntity", "The user with name alice cannot be found.", 404)


def test_duplicate_user_is_entity_already_exists(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="bob")
    with pytest.raises(ClientError) as exc:
        iam.create_user(UserName="BOB")
    assert error_of(exc) == ("EntityAlreadyExists", "User with name BOB already exists.", 409)


def test_validation_error_text(iam) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        iam.create_user(UserName="bad name")
    code, message, status = error_of(exc)
    assert (code, status) == ("ValidationError", 400)
    assert message == (
        "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


def test_paging(iam) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        iam.create_user(UserName=f"u{i}")
    first = iam.list_users(MaxItems=2)
    assert first["IsTruncated"] and len(first["Users"]) == 2
    names = [u["UserName"] for u in first["Users"]]
    marker = first["Marker"]
    while marker:
        page = iam.list_users(MaxItems=2, Marker=marker)
        names += [u["UserName"] for u in page["Users"]]
        marker = page.get("Marker")
    assert names == ["u0", "u1", "u2", "u3", "u4"]
    paginated = [
        u["UserName"]
        for p in iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 3})
        for u in p["Users"]
    ]
    assert paginated == names


def test_update_user_renames_and_moves(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="old")
    iam.create_user(UserName="taken")
    iam.update_user(UserName="old", NewUserName="new", NewPath="/team/")
    user = iam.get_user(UserName="new")["User"]
    assert (user["Path"], user["Arn"]) == ("/team/", f"arn:aws:iam::{account.id}:user/team/new")
    with pytest.raises(ClientError) as exc:
        iam.get_user(UserName="old")
    assert exc.value.response["Error"]["Code"] == "NoSuchEntity"
    with pytest.raises(ClientError) as exc:
        iam.update_user(UserName="new", NewUserName="TAKEN")
    err = exc.value.response["Error"]
    assert (err["Code"], err["Message"]) == (
        "EntityAlreadyExists",
        "User with name TAKEN already exists.",
    )
    assert iam.get_user(UserName="new")["User"]["Path"] == "/team/"  # unchanged


def test_renaming_needs_permission_on_the_new_name(iam, account) -> None:  # type: ignore[no-untyped-def]
    import json

    iam.create_user(UserName="mover")
    iam.create_user(UserName="victim")
    iam.put_user_policy(
        UserName="mover",
        PolicyName="p",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:UpdateUser",
                        "Resource": f"arn:aws:iam::{account.id}:user/victim",
                    }
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="mover")["AccessKey"]
    mover = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as exc:
        mover.update_user(UserName="victim", NewUserName="renamed")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    assert "user/renamed" in exc.value.response["Error"]["Message"]
    assert iam.get_user(UserName="victim")["User"]["UserName"] == "victim"
