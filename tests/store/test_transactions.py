"""Store transactions: all or nothing, and revision bumps only on commit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from rolecall.crypto.keyring import Keyring
from rolecall.iam.accounts import create_account
from rolecall.store import schema as t
from rolecall.store.engine import Store
from rolecall.store.migrate import upgrade


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'tx.db'}")
    upgrade(s)
    return s


def test_failed_write_leaves_nothing(store: Store) -> None:
    keyring = Keyring([("test", b"k" * 32)])
    account = create_account(store, keyring, name="a").account_id
    before = store.revision(account)
    now = datetime.now(UTC)
    with pytest.raises(RuntimeError), store.write(account) as conn:
        conn.execute(
            insert(t.users).values(
                id="AIDAX", account_id=account, name="u", name_key="u", path="/", created_at=now
            )
        )
        conn.execute(
            insert(t.groups).values(
                id="AGPAX", account_id=account, name="g", name_key="g", path="/", created_at=now
            )
        )
        raise RuntimeError("fails half-way")
    with store.read() as conn:
        assert conn.execute(select(t.users.c.id)).all() == []
        assert conn.execute(select(t.groups.c.id)).all() == []
    assert store.revision(account) == before


def test_committed_write_bumps_revision_and_notifies(store: Store) -> None:
    keyring = Keyring([("test", b"k" * 32)])
    account = create_account(store, keyring, name="a").account_id
    seen: list[tuple[str, int]] = []
    store.on_commit(lambda acct, rev: seen.append((acct, rev)))
    before = store.revision(account)
    with store.write(account):
        pass
    assert store.revision(account) == (before or 0) + 1
    assert seen == [(account, (before or 0) + 1)]
