"""Limits on guessing: wrong proofs of holding a box and wrong sign-in codes, the one place they are set.

A box is proven by its QR tag (`k`, 80 bits) or its 12-symbol label code; a serial number or ICCID
only with the right label code (bff/claims/serials.py). A sign-in code is 6 digits, 5 tries each.
Each wrong one is a guess. Only failures count (a right code is never counted, so successful claims
are unaffected), in fixed windows of SQLite counters (`rate_counters`, through `AccountService`),
so every process of a deployment sees the same counts. Before a code is checked, a guesser who is
at a limit is refused (`TooManyWrongCodes`, with the seconds left in the window) and nothing is
checked: once over, further guesses learn nothing.

Who guesses (`Guesser`): the person (user id, when signed in), the phone (an SMS sender) and the
address (web and API: `client_ip()`, the real client behind `BFF_TRUSTED_PROXIES`). Each is counted,
and refused at its own limit, so another person, phone or address is not held up.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from bff import errors

MINUTES_15, DAY = 15 * 60, 24 * 3600

# (failures allowed, window seconds). Why these numbers: a person who holds the box gets it right
# at the first or second try (a typo in a label code is caught by its check symbol and does not
# count), so 10 wrong in 15 minutes is already far from honest use; a label code has 53 bits no one
# can predict and a tag 80, so even 50 a day from an address leaves every box out of reach. An
# address may be shared (a household, an office, a carrier's NAT): more per 15 minutes, 50 a day at
# most. Field crews scan hundreds of boxes, some scuffed: higher, per operator (they are audited).
PROOF_LIMITS = {
    "person": ((10, MINUTES_15), (30, DAY)),
    "phone": ((10, MINUTES_15), (30, DAY)),
    "ip": ((20, MINUTES_15), (50, DAY)),
    "operator": ((60, MINUTES_15), (300, DAY)),
}
# Wrong sign-in codes from one address, across every phone it signs in: each code allows 5 tries and
# each phone gets few codes (AccountService.CODE_LIMITS_PER_PHONE), but one address could spread its
# guesses over many phones. 30 an hour is six codes typed wrong five times each; 100 a day leaves an
# address about one chance in 10,000 a day of hitting some 6-digit code.
SIGN_IN_GUESSES_PER_IP = ((30, 3600), (100, DAY))


@dataclass(frozen=True)
class Guesser:
    """Who tries a code: the person (user id), the phone (SMS), the address (web, API); an operator
    is counted as one, with the operators' limits."""

    user_id: int | None = None
    phone: str | None = None
    ip: str | None = None
    operator: bool = False

    def limits(self) -> list[tuple[str, int, float]]:
        """(counter key, failures allowed, window seconds) for each of the guesser's counters."""
        if self.operator:
            return _keyed("proof:operator", self.user_id, "operator")
        return (_keyed("proof:ip", self.ip, "ip") + _keyed("proof:user", self.user_id, "person")
                + _keyed("proof:phone", self.phone, "phone"))


def _keyed(prefix: str, value, kind: str) -> list[tuple[str, int, float]]:
    if value is None or value == "":
        return []
    return [(f"{prefix}:{value}", allowed, window) for allowed, window in PROOF_LIMITS[kind]]


def sign_in_guess_limits(ip: str | None) -> list[tuple[str, int, float]]:
    return [(f"sign-in-guess:ip:{ip}", n, w) for n, w in SIGN_IN_GUESSES_PER_IP] if ip else []


class GuessLimits:
    """Refuses a guesser at a limit, and counts wrong guesses, over the accounts service's counters
    (`rate_count` reads one, `hit_rate_limit` adds one: both on its clock)."""

    def __init__(self, counters) -> None:
        self.counters = counters

    def refuse_if_over(self, limits) -> None:
        """Raise TooManyWrongCodes when any counter already holds its failures allowed (counts nothing)."""
        waits = []
        for key, allowed, window in limits:
            count, wait = self.counters.rate_count(key, window_seconds=window)
            if count >= allowed:
                waits.append(wait)
        if waits:
            raise errors.TooManyWrongCodes(f"{len(waits)} guessing limit(s) reached", retry_after=max(waits))

    def count(self, limits) -> None:
        """One wrong guess on every counter."""
        for key, allowed, window in limits:
            self.counters.hit_rate_limit(key, limit=allowed, window_seconds=window)

    @contextmanager
    def proving(self, who: Guesser | None):
        """Check a proof of holding a box inside: refused at once at a limit; a refused proof
        (`ClaimRefused`, not a device busy with another's claim) counts."""
        limits = who.limits() if who is not None else []
        self.refuse_if_over(limits)
        try:
            yield
        except errors.ClaimInProgressElsewhere:
            raise
        except errors.ClaimRefused:
            self.count(limits)
            raise
