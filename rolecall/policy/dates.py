"""Date values as the ``Date*`` condition operators read them.

AWS accepts ISO 8601 date-times in several precisions (``2020-01-01``,
``2020-01-01T12:00Z``, ``2020-01-01T12:00:00.123+02:00`` ...) and epoch seconds
(``aws:EpochTime``).  Everything is turned into float seconds since the epoch so
that comparisons are plain number comparisons.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_ISO = re.compile(
    r"(?P<y>-?\d{4,9})(?:-(?P<mo>\d{1,2})(?:-(?P<d>\d{1,2}))?)?"
    r"(?:[Tt](?P<h>\d{1,2})(?::(?P<mi>\d{1,2})(?::(?P<s>\d{1,2})(?:\.(?P<f>\d{1,9}))?)?)?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?"
)
_EPOCH = re.compile(r"-?\d{1,19}")
_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)


def parse_date(text: str) -> float | None:
    """Seconds since the epoch for an ISO 8601 date-time or epoch-seconds string.

    Returns ``None`` when ``text`` is neither, so that a malformed request value
    simply fails to match instead of raising.
    """
    if _EPOCH.fullmatch(text) and "-" not in text[1:]:
        # A bare year ("2020") is ambiguous; AWS reads digits-only values as epoch seconds.
        try:
            return float(int(text))
        except ValueError:  # pragma: no cover - guarded by the regex
            return None
    m = _ISO.fullmatch(text)
    if m is None:
        return None
    try:
        year = int(m["y"])
        if not 1 <= year <= 9999:
            return None
        frac = m["f"] or ""
        dt = datetime(
            year,
            int(m["mo"] or 1),
            int(m["d"] or 1),
            int(m["h"] or 0),
            int(m["mi"] or 0),
            int(m["s"] or 0),
            int((frac + "000000")[:6]) if frac else 0,
            tzinfo=_zone(m["tz"]),
        )
    except ValueError:
        return None
    return (dt - _EPOCH_START).total_seconds()


def _zone(tz: str | None) -> timezone:
    if tz is None or tz in ("Z", "z"):
        return UTC
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(tz)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def is_valid_policy_date(text: str) -> bool:
    """Whether a ``Date*`` condition value in a policy is acceptable to AWS's parser."""
    return parse_date(text) is not None
