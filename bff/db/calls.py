"""SQL for the cloud-call log: one row per request to the cloud, read back by `/ops/calls` (mixed into `Store`).

Speed over a million rows: every read is newest first (`ORDER BY id DESC LIMIT n`) and each filter
has an index that walks in that order (migrations 7 and 8): (device_id, id), (customer, id),
(status, id), (product_key, id), and the partial indexes of failed and of ok calls. A time range
becomes a range of ids (the log is written in time order, give or take a few milliseconds between
processes), found on the index of `at`, so it narrows whichever index the other filters use. tests/db/test_db_calls.py checks every plan.

Never a token or a secret: paths, errors and replies go through `redact` before they are stored.

Written in batches: `log_cloud_call` keeps the row in memory and a thread of the Store writes what
is waiting every `CALL_LOG_FLUSH_SECONDS` in one transaction (a write transaction per cloud call
was a fifth of a claim's database work). Every read in this process writes what is waiting first,
so it sees its own calls at once; other processes see them within the flush interval; a process
killed with `kill -9` loses at most that interval of log rows (never a claim: the log is a record
for support, not state bff acts on).
"""
from __future__ import annotations

import logging
import threading

from bff.redaction import redact
from bff.db.transactions import now_or

logger = logging.getLogger(__name__)
CALL_LOG_FLUSH_SECONDS = 0.5
_INSERT_CALL = ("INSERT INTO cloud_calls (at, method, path, status, ms, error, product_key, customer, "
                "device_id, reply) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

ERROR_TEXT_LIMIT = 1000  # characters of an error kept in the cloud-call log
REPLY_TEXT_LIMIT = 2000  # characters of a failed call's raw reply kept
CSV_ROW_LIMIT = 10_000  # rows of one CSV download
# Rows are written in time order, give or take the processes racing to write: a time range's ids
# are looked up this much wider (in time, and over this many rows at its edge), and the times
# themselves are then checked exactly.
ID_RANGE_SLACK_SECONDS = 300.0
ID_RANGE_SLACK_ROWS = 1000

# Secrets that must never reach the cloud-call log, whatever a caller passes in.
class CallQueries:
    """Queries of the cloud-call log (bff/particle/http.py writes it, bff/ops/calls.py reads it)."""

    def log_cloud_call(self, *, method: str, path: str, status: int | None, ms: float,
                       error: str | None = None, product_key: str | None = None,
                       customer: str | None = None, device_id: str | None = None,
                       reply: str | None = None, at: float | None = None) -> None:
        """One row per request to the cloud; `reply`: the raw reply of a failed call (never a
        successful token reply). Token and secret values are redacted, long texts cut."""
        if error is not None:
            error = redact(error)[:ERROR_TEXT_LIMIT]
        if reply is not None:
            reply = redact(reply)[:REPLY_TEXT_LIMIT]
        row = (now_or(at), method, redact(path), status, round(ms, 1), error, product_key, customer,
               device_id.lower() if device_id else None, reply)
        self._call_log.add(row, self)

    def flush_cloud_calls(self) -> int:
        """Write the log rows waiting in memory (one transaction); returns how many."""
        rows = self._call_log.take()
        if rows:
            with self.transaction():
                self.db.conn.executemany(_INSERT_CALL, rows)
        return len(rows)

    def cloud_calls(self, *, limit: int = 100, failed_only: bool = False, device_id: str | None = None,
                    customers: list[str] | None = None, status: str | int | None = None,
                    product_key: str | None = None, since: float | None = None,
                    until: float | None = None, before_id: int | None = None) -> list[dict]:
        """The newest cloud calls first. Filters (all optional, combined with AND): `failed_only`
        (calls with an error), `device_id`, `customers` (shadow-customer usernames), `status`
        ("ok", "failed", "none" for no answer, or an HTTP status), `product_key`, `since` <= at <
        `until`, id < `before_id` (the next page)."""
        self.flush_cloud_calls()
        where, params = self._call_filters(
            failed_only=failed_only, device_id=device_id, customers=customers, status=status,
            product_key=product_key, since=since, until=until, before_id=before_id)
        sql, params = self.cloud_calls_sql(where, params, limit)
        return list(self.query(sql, params))

    @staticmethod
    def cloud_calls_sql(where: list[str], params: list, limit: int) -> tuple[str, list]:
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        return f"SELECT * FROM cloud_calls {clause}ORDER BY id DESC LIMIT ?", [*params, limit]

    def _call_filters(self, *, failed_only=False, device_id=None, customers=None, status=None,
                      product_key=None, since=None, until=None, before_id=None) -> tuple[list[str], list]:
        """The WHERE terms and their parameters; only the filters given appear, so SQLite can
        pick the index of each (an `? IS NULL OR ...` term would defeat every index)."""
        where, params = [], []

        def add(term: str, *values) -> None:
            where.append(term)
            params.extend(values)

        if device_id:
            add("device_id = ?", device_id.lower())
        if customers is not None:
            names = list(customers) or [""]  # a person without customers: no calls, not every call
            add(f"customer IN ({', '.join('?' * len(names))})", *names)
        if product_key:
            add("product_key = ?", product_key)
        narrow = bool(device_id) or customers is not None
        for term, values in _status_terms(status, failed_only, narrow=narrow):
            add(term, *values)
        for term, value in self._id_range(since, until, before_id):
            add(term, value)
        if since is not None:
            add("at >= ?", since)
        if until is not None:
            add("at < ?", until)
        return where, params

    def _id_range(self, since, until, before_id) -> list[tuple[str, int]]:
        """A time range as ids (on the index of `at`), plus the page's upper bound."""
        terms = []
        if since is not None:
            row = self.db.execute(
                "SELECT MIN(id) FROM (SELECT id FROM cloud_calls WHERE at >= ? ORDER BY at LIMIT ?)",
                [since - ID_RANGE_SLACK_SECONDS, ID_RANGE_SLACK_ROWS]).fetchone()
            terms.append(("id >= ?", 2 ** 62 if row[0] is None else row[0]))
        if until is not None:
            row = self.db.execute(
                "SELECT MAX(id) FROM (SELECT id FROM cloud_calls WHERE at < ? ORDER BY at DESC LIMIT ?)",
                [until + ID_RANGE_SLACK_SECONDS, ID_RANGE_SLACK_ROWS]).fetchone()
            terms.append(("id <= ?", 0 if row[0] is None else row[0]))
        if before_id is not None:
            terms.append(("id < ?", int(before_id)))
        return terms

    def count_failed_calls(self, *, product_key: str, since: float) -> int:
        """Calls with an error in a product since `since` (the home page's "cloud errors")."""
        self.flush_cloud_calls()
        where, params = self._call_filters(product_key=product_key, status="failed", since=since)
        return self.db.execute(f"SELECT COUNT(*) FROM cloud_calls WHERE {' AND '.join(where)}",
                               params).fetchone()[0]

    def prune_cloud_calls(self, *, before: float) -> int:
        """Delete log rows older than `before`; returns how many went."""
        self.flush_cloud_calls()
        return self.db.execute("DELETE FROM cloud_calls WHERE at < ?", [before]).rowcount

    def explain_cloud_calls(self, limit: int = 50, **filters) -> list[str]:
        """SQLite's plan for `cloud_calls(**filters)`, one line per step (for the index tests)."""
        where, params = self._call_filters(**filters)
        sql, params = self.cloud_calls_sql(where, params, limit)
        return [row[3] for row in self.db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()]


def _status_terms(status, failed_only: bool, *, narrow: bool = False) -> list[tuple[str, tuple]]:
    """ok: no error; failed: an error; none: no answer (time-out, connection); else an HTTP status.

    `narrow`: a device or person filter is there too. Its index finds a few rows; SQLite (without
    ANALYZE statistics) would rather walk the (status, id) index through every call with that
    status (~0.4 s at a million rows), so `+status` keeps that index out of the plan."""
    terms = [("error IS NOT NULL", ())] if failed_only else []
    if status in (None, ""):
        return terms
    known = {"ok": "error IS NULL", "failed": "error IS NOT NULL", "none": "status IS NULL"}
    if status in known:
        return [*terms, (known[status], ())]
    return [*terms, ("+status = ?" if narrow else "status = ?", (int(status),))]


class CallLogBuffer:
    """Cloud-call log rows waiting to be written, and the thread that writes them (started at the
    first row, ended by `stop`)."""

    def __init__(self, interval: float = CALL_LOG_FLUSH_SECONDS) -> None:
        self.interval = interval
        self._rows: list[tuple] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, row: tuple, store) -> None:
        with self._lock:
            self._rows.append(row)
            if self._thread is None:
                self._stopping.clear()
                self._thread = threading.Thread(target=self._run, args=(store,), daemon=True,
                                                name="bff-call-log")
                self._thread.start()

    def take(self) -> list[tuple]:
        with self._lock:
            rows, self._rows = self._rows, []
        return rows

    def _run(self, store) -> None:
        while not self._stopping.wait(self.interval):
            try:
                store.flush_cloud_calls()
            except Exception:  # the log must never take bff down; the rows are lost, said so
                logger.exception("cloud-call log rows not written")

    def stop(self) -> None:
        """End the writing thread (the caller flushes what is left)."""
        with self._lock:
            thread, self._thread = self._thread, None
        self._stopping.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
