"""The cloud-call log is written in batches (bff/db/calls.py `CallLogBuffer`): a process reads its
own calls at once, another process sees them within the flush interval, nothing waits at close."""
from __future__ import annotations

import sqlite3
import time

from bff.db import Store
from bff.db.calls import CALL_LOG_FLUSH_SECONDS


def _log(store, n: int = 1) -> None:
    for i in range(n):
        store.log_cloud_call(method="GET", path=f"/v1/devices/{i}", status=200, ms=1.0)


def _rows_on_disk(store) -> int:
    with sqlite3.connect(store.path) as other_process:
        return other_process.execute("SELECT COUNT(*) FROM cloud_calls").fetchone()[0]


def test_a_call_is_read_back_at_once_in_the_same_process(store):
    _log(store, 3)

    assert [row["path"] for row in store.cloud_calls()] == [f"/v1/devices/{i}" for i in (2, 1, 0)]


def test_other_processes_see_the_calls_within_the_flush_interval(store):
    _log(store, 5)
    deadline = time.monotonic() + CALL_LOG_FLUSH_SECONDS * 10
    while _rows_on_disk(store) < 5 and time.monotonic() < deadline:
        time.sleep(CALL_LOG_FLUSH_SECONDS / 5)

    assert _rows_on_disk(store) == 5


def test_many_calls_are_one_write(store):
    statements = []
    _log(store, 50)
    store.db.conn.set_trace_callback(statements.append)
    try:
        store.flush_cloud_calls()
    finally:
        store.db.conn.set_trace_callback(None)

    assert sum(s.startswith("INSERT INTO cloud_calls") for s in statements) == 50
    assert sum(s.startswith(("BEGIN", "COMMIT")) for s in statements) == 2


def test_closing_the_store_writes_what_waits(tmp_path):
    store = Store(tmp_path / "bff.sqlite3")
    store.migrate()
    store._call_log.interval = 3600  # the writing thread would not get to it
    _log(store, 2)
    store.close()

    assert _rows_on_disk(store) == 2


def test_health_and_failures_counts_include_waiting_calls(store):
    store.log_cloud_call(method="POST", path="/v1/devices", status=403, ms=2.0, error="Forbidden",
                         product_key="widget", at=time.time())

    assert store.count_failed_calls(product_key="widget", since=time.time() - 60) == 1

