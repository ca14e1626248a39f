"""Accounts and their root access keys."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from rolecall.auth.credentials import SECRET_PURPOSE
from rolecall.crypto.keyring import Keyring
from rolecall.store import schema as t
from rolecall.store.engine import Store

from . import ids

_ACCOUNT_ID = re.compile(r"\d{12}")


class AccountError(Exception):
    """An account could not be created as asked."""


@dataclass(frozen=True, slots=True)
class RootKey:
    """An account's root access key, as printed once to the user."""

    account_id: str
    access_key_id: str
    secret_access_key: str


def account_exists(store: Store, account_id: str) -> bool:
    """Whether the account is in the store."""
    with store.read() as conn:
        return (
            conn.execute(select(t.accounts.c.id).where(t.accounts.c.id == account_id)).first()
            is not None
        )


def new_account_id(store: Store) -> str:
    """A random unused 12-digit account id."""
    while True:
        candidate = f"{secrets.randbelow(9 * 10**11) + 10**11:012d}"
        if not account_exists(store, candidate):
            return candidate


def create_account(
    store: Store,
    keyring: Keyring,
    *,
    account_id: str | None = None,
    name: str,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> RootKey:
    """Create an account with one root access key (given, for reproducible labs, or new)."""
    account_id = account_id or new_account_id(store)
    if not _ACCOUNT_ID.fullmatch(account_id):
        raise AccountError("An account id is 12 digits.")
    if access_key_id is not None and not re.fullmatch(r"AKIA[A-Z0-9]{12,124}", access_key_id):
        raise AccountError(
            "A root access key id must look like AKIA followed by upper-case letters or digits."
        )
    if secret_access_key is not None and len(secret_access_key) < 16:
        raise AccountError("A secret access key must have at least 16 characters.")
    key_id = access_key_id or ids.access_key_id(account_id)
    secret = secret_access_key or ids.secret_access_key()
    now = datetime.now(UTC)
    try:
        with store.write() as conn:
            conn.execute(
                insert(t.accounts).values(id=account_id, name=name, created_at=now, revision=1)
            )
            store_access_key(conn, keyring, account_id, key_id, secret, now)
    except IntegrityError:
        raise AccountError(
            f"Account {account_id} (or access key {key_id}) already exists."
        ) from None
    return RootKey(account_id, key_id, secret)


def store_access_key(
    conn: Connection,
    keyring: Keyring,
    account_id: str,
    key_id: str,
    secret: str,
    now: datetime,
    user_id: str | None = None,
) -> None:
    """Store an access key (root's when ``user_id`` is None).

    The secret is encrypted, bound to the key id as associated data.
    """
    conn.execute(
        insert(t.access_keys).values(
            id=key_id,
            account_id=account_id,
            user_id=user_id,
            secret_enc=keyring.encrypt(
                secret.encode(), purpose=SECRET_PURPOSE, aad=key_id.encode()
            ),
            status="Active",
            created_at=now,
        )
    )


def root_keys(store: Store, account_id: str) -> list[str]:
    """Ids of the account's root access keys."""
    with store.read() as conn:
        rows = conn.execute(
            select(t.access_keys.c.id).where(
                (t.access_keys.c.account_id == account_id) & (t.access_keys.c.user_id.is_(None))
            )
        )
        return [r.id for r in rows]
