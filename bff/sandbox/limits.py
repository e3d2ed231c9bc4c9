"""The two rate limits the sandbox enforces (on the sandbox clock).

From "API rate limits", https://docs.particle.io/reference/cloud-apis/api/ (notes in
docs/particle.md#rate-limits): 10 consecutive failed create-token requests from one IP block
that IP for 30 minutes; `GET /v1/serial_numbers/:sn` is limited to 50 requests an hour per
account. The global limits are not simulated (inject 429s with the control API's faults instead).
"""
from __future__ import annotations

from .errors import rate_limited

LOCKOUT_FAILURES = 10                 # consecutive failed /oauth/token requests from one IP
LOCKOUT_SECONDS = 30 * 60
SERIAL_LOOKUPS_PER_HOUR = 50


class Lockout:
    """The documented lock-out: 10 consecutive failed token requests from an IP -> 30 minutes."""

    def __init__(self) -> None:
        self._failures: dict[str, int] = {}
        self._until: dict[str, float] = {}

    def locked_for(self, ip: str, now: float) -> float:
        """Seconds left of a lock-out for this IP (0 when not locked)."""
        return max(0.0, self._until.get(ip, 0.0) - now)

    def failed(self, ip: str, now: float) -> None:
        """Count one failure; the tenth in a row locks the IP."""
        self._failures[ip] = self._failures.get(ip, 0) + 1
        if self._failures[ip] >= LOCKOUT_FAILURES:
            self._until[ip] = now + LOCKOUT_SECONDS
            self._failures[ip] = 0

    def succeeded(self, ip: str) -> None:
        """A success ends the run of failures."""
        self._failures.pop(ip, None)

    def clear(self) -> None:
        """Forget all counters and lock-outs (reset)."""
        self._failures.clear()
        self._until.clear()


class SerialLookupLimit:
    """Serial-number look-ups per account in the last hour."""

    def __init__(self) -> None:
        self._times: dict[tuple, list[float]] = {}

    def count(self, account: tuple, now: float) -> None:
        """Count one look-up, or raise 429 when the account had 50 in the last hour."""
        recent = [t for t in self._times.get(account, []) if t > now - 3600]
        if len(recent) >= SERIAL_LOOKUPS_PER_HOUR:
            raise rate_limited(int(recent[0] + 3600 - now) + 1,
                               "Serial number look-ups are limited to 50 per hour")
        self._times[account] = recent + [now]

    def clear(self) -> None:
        """Forget every count (reset)."""
        self._times.clear()
