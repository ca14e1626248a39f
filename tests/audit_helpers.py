"""Reading the audit trail from tests."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from rolecall.store import schema as t
from rolecall.store.engine import Store


def wait_for_events(
    store: Store, account_id: str, *names: str, timeout: float = 10.0
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every record of the account, and the latest by event name, once ``names`` are all in.

    Records of reads are committed by the next group commit, a few milliseconds
    after the reply: poll rather than assume.
    """
    deadline = time.monotonic() + timeout
    while True:
        with store.read() as conn:
            rows = [
                json.loads(r.record)
                for r in conn.execute(
                    select(t.audit_events.c.record)
                    .where(t.audit_events.c.account_id == account_id)
                    .order_by(t.audit_events.c.event_time)
                )
            ]
        by_name = {r["eventName"]: r for r in rows}
        if all(name in by_name for name in names):
            return rows, by_name
        if time.monotonic() > deadline:
            raise AssertionError(f"audit records {names} not found; have {sorted(by_name)}")
        time.sleep(0.2)
