"""bff API tokens: what a setup app sends as `Authorization: Bearer <token>`.

A person gets one through the same phone sign-in as the pages (a JSON variant of the one-time
code flow, bff/api/routes.py). Tokens are random (256 bits), shown once, kept only as a SHA-256
hash, never expire by themselves and are revocable (`DELETE /api/v1/tokens/current`).
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

TOKEN_PREFIX = "bff_"  # tells a bff token from a Particle one at a glance (and to secret scanners)
TOKEN_NAME_LIMIT = 80
TOUCH_EVERY_SECONDS = 60.0  # `last_used_at` is written at most this often per token


@dataclass(frozen=True)
class ApiCaller:
    """Who sent an API request: the token's id and its user."""

    token_id: int
    user_id: int


class ApiTokens:
    """Issue, check and revoke bff API tokens."""

    def __init__(self, store, *, clock=time.time) -> None:
        self.store = store
        self.clock = clock

    def issue(self, user_id: int, name: str | None = None) -> str:
        """A new token for the user (only its hash is kept: show it to them now)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        label = (name or "").strip()[:TOKEN_NAME_LIMIT] or None
        self.store.insert_api_token(user_id, token_hash(token), name=label, now=self.clock())
        return token

    def caller(self, token: str) -> ApiCaller | None:
        """The caller a token stands for; None when it is unknown or revoked."""
        row = self.store.live_api_token(token_hash(token))
        if row is None:
            return None
        now = self.clock()
        if (row.get("last_used_at") or 0) <= now - TOUCH_EVERY_SECONDS:  # else a write for nothing
            self.store.touch_api_token(row["id"], now=now, every=TOUCH_EVERY_SECONDS)
        return ApiCaller(token_id=row["id"], user_id=row["user_id"])

    def revoke(self, token_id: int) -> bool:
        return self.store.revoke_api_token(token_id, now=self.clock())


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
