"""The server's notion of time.

Credential expiry, MFA windows, ``aws:CurrentTime`` and ``aws:TokenIssueTime`` read
the time from a :class:`Clock` so that tests and ``rolecall serve --dev-clock`` can
move it.  SigV4's freshness check deliberately reads the real wall clock instead
(:func:`wall_time`): ordinary clients sign with real time and must keep working
while the development clock is advanced.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def wall_time() -> float:
    """Real seconds since the epoch, never shifted."""
    return time.time()


class Clock:
    """A clock that may run ahead of real time by an offset (development only)."""

    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset

    @property
    def offset(self) -> float:
        """Seconds this clock runs ahead of the wall clock."""
        return self._offset

    def set_offset(self, offset: float) -> None:
        """Move the clock to ``offset`` seconds ahead of the wall clock."""
        self._offset = float(offset)

    def time(self) -> float:
        """Seconds since the epoch, shifted by the offset."""
        return time.time() + self._offset

    def now(self) -> datetime:
        """The current (possibly shifted) time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), tz=UTC)


class FixedClock(Clock):
    """A clock that only moves when told to; for tests."""

    def __init__(self, start: float) -> None:
        super().__init__()
        self._now = float(start)

    def time(self) -> float:
        return self._now + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self._now += seconds
