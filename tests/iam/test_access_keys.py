"""Access keys through boto3: the 2-key quota, status, deletion, last use, secrecy."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from identity_helpers import allow, error_of, user_client
from sqlalchemy import select

from rolecall.auth.credentials import SECRET_PURPOSE
from rolecall.store import schema as t


def _key(iam: Any, user: str | None = None) -> dict[str, Any]:
    params = {"UserName": user} if user else {}
    return iam.create_access_key(**params)["AccessKey"]  # type: ignore[no-any-return]


def test_two_keys_per_user_and_their_shape(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="alice")
    first, second = _key(iam, "alice"), _key(iam, "alice")
    for key in (first, second):
        assert key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20
        assert len(key["SecretAccessKey"]) == 40
        assert (key["UserName"], key["Status"]) == ("alice", "Active")
    with pytest.raises(ClientError) as exc:
        _key(iam, "alice")
    assert error_of(exc) == ("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409)
    listed = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    assert {k["AccessKeyId"] for k in listed} == {first["AccessKeyId"], second["AccessKeyId"]}
    assert all("SecretAccessKey" not in k for k in listed)
    with pytest.raises(ClientError) as exc:
        _key(iam, "nobody")
    assert error_of(exc)[0::2] == ("NoSuchEntity", 404)


def test_inactive_and_deleted_keys_stop_working(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="bob")
    iam.put_user_policy(
        UserName="bob",
        PolicyName="p",
        PolicyDocument='{"Version":"2012-10-17","Statement":'
        '[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}',
    )
    key = _key(iam, "bob")
    bob = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    assert bob.get_user()["User"]["UserName"] == "bob"
    iam.update_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert iam.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    with pytest.raises(ClientError) as exc:
        bob.get_user()
    assert error_of(exc)[0::2] == ("InvalidClientTokenId", 403)
    iam.update_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"], Status="Active")
    assert bob.get_user()["User"]["UserName"] == "bob"
    iam.delete_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as exc:
        bob.get_user()
    assert error_of(exc)[0] == "InvalidClientTokenId"
    with pytest.raises(ClientError) as exc:
        iam.delete_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"])
    assert error_of(exc) == (
        "NoSuchEntity",
        f"The Access Key with id {key['AccessKeyId']} cannot be found",
        404,
    )


def test_a_key_is_only_found_under_its_own_user(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="carol")
    iam.create_user(UserName="dave")
    key = _key(iam, "carol")
    with pytest.raises(ClientError) as exc:
        iam.update_access_key(UserName="dave", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert error_of(exc)[0] == "NoSuchEntity"
    # Without UserName the root user means its own keys, not carol's.
    with pytest.raises(ClientError) as exc:
        iam.delete_access_key(AccessKeyId=key["AccessKeyId"])
    assert error_of(exc)[0] == "NoSuchEntity"


def test_users_manage_their_own_keys_without_user_name(iam, account) -> None:  # type: ignore[no-untyped-def]
    own = f"arn:aws:iam::{account.id}:user/${{aws:username}}"
    me = user_client(
        iam,
        account,
        "erin",
        allow(["iam:CreateAccessKey", "iam:ListAccessKeys", "iam:DeleteAccessKey"], own),
    )
    created = _key(me)
    assert created["UserName"] == "erin"
    ids = {k["AccessKeyId"] for k in me.list_access_keys()["AccessKeyMetadata"]}
    assert created["AccessKeyId"] in ids and len(ids) == 2
    me.delete_access_key(AccessKeyId=created["AccessKeyId"])
    iam.create_user(UserName="frank")
    with pytest.raises(ClientError) as exc:
        _key(me, "frank")
    assert error_of(exc)[0::2] == ("AccessDenied", 403)


def test_delete_user_with_keys_conflicts(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="gina")
    key = _key(iam, "gina")
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="gina")
    assert error_of(exc)[0::2] == ("DeleteConflict", 409)
    iam.delete_access_key(UserName="gina", AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName="gina")


def test_last_used_is_recorded(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="hal")
    iam.put_user_policy(
        UserName="hal",
        PolicyName="p",
        PolicyDocument='{"Version":"2012-10-17","Statement":'
        '[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}',
    )
    key = _key(iam, "hal")
    before = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert before["UserName"] == "hal"
    assert before["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}
    account.client("iam", key["AccessKeyId"], key["SecretAccessKey"]).get_user()
    deadline = time.monotonic() + 10
    while True:  # written by the audit writer's next group commit
        used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        if "LastUsedDate" in used or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert (used["ServiceName"], used["Region"]) == ("iam", "us-east-1")
    assert "LastUsedDate" in used


def test_secret_is_encrypted_at_rest(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="ivy")
    key = _key(iam, "ivy")
    with account.server.store().read() as conn:
        stored = conn.execute(
            select(t.access_keys.c.secret_enc).where(t.access_keys.c.id == key["AccessKeyId"])
        ).scalar_one()
    assert key["SecretAccessKey"].encode() not in stored
    plain = account.server.keyring.decrypt(
        stored, purpose=SECRET_PURPOSE, aad=key["AccessKeyId"].encode()
    )
    assert plain.decode() == key["SecretAccessKey"]
