"""The child-process audit writer: loop futures settle once the batch is committed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rolecall.audit.record import AuditFacts, build_facts
from rolecall.audit.writer import ProcessAuditWriter
from rolecall.crypto.keyring import Keyring
from rolecall.iam.accounts import create_account
from rolecall.store import schema as t
from rolecall.store.engine import Store
from rolecall.store.migrate import upgrade


def facts(account: str, n: int) -> AuditFacts:
    return build_facts(
        service="iam",
        operation=f"Op{n}",
        time=time.time(),
        region="us-east-1",
        source_ip="127.0.0.1",
        user_agent=None,
        request_id=f"req-{n}",
        principal=None,
        access_key_id=None,
        recipient_account=account,
        read_only=False,
        params=None,
        result=None,
        error_code=None,
        error_message=None,
        resources=[],
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'audit.db'}")
    upgrade(s)
    return s


def test_a_batch_of_waiting_records_settles_in_the_loop(store: Store) -> None:
    account = create_account(store, Keyring([("test", b"k" * 32)]), name="a").account_id
    writer = ProcessAuditWriter(store)
    writer.start()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        waiting = [writer.submit(facts(account, n), wait=True, loop=loop) for n in range(20)]
        assert writer.submit(facts(account, 99), wait=False, loop=loop) is None
        writer.flush()
        assert all(isinstance(f, asyncio.Future) for f in waiting)
        await asyncio.wait_for(asyncio.gather(*waiting), timeout=30)  # type: ignore[arg-type]

    try:
        asyncio.run(scenario())
    finally:
        writer.stop()
    with store.read() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(t.audit_events)
            .where(t.audit_events.c.account_id == account)
        ).scalar_one()
    assert count == 21


def test_waiters_fail_when_the_writer_is_gone(store: Store) -> None:
    account = create_account(store, Keyring([("test", b"k" * 32)]), name="a").account_id
    writer = ProcessAuditWriter(store)
    writer.start()
    writer.stop()

    async def scenario() -> None:
        future = writer.submit(facts(account, 1), wait=True, loop=asyncio.get_running_loop())
        writer.flush()  # no child any more: the waiter is failed, not left hanging
        with pytest.raises(RuntimeError):
            await asyncio.wait_for(asyncio.wrap_future(future), timeout=10)  # type: ignore[arg-type]

    asyncio.run(scenario())
