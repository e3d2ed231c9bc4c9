"""Migration 10: hardening (sessions that can be ended on the server)."""
from __future__ import annotations

import sqlite_utils


def v10_web_sessions(db: sqlite_utils.Database) -> None:
    """Browser sessions kept on the server, so signing out (here or everywhere) really ends them."""
    # token_hash: SHA-256 of the session token the browser holds (in the signed session cookie and,
    # when remembered, the remember cookie); the token itself is never stored. method: phone |
    # password (operator rights). ended_at: signed out (this browser, everywhere, or an operator
    # switched off). expires_at: a remembered session lasts 30 days, another one day.
    db["web_sessions"].create(
        {"id": int, "token_hash": str, "user_id": int, "method": str, "remember": int, "ip": str,
         "created_at": float, "last_seen_at": float, "expires_at": float, "ended_at": float},
        pk="id", foreign_keys=[("user_id", "users", "id")],
        not_null={"token_hash", "user_id", "method", "remember", "created_at", "expires_at"},
    )
    db["web_sessions"].create_index(["token_hash"], unique=True)
    db["web_sessions"].create_index(["user_id", "ended_at"])
