"""The development clock: server time that ``rolecall clock`` can move.

With ``rolecall serve --dev-clock`` the server's notion of time (credential
expiry, MFA windows, ``aws:CurrentTime``, ``aws:TokenIssueTime``) is the wall
clock plus an offset kept in the store, so every server process sharing the
store agrees on it.  Each request reads the offset once (:meth:`DevClock.refresh`);
SigV4's freshness check keeps using the real wall clock, so ordinary clients go on
working while the clock is ahead.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, insert, select, update

from rolecall.clock import Clock
from rolecall.store import schema as t
from rolecall.store.engine import Store

_OFFSET = "dev_clock_offset"


class DevClock(Clock):
    """A :class:`Clock` whose offset lives in the store."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.refresh()

    def refresh(self) -> None:
        """Re-read the offset (once per request)."""
        with self.store.read() as conn:
            row = conn.execute(
                select(t.server_state.c.value).where(t.server_state.c.name == _OFFSET)
            ).first()
        self.set_offset(float(row.value) if row else 0.0)

    def advance(self, seconds: float) -> float:
        """Move the clock ahead by ``seconds`` for every process; returns the new offset."""
        with self.store.write() as conn:
            row = conn.execute(
                select(t.server_state.c.value).where(t.server_state.c.name == _OFFSET)
            ).first()
            offset = (float(row.value) if row else 0.0) + seconds
            if row is None:
                conn.execute(insert(t.server_state).values(name=_OFFSET, value=repr(offset)))
            else:
                conn.execute(
                    update(t.server_state)
                    .where(t.server_state.c.name == _OFFSET)
                    .values(value=repr(offset))
                )
        self.set_offset(offset)
        return offset

    def reset(self) -> None:
        """Back to real time."""
        with self.store.write() as conn:
            conn.execute(delete(t.server_state).where(t.server_state.c.name == _OFFSET))
        self.set_offset(0.0)

    def now_iso(self) -> str:
        """The shifted time in ISO 8601."""
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.time()))
