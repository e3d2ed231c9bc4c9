"""SQL for browser sessions kept on the server (mixed into `Store`)."""
from __future__ import annotations

from bff.db.transactions import first_row, now_or


class SessionQueries:
    """Queries of bff/accounts/sessions.py."""

    def add_web_session(self, *, token_hash: str, user_id: int, method: str, remember: bool,
                        ip: str | None, expires_at: float, now: float | None = None) -> int:
        stamp = now_or(now)
        return self.db.execute(
            "INSERT INTO web_sessions (token_hash, user_id, method, remember, ip, created_at, last_seen_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [token_hash, user_id, method, int(remember), ip, stamp, stamp, expires_at]).lastrowid

    def live_web_session(self, token_hash: str, *, now: float | None = None) -> dict | None:
        """The session with this token hash, if not ended and not expired."""
        return first_row(self.query(
            "SELECT * FROM web_sessions WHERE token_hash = ? AND ended_at IS NULL AND expires_at > ?",
            [token_hash, now_or(now)]))

    def touch_web_session(self, session_id: int, *, now: float | None = None) -> None:
        self.db.execute("UPDATE web_sessions SET last_seen_at = ? WHERE id = ?", [now_or(now), session_id])

    def end_web_session(self, token_hash: str, *, now: float | None = None) -> int:
        return self.db.execute("UPDATE web_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                               [now_or(now), token_hash]).rowcount

    def end_web_sessions_of(self, user_id: int, *, now: float | None = None) -> int:
        return self.db.execute("UPDATE web_sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL",
                               [now_or(now), user_id]).rowcount

    def prune_web_sessions(self, *, before: float) -> int:
        return self.db.execute("DELETE FROM web_sessions WHERE expires_at < ? OR ended_at < ?",
                               [before, before]).rowcount
