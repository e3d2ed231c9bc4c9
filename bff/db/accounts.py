"""SQL for users, phone sign-in codes, rate-limit counters and API tokens (mixed into `bff.db.store.Store`).

Callers (bff/accounts/) pass phone numbers already in E.164 and logins already normalised;
these methods only store and fetch. Times are Unix epoch seconds; `now` defaults to the clock.
"""
from __future__ import annotations

import sqlite3

from bff.db.transactions import first_row, now_or
from bff.errors import LoginTaken


class AccountQueries:
    """Queries of bff/accounts/: users by phone or login, sign-in codes, rate-limit counters, API tokens."""

    # -- users ---------------------------------------------------------------------------------

    def user_by_phone(self, phone: str) -> dict | None:
        return first_row(self.query("SELECT * FROM users WHERE phone = ?", [phone]))

    def user_by_login(self, login: str) -> dict | None:
        return first_row(self.query("SELECT * FROM users WHERE login = ?", [login]))

    def ensure_phone_user(self, phone: str, *, now: float | None = None) -> dict:
        """The user with this phone number, created (as a customer) if there is none.

        Safe when two requests race: the unique index on `phone` keeps one row, both get it.
        """
        self.db.execute(
            "INSERT INTO users (created_at, phone, role) VALUES (?, ?, 'customer') "
            "ON CONFLICT (phone) DO NOTHING",
            [now_or(now), phone],
        )
        return self.user_by_phone(phone)

    def create_operator_user(self, login: str, password_hash: str, *, role: str = "admin",
                             phone: str | None = None, now: float | None = None) -> int:
        """A new operator of `role`; raises LoginTaken when the login or phone is taken."""
        try:
            cursor = self.db.execute(
                "INSERT INTO users (created_at, phone, role, login, password_hash, ops_role) "
                "VALUES (?, ?, 'operator', ?, ?, ?)",
                [now_or(now), phone, login, password_hash, role],
            )
        except sqlite3.IntegrityError:
            raise LoginTaken(f"login {login!r} or its phone is taken") from None
        return cursor.lastrowid

    def promote_to_operator(self, user_id: int, login: str, password_hash: str, *,
                            role: str = "admin") -> None:
        """Make an existing (customer) user an operator of `role` with a login and password."""
        self.db.execute(
            "UPDATE users SET role = 'operator', login = ?, password_hash = ?, ops_role = ? WHERE id = ?",
            [login, password_hash, role, user_id],
        )

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [password_hash, user_id])

    # -- sign-in codes ---------------------------------------------------------------------------

    def add_sign_in_code(self, phone: str, code_hash: str, *, ip: str | None, expires_at: float,
                         now: float | None = None) -> int:
        """Store a new code (its hash only); the newest code of a phone is the only live one."""
        cursor = self.db.execute(
            "INSERT INTO sign_in_codes (phone, code_hash, ip, created_at, expires_at, attempts) "
            "VALUES (?, ?, ?, ?, ?, 0)",
            [phone, code_hash, ip, now_or(now), expires_at],
        )
        return cursor.lastrowid

    def latest_sign_in_code(self, phone: str) -> dict | None:
        """The newest code sent to this phone (used, expired or not), or None."""
        return first_row(self.query(
            "SELECT * FROM sign_in_codes WHERE phone = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            [phone],
        ))

    def use_sign_in_code(self, code_id: int, *, max_attempts: int, now: float | None = None) -> bool:
        """Mark the code used; False if it was used, expired or locked meanwhile (single use)."""
        stamp = now_or(now)
        cursor = self.db.execute(
            "UPDATE sign_in_codes SET used_at = ? WHERE id = ? AND used_at IS NULL "
            "AND attempts < ? AND expires_at > ?",
            [stamp, code_id, max_attempts, stamp],
        )
        return cursor.rowcount == 1

    def count_wrong_sign_in_code(self, code_id: int, *, max_attempts: int) -> int:
        """Count one wrong try (up to `max_attempts`); returns the tries made so far."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE sign_in_codes SET attempts = attempts + 1 "
                "WHERE id = ? AND used_at IS NULL AND attempts < ?",
                [code_id, max_attempts],
            )
            row = self.db.execute("SELECT attempts FROM sign_in_codes WHERE id = ?", [code_id]).fetchone()
        return row[0] if row else max_attempts

    def prune_sign_in_codes(self, *, before: float) -> int:
        """Delete codes that expired before `before`; returns how many went."""
        return self.db.execute("DELETE FROM sign_in_codes WHERE expires_at < ?", [before]).rowcount

    # -- rate-limit counters -------------------------------------------------------------------

    def count_rate_hit(self, key: str, window_start: float) -> int:
        """Add one hit to the counter of (`key`, window); returns the window's count so far."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO rate_counters (key, window_start, count) VALUES (?, ?, 1) "
                "ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1",
                [key, window_start],
            )
            row = self.db.execute(
                "SELECT count FROM rate_counters WHERE key = ? AND window_start = ?", [key, window_start]
            ).fetchone()
        return row[0]

    def rate_count(self, key: str, window_start: float) -> int:
        """The counter of (`key`, window) as it stands (0 when nothing was counted); counts nothing."""
        row = self.db.execute(
            "SELECT count FROM rate_counters WHERE key = ? AND window_start = ?", [key, window_start]
        ).fetchone()
        return row[0] if row else 0

    def prune_rate_counters(self, *, before: float) -> int:
        """Delete counters of windows that started before `before`; returns how many went."""
        return self.db.execute("DELETE FROM rate_counters WHERE window_start < ?", [before]).rowcount

    # -- API tokens --------------------------------------------------------------------------------

    def insert_api_token(self, user_id: int, token_hash: str, *, name: str | None,
                         now: float | None = None) -> int:
        cursor = self.db.execute(
            "INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES (?, ?, ?, ?)",
            [user_id, token_hash, name, now_or(now)],
        )
        return cursor.lastrowid

    def live_api_token(self, token_hash: str) -> dict | None:
        """The token with this hash unless it was revoked."""
        return first_row(self.query(
            "SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL", [token_hash]
        ))

    def touch_api_token(self, token_id: int, *, now: float, every: float) -> None:
        """Record a use (at most once per `every` seconds: a read must not always write)."""
        self.db.execute(
            "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND COALESCE(last_used_at, 0) <= ?",
            [now, token_id, now - every],
        )

    def revoke_api_token(self, token_id: int, *, now: float | None = None) -> bool:
        cursor = self.db.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [now_or(now), token_id],
        )
        return cursor.rowcount == 1
