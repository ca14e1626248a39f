"""Every call leaves one CloudTrail-format record; secrets never do."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqlalchemy import select

from rolecall.store import schema as t


def records(store, account_id: str, name: str, expected: int = 1) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    # Read-only and refused calls are written by the next group commit, not awaited.
    deadline = time.monotonic() + 10
    while True:
        with store.read() as conn:
            rows = conn.execute(
                select(t.audit_events.c.record)
                .where(
                    (t.audit_events.c.account_id == account_id)
                    & (t.audit_events.c.event_name == name)
                )
                .order_by(t.audit_events.c.event_time)
            ).all()
        found = [json.loads(r.record) for r in rows]
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_mutation_record_is_durable_before_the_reply(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "data"}])
    with server_store.read() as conn:  # no waiting: it was committed before the reply
        row = conn.execute(
            select(t.audit_events.c.record).where(
                (t.audit_events.c.account_id == account.id)
                & (t.audit_events.c.event_name == "CreateUser")
            )
        ).first()
    assert row is not None
    record = json.loads(row.record)
    assert record["eventVersion"] == "1.09"
    assert record["eventSource"] == "iam.amazonaws.com" and record["awsRegion"] == "us-east-1"
    assert record["userIdentity"] == {
        "type": "Root",
        "principalId": account.id,
        "arn": f"arn:aws:iam::{account.id}:root",
        "accountId": account.id,
        "accessKeyId": account.access_key_id,
    }
    assert record["requestParameters"] == {
        "userName": "alice",
        "tags": [{"key": "team", "value": "data"}],
    }
    assert record["responseElements"]["user"]["userName"] == "alice"
    assert record["readOnly"] is False and record["recipientAccountId"] == account.id
    assert record["resources"] == [
        {
            "accountId": account.id,
            "type": "AWS::IAM::User",
            "ARN": f"arn:aws:iam::{account.id}:user/alice",
        }
    ]
    assert record["sourceIPAddress"] == "127.0.0.1" and "Boto3" in record["userAgent"]
    assert len(record["eventID"]) == 36 and record["requestID"]


def test_read_refusal_and_failure_are_recorded(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="bob")
    iam.get_user(UserName="bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    bob = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError):
        bob.list_roles()
    with pytest.raises(ClientError):
        iam.get_user(UserName="nobody")
    got = records(server_store, account.id, "GetUser", expected=2)
    assert [r.get("errorCode") for r in got] == [None, "NoSuchEntity"]
    assert got[0]["readOnly"] is True and got[0]["responseElements"] is None
    denied = records(server_store, account.id, "ListRoles")[0]
    assert denied["errorCode"] == "AccessDenied"
    assert denied["errorMessage"].startswith(
        f"User: arn:aws:iam::{account.id}:user/bob is not authorized"
    )
    assert (
        denied["userIdentity"]["type"] == "IAMUser" and denied["userIdentity"]["userName"] == "bob"
    )


def test_secrets_never_reach_the_trail(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    user = iam.create_user(UserName="carol")["User"]
    key = iam.create_access_key(UserName="carol")["AccessKey"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=json.dumps(trust))
    creds = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
        RoleArn=f"arn:aws:iam::{account.id}:role/R", RoleSessionName="s1"
    )["Credentials"]
    with server_store.read() as conn:
        everything = " ".join(r.record for r in conn.execute(select(t.audit_events.c.record)))
    assert key["SecretAccessKey"] not in everything
    assert creds["SecretAccessKey"] not in everything
    assert creds["SessionToken"] not in everything
    created = records(server_store, account.id, "CreateAccessKey")[0]
    assert (
        created["responseElements"]["accessKey"]["secretAccessKey"]
        == "HIDDEN_DUE_TO_SECURITY_REASONS"
    )
    assumed = records(server_store, account.id, "AssumeRole")[0]
    assert assumed["eventSource"] == "sts.amazonaws.com" and assumed["readOnly"] is True
    assert (
        assumed["responseElements"]["credentials"]["sessionToken"]
        == "HIDDEN_DUE_TO_SECURITY_REASONS"
    )
    assert assumed["responseElements"]["assumedRoleUser"]["arn"].endswith(":assumed-role/R/s1")
    assert assumed["requestParameters"] == {
        "roleArn": f"arn:aws:iam::{account.id}:role/R",
        "roleSessionName": "s1",
    }


def test_session_calls_carry_session_context(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    user = iam.create_user(UserName="dave")["User"]
    key = iam.create_access_key(UserName="dave")["AccessKey"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName="R", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    creds = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
        RoleArn=role["Arn"], RoleSessionName="s1"
    )["Credentials"]
    account.client(
        "sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
    ).get_caller_identity()
    identity = records(server_store, account.id, "GetCallerIdentity")[0]["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["principalId"] == f"{role['RoleId']}:s1"
    assert identity["accessKeyId"] == creds["AccessKeyId"]
    assert identity["sessionContext"]["sessionIssuer"] == {
        "type": "Role",
        "principalId": role["RoleId"],
        "arn": role["Arn"],
        "accountId": account.id,
        "userName": "R",
    }
    assert identity["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
