"""SSH public keys of IAM users (CodeCommit): at most five per user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.protocol.errors import InvalidInput, LimitExceeded, NoSuchEntity
from rolecall.store import schema as t

from .. import ids
from ..lookup import user_in
from ..owners import credential_owner
from ..paging import finish_page, page_query
from ..records import UserRecord
from ..ssh_keys import DuplicateSSHPublicKey, encoded, parse_public_key

MAX_KEYS = 5
KEY_PREFIX = "APKA"


def _duplicate() -> DuplicateSSHPublicKey:
    return DuplicateSSHPublicKey(
        "The SSH public key is already associated with the specified IAM user."
    )


@operation("iam", "UploadSSHPublicKey")
def upload_ssh_public_key(call: Call) -> dict[str, Any]:
    body: str = call.params["SSHPublicKeyBody"]
    parsed = parse_public_key(body)
    key_id = ids.unique_id(KEY_PREFIX)
    with call.write() as conn:
        user = user_in(conn, call.account_id, call.params["UserName"])
        keys = conn.execute(
            select(t.ssh_public_keys.c.fingerprint).where(t.ssh_public_keys.c.user_id == user.id)
        ).all()
        if any(row.fingerprint == parsed.fingerprint for row in keys):
            raise _duplicate()
        if len(keys) >= MAX_KEYS:
            raise LimitExceeded(f"Cannot exceed quota for SSHPublicKeysPerUser: {MAX_KEYS}")
        try:
            conn.execute(
                insert(t.ssh_public_keys).values(
                    id=key_id,
                    account_id=call.account_id,
                    user_id=user.id,
                    body=body,
                    fingerprint=parsed.fingerprint,
                    status="Active",
                    uploaded_at=call.now,
                )
            )
        except IntegrityError:
            raise _duplicate() from None
    call.touch("user", user.arn)
    return {
        "SSHPublicKey": {
            "UserName": user.name,
            "SSHPublicKeyId": key_id,
            "Fingerprint": parsed.fingerprint,
            "SSHPublicKeyBody": body,
            "Status": "Active",
            "UploadDate": call.now,
        }
    }


def _key_in(conn: Connection, user: UserRecord, key_id: str) -> Any:
    row = conn.execute(
        select(t.ssh_public_keys).where(
            and_(t.ssh_public_keys.c.id == key_id, t.ssh_public_keys.c.user_id == user.id)
        )
    ).first()
    if row is None:
        raise NoSuchEntity(f"The Public Key with id {key_id} cannot be found.")
    return row


@operation("iam", "GetSSHPublicKey")
def get_ssh_public_key(call: Call) -> dict[str, Any]:
    with call.runtime.store.read() as conn:
        user = user_in(conn, call.account_id, call.params["UserName"])
        row = _key_in(conn, user, call.params["SSHPublicKeyId"])
    return {
        "SSHPublicKey": {
            "UserName": user.name,
            "SSHPublicKeyId": row.id,
            "Fingerprint": row.fingerprint,
            "SSHPublicKeyBody": encoded(row.body, call.params["Encoding"]),
            "Status": row.status,
            "UploadDate": row.uploaded_at,
        }
    }


@operation("iam", "ListSSHPublicKeys")
def list_ssh_public_keys(call: Call) -> dict[str, Any]:
    c = t.ssh_public_keys.c
    with call.runtime.store.read() as conn:
        user = credential_owner(call, conn)
        if user is None:
            # The root user has no SSH keys.
            return {"SSHPublicKeys": [], "IsTruncated": False}
        query, size = page_query(
            select(t.ssh_public_keys).where(c.user_id == user.id), [c.id], call.params
        )
        rows = conn.execute(query).all()
    chunk, extra = finish_page(rows, size, lambda r: (r.id,))
    keys = [
        {
            "UserName": user.name,
            "SSHPublicKeyId": r.id,
            "Status": r.status,
            "UploadDate": r.uploaded_at,
        }
        for r in chunk
    ]
    return {"SSHPublicKeys": keys, **extra}


@operation("iam", "UpdateSSHPublicKey")
def update_ssh_public_key(call: Call) -> None:
    status: str = call.params["Status"]
    if status == "Expired":
        raise InvalidInput("Status 'Expired' cannot be set by UpdateSSHPublicKey.")
    with call.write() as conn:
        user = user_in(conn, call.account_id, call.params["UserName"])
        row = _key_in(conn, user, call.params["SSHPublicKeyId"])
        conn.execute(
            update(t.ssh_public_keys).where(t.ssh_public_keys.c.id == row.id).values(status=status)
        )
    call.touch("user", user.arn)


@operation("iam", "DeleteSSHPublicKey")
def delete_ssh_public_key(call: Call) -> None:
    with call.write() as conn:
        user = user_in(conn, call.account_id, call.params["UserName"])
        row = _key_in(conn, user, call.params["SSHPublicKeyId"])
        conn.execute(delete(t.ssh_public_keys).where(t.ssh_public_keys.c.id == row.id))
    call.touch("user", user.arn)
