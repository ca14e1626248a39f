"""Long-term access keys of IAM users (and the root user): at most two per user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.auth.credentials import SECRET_PURPOSE
from rolecall.protocol.errors import LimitExceeded, NoSuchEntity
from rolecall.store import schema as t

from .. import ids
from ..owners import credential_owner
from ..records import AccessKeyRecord, UserRecord, record

MAX_KEYS = 2


def _owned_by(owner: UserRecord | None) -> Any:
    return (
        t.access_keys.c.user_id.is_(None) if owner is None else t.access_keys.c.user_id == owner.id
    )


@operation("iam", "CreateAccessKey", secret_results=("SecretAccessKey",))
def create_access_key(call: Call) -> dict[str, Any]:
    key_id = ids.access_key_id(call.account_id)
    secret = ids.secret_access_key()
    with call.write() as conn:
        owner = credential_owner(call, conn)
        count = conn.execute(
            select(func.count())
            .select_from(t.access_keys)
            .where(and_(t.access_keys.c.account_id == call.account_id, _owned_by(owner)))
        ).scalar_one()
        if count >= MAX_KEYS:
            raise LimitExceeded(f"Cannot exceed quota for AccessKeysPerUser: {MAX_KEYS}")
        conn.execute(
            insert(t.access_keys).values(
                id=key_id,
                account_id=call.account_id,
                user_id=owner.id if owner else None,
                secret_enc=call.runtime.keyring.encrypt(
                    secret.encode(), purpose=SECRET_PURPOSE, aad=key_id.encode()
                ),
                status="Active",
                created_at=call.now,
            )
        )
    if owner is not None:
        call.touch("user", owner.arn)
    key: dict[str, Any] = {
        "AccessKeyId": key_id,
        "Status": "Active",
        "SecretAccessKey": secret,
        "CreateDate": call.now,
    }
    if owner is not None:
        key = {"UserName": owner.name, **key}
    return {"AccessKey": key}


def _key_in(conn: Any, call: Call, owner: UserRecord | None, key_id: str) -> AccessKeyRecord:
    row = conn.execute(
        select(t.access_keys).where(
            and_(
                t.access_keys.c.id == key_id,
                t.access_keys.c.account_id == call.account_id,
                _owned_by(owner),
            )
        )
    ).first()
    if row is None:
        raise NoSuchEntity(f"The Access Key with id {key_id} cannot be found")
    return record(AccessKeyRecord, row)  # type: ignore[no-any-return]


@operation("iam", "UpdateAccessKey")
def update_access_key(call: Call) -> None:
    with call.write() as conn:
        owner = credential_owner(call, conn)
        key = _key_in(conn, call, owner, call.params["AccessKeyId"])
        conn.execute(
            update(t.access_keys)
            .where(t.access_keys.c.id == key.id)
            .values(status=call.params["Status"])
        )


@operation("iam", "DeleteAccessKey")
def delete_access_key(call: Call) -> None:
    with call.write() as conn:
        owner = credential_owner(call, conn)
        key = _key_in(conn, call, owner, call.params["AccessKeyId"])
        conn.execute(delete(t.access_keys).where(t.access_keys.c.id == key.id))


@operation("iam", "ListAccessKeys")
def list_access_keys(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        owner = credential_owner(call, conn)
        rows = conn.execute(
            select(t.access_keys)
            .where(and_(t.access_keys.c.account_id == call.account_id, _owned_by(owner)))
            .order_by(t.access_keys.c.created_at, t.access_keys.c.id)
        ).all()
    keys = []
    for row in rows:
        item: dict[str, Any] = {
            "AccessKeyId": row.id,
            "Status": row.status,
            "CreateDate": row.created_at,
        }
        if owner is not None:
            item = {"UserName": owner.name, **item}
        keys.append(item)
    return {"AccessKeyMetadata": keys, "IsTruncated": False}


@operation("iam", "GetAccessKeyLastUsed")
def get_access_key_last_used(call: Call) -> dict[str, Any]:
    key_id: str = call.params["AccessKeyId"]
    with call.runtime.store.read() as conn:
        row = conn.execute(
            select(t.access_keys).where(
                and_(t.access_keys.c.id == key_id, t.access_keys.c.account_id == call.account_id)
            )
        ).first()
        if row is None:
            raise NoSuchEntity(f"The Access Key with id {key_id} cannot be found")
        user = None
        if row.user_id is not None:
            user = conn.execute(select(t.users.c.name).where(t.users.c.id == row.user_id)).first()
    used: dict[str, Any] = {"ServiceName": "N/A", "Region": "N/A"}
    if row.last_used_at is not None:
        used = {
            "LastUsedDate": row.last_used_at,
            "ServiceName": row.last_used_service,
            "Region": row.last_used_region,
        }
    out: dict[str, Any] = {"AccessKeyLastUsed": used}
    if user is not None:
        out["UserName"] = user.name
    return out
