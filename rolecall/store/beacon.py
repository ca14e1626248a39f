"""A change beacon: eight shared bytes that change whenever an account changes.

Every request checks its account's revision, which on SQLite costs a query
(~8 µs, a tenth of a read request's CPU).  Every process writing to an SQLite
database runs on the same host (SQLite's WAL needs shared memory there too),
so they can share a memory-mapped file next to the database instead:
:meth:`ChangeBeacon.signal` writes a new random value to it after each account
write commits, and a reader that cached a revision along with the beacon's
value knows nothing changed while the value stays the same.

Correctness does not hang on the beacon alone: a reader caches the value it saw
*before* its query (so a write racing the query invalidates the entry), and a
cached revision is trusted for at most :data:`MAX_AGE` seconds, which bounds
staleness should a writer die between its commit and its signal, or should
something other than rolecall write to the database.  A torn read of the eight
bytes can only look like a change, and so costs one query.
"""

from __future__ import annotations

import mmap
import os
import threading
import time
from pathlib import Path

#: The longest a cached revision is used without asking the database again.
MAX_AGE = 1.0
_SIZE = 8


class ChangeBeacon:
    """The shared value, and revisions cached against it (thread-safe)."""

    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < _SIZE:
                os.ftruncate(fd, _SIZE)
            self._map = mmap.mmap(fd, _SIZE)
        finally:
            os.close(fd)
        self._cache: dict[str, tuple[bytes, int, float]] = {}
        self._lock = threading.Lock()

    def value(self) -> bytes:
        """The beacon's current value (read before asking the database)."""
        return self._map[:_SIZE]

    def cached(self, account_id: str) -> int | None:
        """The account's revision if nothing changed since it was read, else ``None``."""
        found = self._cache.get(account_id)
        if found is None:
            return None
        seen, revision, at = found
        if seen != self._map[:_SIZE] or time.monotonic() - at > MAX_AGE:
            return None
        return revision

    def remember(self, account_id: str, seen: bytes, revision: int) -> None:
        """Cache ``revision``, read from the database after the beacon showed ``seen``."""
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[account_id] = (seen, revision, time.monotonic())

    def signal(self) -> None:
        """Tell every process that some account changed (after the write committed)."""
        # From the CSPRNG rather than a seeded generator: forked processes must never
        # write the same sequence of values.
        value = os.urandom(_SIZE)
        with self._lock:
            self._map[:_SIZE] = value

    def close(self) -> None:
        """Unmap the file."""
        self._map.close()


def beacon_path(database: str) -> Path:
    """Where the beacon of the SQLite database file ``database`` lives."""
    return Path(f"{database}-beacon")
