"""Connections and transactions on SQLite or PostgreSQL.

:class:`Store` hides the two dialects' differences:

* SQLite runs in WAL mode with ``synchronous=FULL`` (a commit is durable when it
  returns) and foreign keys on.  pysqlite's own transaction handling is switched
  off and ``BEGIN IMMEDIATE`` is issued for write transactions, so two writers
  never deadlock upgrading a read lock; readers use plain ``BEGIN`` and are never
  blocked by writers thanks to WAL.
* PostgreSQL runs through psycopg 3 at READ COMMITTED; a write transaction of an
  account starts by bumping that account's revision, which takes the account
  row's lock and so serialises the account's writes across processes.

Either way :meth:`Store.write` hands out a connection inside one transaction that
commits on success and rolls back on any exception: multi-row changes are never
half-applied.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .beacon import ChangeBeacon, beacon_path
from .schema import accounts

_SQLITE_BEGIN = "rolecall_sqlite_begin"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def sqlite_url(data_dir: Path) -> str:
    """The embedded database's URL inside ``data_dir``."""
    return f"sqlite:///{(data_dir / 'rolecall.db').resolve()}"


# Built once: every write runs it, and building it costs more than running it.
_BUMP_REVISION = (
    update(accounts)
    .where(accounts.c.id == bindparam("account_id"))
    .values(revision=accounts.c.revision + 1)
    .returning(accounts.c.revision)
)


class Store:
    """The database, with read and write transactions and per-account revisions."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = normalise_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        self._listeners: list[Callable[[str, int], None]] = []
        self._local = threading.local()
        #: SQLite files only: see :mod:`.beacon` (PostgreSQL may be shared across hosts)
        self.beacon: ChangeBeacon | None = None
        if self.dialect == "sqlite":
            self.engine = self._sqlite_engine()
            path = make_url(self.url).database
            if path and path != ":memory:":
                self.beacon = ChangeBeacon(beacon_path(path))
        else:
            self.engine = create_engine(
                self.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )

    def _sqlite_engine(self) -> Engine:
        path = make_url(self.url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            self.url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=NullPool if not path or path == ":memory:" else None,
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction (rolled back at the end)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self, account_id: str | None = None) -> Iterator[Connection]:
        """A connection in a write transaction that commits on success.

        With ``account_id``, the account's revision is bumped first: this takes
        the account's row lock (serialising the account's writes) and tells every
        cache that the account changed.
        """
        options = {_SQLITE_BEGIN: "IMMEDIATE"} if self.dialect == "sqlite" else {}
        with self.engine.connect().execution_options(**options) as conn:
            revision = None
            with conn.begin():
                if account_id is not None:
                    revision = conn.execute(_BUMP_REVISION, {"account_id": account_id}).scalar()
                yield conn
            if account_id is not None and self.beacon is not None:
                self.beacon.signal()
            if account_id is not None and revision is not None:
                for listener in self._listeners:
                    listener(account_id, int(revision))

    def on_commit(self, listener: Callable[[str, int], None]) -> None:
        """Call ``listener(account_id, revision)`` after each committed account write."""
        self._listeners.append(listener)

    def revision(self, account_id: str) -> int | None:
        """The current revision of one account, read on a dedicated raw connection.

        This runs on every request, so it bypasses SQLAlchemy's execution
        machinery: one prepared statement on a per-thread DBAPI connection in
        autocommit mode (which always sees the latest committed state).  On an
        SQLite file the query is skipped while the change beacon says no account
        changed (see :mod:`.beacon`).
        """
        beacon = self.beacon
        if beacon is not None:
            known = beacon.cached(account_id)
            if known is not None:
                return known
            seen = beacon.value()
        raw = getattr(self._local, "raw", None)
        if raw is None:
            raw = self._raw_autocommit()
            self._local.raw = raw
        try:
            cur = raw.cursor()
            cur.execute(self._revision_sql, (account_id,))
            row = cur.fetchone()
            cur.close()
        except Exception:
            # A broken connection (server restart, network): reconnect next time.
            self._local.raw = None
            raise
        if row is None:
            return None
        if beacon is not None:
            beacon.remember(account_id, seen, int(row[0]))
        return int(row[0])

    def _raw_autocommit(self) -> Any:
        if self.dialect == "sqlite":
            import sqlite3

            path = make_url(self.url).database or ":memory:"
            lite = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            lite.execute("PRAGMA busy_timeout=30000")
            self._revision_sql = "SELECT revision FROM accounts WHERE id = ?"
            return lite
        import psycopg

        url = make_url(self.url)
        conn = psycopg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            dbname=url.database,
            autocommit=True,
            prepare_threshold=0,
        )
        self._revision_sql = "SELECT revision FROM accounts WHERE id = %s"
        return conn

    def revisions(self, account_ids: list[str]) -> dict[str, int]:
        """Current revisions of the given accounts (missing accounts are absent)."""
        with self.read() as conn:
            rows = conn.execute(
                select(accounts.c.id, accounts.c.revision).where(accounts.c.id.in_(account_ids))
            )
            return {row.id: int(row.revision) for row in rows}

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self.beacon is not None:
            self.beacon.close()
            self.beacon = None
