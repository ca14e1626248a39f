"""The change beacon: revisions cached across processes without going stale."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rolecall.crypto.keyring import Keyring
from rolecall.iam.accounts import create_account
from rolecall.store import beacon as beacon_module
from rolecall.store.engine import Store
from rolecall.store.migrate import upgrade


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'b.db'}"


def test_a_write_through_another_store_is_seen_at_once(url: str) -> None:
    reader, writer = Store(url), Store(url)
    upgrade(writer)
    account = create_account(writer, Keyring([("test", b"k" * 32)]), name="a").account_id
    first = reader.revision(account)
    assert first is not None
    assert reader.revision(account) == first  # from the cache now
    with writer.write(account):
        pass
    assert reader.revision(account) == first + 1
    reader.dispose()
    writer.dispose()


def test_the_cache_skips_the_query_until_something_changes(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(url)
    upgrade(store)
    account = create_account(store, Keyring([("test", b"k" * 32)]), name="a").account_id
    revision = store.revision(account)
    path = url.removeprefix("sqlite:///")
    # A write behind rolecall's back (no signal) is seen once the entry is too old.
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE accounts SET revision = revision + 10 WHERE id = ?", (account,))
    assert store.revision(account) == revision
    monkeypatch.setattr(beacon_module, "MAX_AGE", 0.0)
    assert store.revision(account) == (revision or 0) + 10
    assert store.revision("000000000000") is None
    store.dispose()


def test_in_memory_and_postgresql_stores_have_no_beacon() -> None:
    assert Store("sqlite://").beacon is None
