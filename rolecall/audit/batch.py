"""Write a batch of audit events and usage bookkeeping in one transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import update

from rolecall.store import schema as t
from rolecall.store.engine import Store

from .record import AuditEvent


class KeyUse(NamedTuple):
    """An access key was used: when, for which service, in which region.

    (Named tuples: these cross the pipe to the writer process, and pickle far
    more cheaply than slotted dataclasses.)
    """

    key_id: str
    time: datetime
    service: str
    region: str


class RoleUse(NamedTuple):
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


def write_batch(store: Store, events: list[AuditEvent], uses: list[KeyUse | RoleUse]) -> None:
    """Insert ``events`` and apply ``uses`` in one transaction (one commit, one fsync).

    The bookkeeping is deliberately not a revision-bumping account write: it
    changes on every request and must not invalidate every cache.
    """
    sqlite = store.dialect == "sqlite"
    with store.write() as conn:
        if events:
            # Straight to the driver: this runs for every request, and SQLAlchemy's
            # per-row parameter processing would dominate.
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
            cursor.executemany(_INSERT_SQLITE if sqlite else _INSERT_PG, rows)
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
                .values(last_used_at=k.time, last_used_service=k.service, last_used_region=k.region)
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
