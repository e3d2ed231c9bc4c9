"""SQL for the operators' console: operators, sign-in history, the audit log (mixed into `Store`).

The audit log is append-only: nothing here updates or deletes a row of it.
"""
from __future__ import annotations

from bff.db.transactions import now_or

AUDIT_COLUMNS = ("actor_id", "actor_login", "actor_role", "action", "device_id", "person_id",
                 "result", "detail")
AUDIT_FILTERS = ("actor_id", "action", "device_id", "person_id", "result")


class OperatorQueries:
    """Queries of bff/operators and bff/audit."""

    # -- operators -----------------------------------------------------------------------------

    def operator_rows(self) -> list[dict]:
        """Every operator (switched off ones too), by login."""
        return list(self.query(
            "SELECT id, login, phone, ops_role, disabled_at, created_at FROM users "
            "WHERE role = 'operator' ORDER BY login"))

    def set_operator_role(self, user_id: int, role: str) -> None:
        self.db.execute("UPDATE users SET ops_role = ? WHERE id = ? AND role = 'operator'", [role, user_id])

    def set_operator_disabled(self, user_id: int, disabled_at: float | None) -> None:
        self.db.execute("UPDATE users SET disabled_at = ? WHERE id = ? AND role = 'operator'",
                        [disabled_at, user_id])

    # -- sign-in history -------------------------------------------------------------------------

    def record_sign_in(self, user_id: int, *, method: str, result: str, ip: str | None,
                       now: float | None = None) -> None:
        self.db.execute("INSERT INTO sign_ins (user_id, at, method, ip, result) VALUES (?, ?, ?, ?, ?)",
                        [user_id, now_or(now), method, ip, result])

    def sign_ins_of(self, user_id: int, *, limit: int = 50) -> list[dict]:
        return list(self.query(
            "SELECT * FROM sign_ins WHERE user_id = ? ORDER BY id DESC LIMIT ?", [user_id, limit]))

    # -- audit log -------------------------------------------------------------------------------

    def add_audit_entry(self, *, now: float | None = None, **fields) -> int:
        values = [fields.get(column) for column in AUDIT_COLUMNS]
        cursor = self.db.execute(
            f"INSERT INTO audit_log (at, {', '.join(AUDIT_COLUMNS)}) "
            f"VALUES (?, {', '.join('?' for _ in AUDIT_COLUMNS)})", [now_or(now), *values])
        return cursor.lastrowid

    def audit_entries(self, *, since: float | None = None, until: float | None = None,
                      before_id: int | None = None, limit: int | None = 200, **filters) -> list[dict]:
        """Newest first; `filters` are exact matches on AUDIT_FILTERS (None: any)."""
        where, params = [], []
        for column in AUDIT_FILTERS:
            if filters.get(column) is not None:
                where.append(f"{column} = ?")
                params.append(filters[column])
        for clause, value in (("at >= ?", since), ("at < ?", until), ("id < ?", before_id)):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC" + (" LIMIT ?" if limit is not None else "")
        return list(self.query(sql, params + ([limit] if limit is not None else [])))

    def audit_actions(self) -> list[str]:
        return [row["action"] for row in self.query("SELECT DISTINCT action FROM audit_log ORDER BY action")]
