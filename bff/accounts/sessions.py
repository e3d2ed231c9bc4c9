"""Browser sessions kept on the server: signing out ends a session for good, "sign out everywhere"
ends them all, and a remembered browser holds a token that is new at every sign-in and expires.

The browser holds `<user id>.<token>` (as flask-login's user id, in the signed session cookie and
the remember cookie); bff keeps only the token's SHA-256 (a random 256-bit token needs no slow
hash). A session lasts 30 days when remembered, one day otherwise; an operator's also ends after
`BFF_OPS_IDLE_MINUTES` without a request (bff/web/login.py). No Flask here.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

REMEMBERED_SECONDS = 30 * 24 * 3600
UNREMEMBERED_SECONDS = 24 * 3600
TOUCH_EVERY_SECONDS = 60.0  # last_seen_at is written at most this often per session


@dataclass(frozen=True)
class LiveSession:
    """A session that may act: whose, how it signed in ("phone" or "password")."""

    id: int
    user_id: int
    method: str


class WebSessions:
    """Start, check and end browser sessions, over the Store."""

    def __init__(self, store, *, clock=time.time) -> None:
        self.store = store
        self.clock = clock

    def start(self, user_id: int, *, method: str, remember: bool, ip: str | None) -> str:
        """A new session; returns what the browser keeps: "<user id>.<token>"."""
        token = secrets.token_urlsafe(32)
        lifetime = REMEMBERED_SECONDS if remember else UNREMEMBERED_SECONDS
        now = self.clock()
        self.store.add_web_session(token_hash=_hash(token), user_id=user_id, method=method, remember=remember,
                                   ip=ip, expires_at=now + lifetime, now=now)
        return f"{user_id}.{token}"

    def check(self, held: str | None) -> LiveSession | None:
        """The live session the browser's "<user id>.<token>" names, or None (ended, expired, forged)."""
        user_id, token = _split(held)
        if token is None:
            return None
        row = self.store.live_web_session(_hash(token), now=self.clock())
        if row is None or row["user_id"] != user_id:
            return None
        if self.clock() - (row["last_seen_at"] or 0) > TOUCH_EVERY_SECONDS:
            self.store.touch_web_session(row["id"], now=self.clock())
        return LiveSession(id=row["id"], user_id=row["user_id"], method=row["method"])

    def end(self, held: str | None) -> None:
        """Sign this browser out for good."""
        _, token = _split(held)
        if token is not None:
            self.store.end_web_session(_hash(token), now=self.clock())

    def end_all(self, user_id: int) -> int:
        """Sign the person out everywhere; returns how many sessions ended."""
        return self.store.end_web_sessions_of(user_id, now=self.clock())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _split(held: str | None) -> tuple[int | None, str | None]:
    user_part, _, token = (held or "").partition(".")
    if not token or not user_part.isascii() or not user_part.isdigit():
        return None, None
    return int(user_part), token
