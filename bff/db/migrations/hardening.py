"""Migrations 10-11: hardening (sessions that can be ended on the server; secrets sealed at rest)."""
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


def v11_sealed_secrets(db: sqlite_utils.Database) -> None:
    """Secrets sealed at rest (bff/sealing.py): where a setup page finds its claim code again; what
    an older bff kept in clear goes."""
    # code_sealed: the claim code, sealed with BFF_TOKEN_KEY, for its owner's setup page (the
    # session cookie holds only the code's id).
    db["claim_codes"].add_column("code_sealed", str)
    # Cached Particle tokens were plain: forget them (a cache; each is minted again, then sealed).
    db.execute("DELETE FROM customer_tokens")
    db.execute("DELETE FROM product_tokens")
    # Replies and late results that handed out a Wi-Fi claim code (SMS CODE) were plain: a
    # redelivery of such an old message gets no reply instead.
    db.execute("UPDATE inbound_sms SET reply = NULL, result = NULL WHERE command = 'code'")
    db.execute("UPDATE outbound_sms SET body = '(a Wi-Fi setup code, removed)' "
               "WHERE purpose = 'sms_reply' AND body LIKE 'Your Wi-Fi setup code%'")
