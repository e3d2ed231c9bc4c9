"""Times and ages as the console's pages say them (UTC, plain words), and reading times typed in a filter."""
from __future__ import annotations

import calendar
import time

_TYPED_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def utc(stamp: float | None) -> str:
    """2026-05-01 12:30:05 UTC."""
    return "" if stamp is None else time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(stamp))


def age(seconds: float | None) -> str:
    """12 s, 5 min, 3 h, 2 days."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size * (2 if unit == "days" else 1):
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def typed_utc(text: str | None) -> float | None:
    """A typed date or date and time (UTC), as `<input type="datetime-local">` sends it; None when
    it cannot be read."""
    text = (text or "").strip()
    for pattern in _TYPED_FORMATS:
        try:
            return float(calendar.timegm(time.strptime(text, pattern)))
        except ValueError:
            continue
    return None


def whole_number(text) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None
