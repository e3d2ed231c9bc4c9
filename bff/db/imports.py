"""SQL for import batches and their lines (mixed into `Store`).

A batch's counters (processed, added, already, invalid, refused) are recounted from its lines
whenever results are written, in the same transaction: they can never drift from the lines,
even after a crash between a cloud call and the write of its results.
"""
from __future__ import annotations

from bff.db.transactions import first_row, immediate_transaction, now_or

LINE_COLUMNS = ("line_no", "raw", "device_id", "serial_number", "result", "reason")
OPEN_BATCH = "state IN ('queued', 'running')"
PROBLEMS = ("invalid", "refused")
COUNTED = ("added", "already", "invalid", "refused")


class ImportQueries:
    """Queries of bff/imports."""

    def create_import_batch(self, *, product_key: str, created_by: int | None, source: str,
                            lines: list[dict], now: float | None = None) -> int:
        """The batch and every one of its lines, in one transaction; returns the batch id."""
        stamp = now_or(now)
        with immediate_transaction(self.db) as db:
            batch_id = db.execute(
                "INSERT INTO import_batches (product_key, created_by, created_at, source, state, total) "
                "VALUES (?, ?, ?, ?, 'queued', ?)",
                [product_key, created_by, stamp, source, len(lines)]).lastrowid
            db.conn.executemany(
                f"INSERT INTO import_lines (batch_id, {', '.join(LINE_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [[batch_id, *(line.get(name) for name in LINE_COLUMNS)] for line in lines])
            _recount(db, batch_id)
        return batch_id

    def import_batch(self, batch_id: int) -> dict | None:
        return first_row(self.query("SELECT * FROM import_batches WHERE id = ?", [batch_id]))

    def import_batches(self, *, limit: int = 20) -> list[dict]:
        """The newest batches first."""
        return list(self.query("SELECT * FROM import_batches ORDER BY id DESC LIMIT ?", [limit]))

    def due_import_batches(self, *, now: float | None = None) -> list[int]:
        """Open batches whose next attempt is due and that nobody holds a lease on, oldest first."""
        stamp = now_or(now)
        return [row["id"] for row in self.query(
            f"SELECT id FROM import_batches WHERE {OPEN_BATCH} "
            "AND COALESCE(next_attempt_at, 0) <= ? AND COALESCE(leased_until, 0) <= ? ORDER BY id",
            [stamp, stamp])]

    def lease_import_batch(self, batch_id: int, *, seconds: float, now: float | None = None) -> bool:
        """Take (or renew) the batch's lease when it is open, due and not held by someone else."""
        stamp = now_or(now)
        cursor = self.db.execute(
            f"UPDATE import_batches SET state = 'running', leased_until = ? WHERE id = ? AND {OPEN_BATCH} "
            "AND COALESCE(next_attempt_at, 0) <= ? AND COALESCE(leased_until, 0) <= ?",
            [stamp + seconds, batch_id, stamp, stamp])
        return cursor.rowcount == 1

    def renew_import_lease(self, batch_id: int, *, seconds: float, now: float | None = None) -> None:
        self.db.execute("UPDATE import_batches SET leased_until = ? WHERE id = ?",
                        [now_or(now) + seconds, batch_id])

    def pending_import_lines(self, batch_id: int, *, limit: int) -> list[dict]:
        return list(self.query(
            "SELECT * FROM import_lines WHERE batch_id = ? AND result = 'pending' ORDER BY line_no LIMIT ?",
            [batch_id, limit]))

    def record_import_results(self, batch_id: int, results: list[tuple[int, str, str | None]]) -> None:
        """Each (line id, result, reason) written, the counters recounted, the last error cleared."""
        with immediate_transaction(self.db) as db:
            db.conn.executemany(
                "UPDATE import_lines SET result = ?, reason = ? WHERE id = ? AND batch_id = ?",
                [[result, reason, line_id, batch_id] for line_id, result, reason in results])
            _recount(db, batch_id)
            db.execute("UPDATE import_batches SET last_error = NULL WHERE id = ?", [batch_id])

    def postpone_import_batch(self, batch_id: int, *, until: float, error: str) -> None:
        """Try again at `until` (rate limit, outage); the lease is given back."""
        self.db.execute(
            "UPDATE import_batches SET next_attempt_at = ?, leased_until = NULL, last_error = ? WHERE id = ?",
            [until, error, batch_id])

    def release_import_lease(self, batch_id: int) -> None:
        self.db.execute("UPDATE import_batches SET leased_until = NULL WHERE id = ?", [batch_id])

    def finish_import_batch(self, batch_id: int, *, state: str, error: str | None = None,
                            now: float | None = None) -> None:
        """`done` (no line pending) or `failed` (the cloud refused the whole batch)."""
        self.db.execute(
            "UPDATE import_batches SET state = ?, finished_at = ?, leased_until = NULL, "
            "next_attempt_at = NULL, last_error = COALESCE(?, last_error) WHERE id = ?",
            [state, now_or(now), error, batch_id])

    def import_lines(self, batch_id: int, *, problems_only: bool = False, offset: int = 0,
                     limit: int = 100) -> list[dict]:
        """Lines by line number; `problems_only`: the invalid and refused ones."""
        return list(self.query(
            f"SELECT * FROM import_lines WHERE batch_id = ? {_problems(problems_only)} "
            "ORDER BY line_no LIMIT ? OFFSET ?", [batch_id, limit, offset]))

    def count_import_lines(self, batch_id: int, *, problems_only: bool = False) -> int:
        return self.db.execute(
            f"SELECT COUNT(*) FROM import_lines WHERE batch_id = ? {_problems(problems_only)}",
            [batch_id]).fetchone()[0]

    def import_label_rows(self, batch_id: int) -> list[dict]:
        """The known devices of the batch's added and already-there lines that have a label code."""
        return list(self.query(
            "SELECT devices.* FROM import_lines JOIN devices USING (device_id) "
            "WHERE import_lines.batch_id = ? AND import_lines.result IN ('added', 'already') "
            "AND devices.label_code IS NOT NULL ORDER BY import_lines.line_no", [batch_id]))


def _problems(problems_only: bool) -> str:
    return f"AND result IN {PROBLEMS!r}" if problems_only else ""


def _recount(db, batch_id: int) -> None:
    """The batch's counters from its lines (inside the caller's transaction)."""
    counts = dict(db.execute(
        "SELECT result, COUNT(*) FROM import_lines WHERE batch_id = ? GROUP BY result", [batch_id]).fetchall())
    values = {name: counts.get(name, 0) for name in COUNTED}
    db.execute(
        "UPDATE import_batches SET processed = ?, added = ?, already = ?, invalid = ?, refused = ? WHERE id = ?",
        [sum(values.values()), *values.values(), batch_id])
