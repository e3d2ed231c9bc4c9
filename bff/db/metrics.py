"""SQL for `/metrics`: counts read from the database at scrape time (mixed into `Store`).

Read from SQLite rather than counted in memory, so that every process of a deployment (gunicorn
workers, the worker, the CLI) is counted, and a restart loses nothing.
"""
from __future__ import annotations


class MetricsQueries:
    """Grouped counts for bff/ops/metrics.py; each returns [(labels..., count)]."""

    def claim_counts(self) -> list[tuple[str, str, int]]:
        """(state, channel, claims)."""
        return [tuple(row) for row in self.db.execute(
            "SELECT state, channel, COUNT(*) FROM claims GROUP BY state, channel").fetchall()]

    def cloud_call_counts(self, *, since: float) -> list[tuple[str, int]]:
        """(status class "2xx".."5xx" or "none", calls) for calls at or after `since`."""
        self.flush_cloud_calls()
        return [tuple(row) for row in self.db.execute(
            "SELECT CASE WHEN status IS NULL THEN 'none' ELSE (status / 100) || 'xx' END, COUNT(*) "
            "FROM cloud_calls WHERE at >= ? GROUP BY 1", [since]).fetchall()]

    def sms_counts(self) -> list[tuple[str, str, int]]:
        """(direction "in"|"out", status, messages)."""
        rows = self.db.execute(
            "SELECT 'in', status, COUNT(*) FROM inbound_sms GROUP BY status "
            "UNION ALL SELECT 'out', status, COUNT(*) FROM outbound_sms GROUP BY status").fetchall()
        return [tuple(row) for row in rows]

    def queue_lengths(self, *, now: float) -> dict[str, int]:
        """Work waiting: open claims, claims due now, SMS to send, SMS answers in progress, imports."""
        one = lambda sql, *args: self.db.execute(sql, args).fetchone()[0]  # noqa: E731
        return {
            "claims_open": one("SELECT COUNT(*) FROM claims WHERE state IN ('requested', 'waiting_for_device')"),
            "claims_due": one("SELECT COUNT(*) FROM claims WHERE state IN ('requested', 'waiting_for_device') "
                              "AND COALESCE(next_attempt_at, 0) <= ?", now),
            "sms_out_queued": one("SELECT COUNT(*) FROM outbound_sms WHERE status = 'queued'"),
            "sms_in_working": one("SELECT COUNT(*) FROM inbound_sms WHERE status IN ('received', 'working')"),
            "import_batches": one("SELECT COUNT(*) FROM import_batches WHERE state IN ('queued', 'running')"),
        }
