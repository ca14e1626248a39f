"""Durable audit writes with group commit.

Each call's record must be on disk before the call's response goes out, yet one
fsync per request would cap throughput at the disk's sync rate.  A single writer
thread therefore takes every record queued since its last commit, inserts them
in one transaction, commits once, and then releases all their waiters: under
concurrency many records share one fsync; a lone request waits for exactly one.

The same transaction applies "last used" bookkeeping (access keys, roles), which
is deliberately not a revision-bumping account write: it changes on every
request and must not invalidate every cache.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update

from rolecall.store import schema as t
from rolecall.store.engine import Store

from .record import AuditEvent

log = logging.getLogger(__name__)
_MAX_BATCH = 1024


@dataclass(frozen=True, slots=True)
class KeyUse:
    """An access key was used: when, for which service, in which region."""

    key_id: str
    time: datetime
    service: str
    region: str


@dataclass(frozen=True, slots=True)
class RoleUse:
    """A role was assumed: when and in which region."""

    role_id: str
    time: datetime
    region: str


_COLUMNS = (
    "event_id, account_id, event_time, event_source, event_name, "
    "principal_arn, access_key_id, error_code, read_only, record"
)
_INSERT_SQLITE = f"INSERT INTO audit_events ({_COLUMNS}) VALUES ({', '.join('?' * 10)})"  # noqa: S608
_INSERT_PG = f"INSERT INTO audit_events ({_COLUMNS}) VALUES ({', '.join(['%s'] * 10)})"  # noqa: S608

_Item = tuple[AuditEvent | KeyUse | RoleUse | None, "Future[None] | None"]


class AuditWriter:
    """A background thread that writes audit events and usage bookkeeping."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        """Start the writer thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="rolecall-audit", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Flush what is queued and stop the thread."""
        if self._thread is not None:
            self._stopping = True
            self._queue.put((None, None))
            self._thread.join(timeout=30)
            self._thread = None

    def submit(self, event: AuditEvent) -> Future[None]:
        """Queue ``event``; the future completes once it is committed."""
        future: Future[None] = Future()
        if self._thread is None:
            self._write([event], [])
            future.set_result(None)
            return future
        self._queue.put((event, future))
        return future

    def note(self, use: KeyUse | RoleUse) -> None:
        """Queue usage bookkeeping (not waited for)."""
        if self._thread is None:
            self._write([], [use])
        else:
            self._queue.put((use, None))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            batch = [item]
            while len(batch) < _MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            events = [x for x, _ in batch if isinstance(x, AuditEvent)]
            uses = [x for x, _ in batch if isinstance(x, KeyUse | RoleUse)]
            futures = [f for _, f in batch if f is not None]
            try:
                if events or uses:
                    self._write(events, uses)
            except Exception as exc:
                log.exception("audit write failed")
                for f in futures:
                    f.set_exception(exc)
            else:
                for f in futures:
                    f.set_result(None)
            if self._stopping and any(x is None for x, _ in batch):
                return

    def _write(self, events: list[AuditEvent], uses: list[KeyUse | RoleUse]) -> None:
        sqlite = self.store.dialect == "sqlite"
        with self.store.write() as conn:
            if events:
                # Straight to the driver: this runs for every request, and
                # SQLAlchemy's per-row parameter processing would dominate.
                sql = _INSERT_SQLITE if sqlite else _INSERT_PG
                rows = [
                    (
                        e.event_id,
                        e.account_id,
                        _db_time(e.event_time, sqlite),
                        e.event_source,
                        e.event_name,
                        e.principal_arn,
                        e.access_key_id,
                        e.error_code,
                        e.read_only,
                        json.dumps(e.record, separators=(",", ":"), default=str),
                    )
                    for e in events
                ]
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                cursor.executemany(sql, rows)
                cursor.close()
            # Only the latest use of each key/role matters.
            keys: dict[str, KeyUse] = {}
            roles: dict[str, RoleUse] = {}
            for use in uses:
                if isinstance(use, KeyUse):
                    keys[use.key_id] = use
                else:
                    roles[use.role_id] = use
            for k in keys.values():
                conn.execute(
                    update(t.access_keys)
                    .where(t.access_keys.c.id == k.key_id)
                    .values(
                        last_used_at=k.time, last_used_service=k.service, last_used_region=k.region
                    )
                )
            for r in roles.values():
                conn.execute(
                    update(t.roles)
                    .where(t.roles.c.id == r.role_id)
                    .values(last_used_at=r.time, last_used_region=r.region)
                )


def _db_time(moment: datetime, sqlite: bool) -> object:
    """A timestamp as the store's UtcDateTime column keeps it (naive UTC text on SQLite)."""
    if sqlite:
        return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment
