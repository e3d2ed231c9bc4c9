"""bff/db/store.py: migrations, WAL, per-thread connections and every query (a fresh file per test)."""
from __future__ import annotations

import sqlite3
import threading

import pytest

from bff.db.store import Store
from bff.redaction import redact
from bff.db.transactions import immediate_transaction
from bff.db.migrations import MIGRATIONS


def test_migrate_applies_every_migration_once(tmp_path):
    store = Store(tmp_path / "bff.sqlite3")
    assert store.schema_version() == 0
    assert store.migrate() == [version for version, _, _ in MIGRATIONS]
    assert store.migrate() == []
    assert Store(tmp_path / "bff.sqlite3").migrate() == []  # another process sees them applied
    assert store.schema_version() == MIGRATIONS[-1][0]
    rows = list(store.db.query("SELECT version, name FROM schema_migrations"))
    assert rows == [{"version": v, "name": n} for v, n, _ in MIGRATIONS]


def test_migrations_in_parallel_apply_once(tmp_path):
    path = tmp_path / "bff.sqlite3"
    results, errors = [], []

    def migrate():
        try:
            results.append(Store(path).migrate())
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(results) == 4
    # each migration runs in its own transaction, so several stores may share the work: what
    # matters is that every migration was applied exactly once, by someone
    applied = sorted(version for result in results for version in result)
    assert applied == [version for version, _, _ in MIGRATIONS]


def test_database_uses_wal_and_foreign_keys(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        store.reserve_shadow_customer(999, "widget", "nobody@example.invalid")


def test_each_thread_has_its_own_connection(store):
    user_id = store.create_user()
    seen, errors = {}, []

    def work():
        try:
            seen["connection"] = store.db.conn
            seen["user"] = store.user(user_id)
            store.record_heartbeat("worker")
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            errors.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=30)
    assert errors == [] and not thread.is_alive()
    assert seen["connection"] is not store.db.conn
    assert seen["user"]["id"] == user_id
    assert store.last_heartbeat("worker") is not None
    store.close()
    assert store.user(user_id)["id"] == user_id  # reopens after close


def test_ping_passes_on_a_usable_database_and_raises_on_a_broken_one(store, tmp_path):
    assert store.ping() is None

    empty = Store(tmp_path / "empty.sqlite3")  # never migrated: not bff's database
    with pytest.raises(sqlite3.OperationalError):
        empty.ping()
    empty.close()

    store.close()
    (tmp_path / "bff.sqlite3").write_bytes(b"this is not a database " * 1000)
    for leftover in ("bff.sqlite3-wal", "bff.sqlite3-shm"):
        (tmp_path / leftover).unlink(missing_ok=True)
    with pytest.raises(sqlite3.DatabaseError):
        store.ping()


# -- immediate_transaction: all or nothing -----------------------------------------------------------


def user_count(store) -> int:
    return store.db.execute("SELECT COUNT(*) FROM users").fetchone()[0]


def committed_user_count(store) -> int:
    """The users another connection sees (only what was committed)."""
    other = Store(store.path)
    try:
        return user_count(other)
    finally:
        other.close()


def test_an_exception_inside_a_transaction_rolls_all_of_it_back(store):
    before = user_count(store)
    with pytest.raises(RuntimeError):
        with immediate_transaction(store.db) as db:
            db.execute("INSERT INTO users (created_at) VALUES (1)")
            db.execute("INSERT INTO users (created_at) VALUES (2)")
            assert user_count(store) == before + 2  # written, inside
            raise RuntimeError("injected failure")

    assert user_count(store) == before and not store.db.conn.in_transaction
    with immediate_transaction(store.db) as db:  # the connection is usable at once
        db.execute("INSERT INTO users (created_at) VALUES (3)")
    assert committed_user_count(store) == before + 1  # committed: another connection sees it


def test_a_commit_that_fails_rolls_all_of_it_back(store):
    before = user_count(store)
    with pytest.raises(sqlite3.IntegrityError):
        with immediate_transaction(store.db) as db:
            db.execute("PRAGMA defer_foreign_keys = ON")  # the foreign key is checked at COMMIT
            db.execute("INSERT INTO users (created_at) VALUES (1)")
            db.execute("INSERT INTO shadow_customers (user_id, product_key, username, created_at) "
                       "VALUES (999, 'widget', 'nobody@example.invalid', 1)")

    assert user_count(store) == before and not store.db.conn.in_transaction
    assert store.db.execute("SELECT COUNT(*) FROM shadow_customers").fetchone()[0] == 0
    with immediate_transaction(store.db) as db:  # not stuck inside the failed transaction
        db.execute("INSERT INTO users (created_at) VALUES (3)")
    assert committed_user_count(store) == before + 1


def test_users(store):
    first, second = store.create_user(now=100.0), store.create_user()
    assert second != first
    assert store.user(first) == {"id": first, "created_at": 100.0, "phone": None, "role": "customer",
                                 "login": None, "password_hash": None, "ops_role": None,
                                 "disabled_at": None}
    assert store.user(12345) is None


def test_shadow_customer_is_one_per_user_and_product(store):
    user_id = store.create_user()
    row = store.reserve_shadow_customer(user_id, "widget", "a@x.invalid", now=5.0)
    assert (row["username"], row["confirmed_at"]) == ("a@x.invalid", None)
    # a second reservation (a race lost) returns the first username
    assert store.reserve_shadow_customer(user_id, "widget", "b@x.invalid")["username"] == "a@x.invalid"
    assert store.reserve_shadow_customer(user_id, "other", "c@x.invalid")["username"] == "c@x.invalid"
    store.confirm_shadow_customer("a@x.invalid", now=7.0)
    store.confirm_shadow_customer("a@x.invalid", now=9.0)  # the first confirmation stays
    assert store.shadow_customer(user_id, "widget")["confirmed_at"] == 7.0
    assert store.shadow_customer_by_username("c@x.invalid")["product_key"] == "other"
    assert store.shadow_customer(user_id, "missing") is None


def test_usernames_are_unique_across_users(store):
    first, second = store.create_user(), store.create_user()
    store.reserve_shadow_customer(first, "widget", "same@x.invalid")
    assert store.reserve_shadow_customer(second, "widget", "same@x.invalid") is None  # name it otherwise
    assert store.shadow_customer_by_username("same@x.invalid")["user_id"] == first


def test_customer_token_cache(store):
    store.save_customer_token("widget", "a@x.invalid", "tok-1", expires_at=1000.0, now=1.0)
    assert store.customer_token("widget", "a@x.invalid", valid_at=999.0) == "tok-1"
    assert store.customer_token("widget", "a@x.invalid", valid_at=1000.0) is None
    assert store.customer_token("other", "a@x.invalid", valid_at=0.0) is None
    store.save_customer_token("widget", "a@x.invalid", "tok-2", expires_at=None)
    assert store.customer_token("widget", "a@x.invalid", valid_at=1e12) == "tok-2"  # never expires
    store.forget_customer_token("widget", "a@x.invalid", "tok-1")  # not the cached one any more
    assert store.customer_token("widget", "a@x.invalid", valid_at=0.0) == "tok-2"
    store.forget_customer_token("widget", "a@x.invalid", "tok-2")
    assert store.customer_token("widget", "a@x.invalid", valid_at=0.0) is None


def test_product_token_cache(store):
    store.save_product_token("widget", "p-1", expires_at=50.0)
    assert store.product_token("widget", valid_at=10.0) == "p-1"
    assert store.product_token("widget", valid_at=60.0) is None
    store.save_product_token("widget", "p-2", expires_at=500.0)
    store.forget_product_token("widget", "p-1")
    assert store.product_token("widget", valid_at=60.0) == "p-2"
    store.forget_product_token("widget")
    assert store.product_token("widget", valid_at=0.0) is None


def test_product_info_cache(store):
    assert store.product_info("widget") is None
    store.save_product_info("widget", id=4, slug="widget", name="Widget", platform_id=10, now=3.0)
    assert store.product_info("widget") == {"key": "widget", "id": 4, "slug": "widget",
                                            "name": "Widget", "platform_id": 10, "fetched_at": 3.0}


def test_devices_are_stored_lower_case_and_updated_in_part(store):
    store.upsert_device("0123456789ABCDEF01234567", product_key="widget", platform_id=10, now=1.0)
    store.upsert_device("0123456789abcdef01234567", name="pump", now=2.0)
    device = store.device("0123456789ABCDEF01234567")
    assert device["device_id"] == "0123456789abcdef01234567"
    assert (device["product_key"], device["platform_id"], device["name"]) == ("widget", 10, "pump")
    assert (device["created_at"], device["updated_at"]) == (1.0, 2.0)
    store.set_device_online("0123456789abcdef01234567", True, at=3.0)
    assert store.device("0123456789abcdef01234567")["online"] == 1
    assert store.device("0123456789abcdef01234567")["last_seen_at"] == 3.0
    store.upsert_device("ffffffffffffffffffffffff", product_key="other")
    assert [d["device_id"] for d in store.devices("widget")] == ["0123456789abcdef01234567"]
    assert len(store.devices()) == 2
    with pytest.raises(ValueError):
        store.upsert_device("0123456789abcdef01234567", access_token="x")


def test_cloud_call_log_redacts_secrets(store):
    store.log_cloud_call(method="GET", path="/v1/devices?access_token=s3cret&page=2", status=401,
                         ms=12.345, error='{"access_token": "s3cret"} Bearer s3cret client_secret=s3cret',
                         product_key="widget", customer="a@x.invalid",
                         device_id="0123456789ABCDEF01234567", at=10.0)
    (row,) = store.cloud_calls()
    assert "s3cret" not in repr(row)
    assert row["path"] == "/v1/devices?access_token=REDACTED&page=2"
    assert row["ms"] == 12.3
    assert row["device_id"] == "0123456789abcdef01234567"
    assert (row["status"], row["product_key"], row["customer"]) == (401, "widget", "a@x.invalid")


def test_cloud_call_log_queries(store):
    store.log_cloud_call(method="GET", path="/a", status=200, ms=1, at=1.0)
    store.log_cloud_call(method="POST", path="/b", status=500, ms=1, error="boom", at=2.0,
                         device_id="0123456789abcdef01234567")
    store.log_cloud_call(method="GET", path="/c", status=200, ms=1, at=3.0)
    assert [r["path"] for r in store.cloud_calls()] == ["/c", "/b", "/a"]
    assert [r["path"] for r in store.cloud_calls(limit=1)] == ["/c"]
    assert [r["path"] for r in store.cloud_calls(failed_only=True)] == ["/b"]
    assert [r["path"] for r in store.cloud_calls(device_id="0123456789ABCDEF01234567")] == ["/b"]
    assert store.prune_cloud_calls(before=2.5) == 2
    assert [r["path"] for r in store.cloud_calls()] == ["/c"]


def test_heartbeats(store):
    assert store.last_heartbeat("worker") is None
    assert store.seconds_since_heartbeat("worker") is None
    store.record_heartbeat("worker", now=100.0)
    store.record_heartbeat("worker", now=110.0)
    assert store.last_heartbeat("worker") == 110.0
    assert store.seconds_since_heartbeat("worker", now=125.0) == 15.0


@pytest.mark.parametrize("text, expected", [
    ("/v1/x?access_token=abc", "/v1/x?access_token=REDACTED"),
    ("grant_type=password&password=hunter2&x=1", "grant_type=password&password=REDACTED&x=1"),
    ('{"refresh_token": "r1", "ok": true}', '{"refresh_token": "REDACTED", "ok": true}'),
    ("Authorization: Basic Y2xpZW50OnNlY3JldA==", "Authorization: Basic REDACTED"),
    ("device not found", "device not found"),
    (None, None),
])
def test_redact(text, expected):
    assert redact(text) == expected


def test_a_new_thread_takes_the_connection_a_finished_thread_left(store):
    import threading

    seen = []

    def request() -> None:
        seen.append(id(store.db.conn))
        store.query("SELECT 1")

    for _ in range(3):  # one after another, as a development server's request threads
        thread = threading.Thread(target=request)
        thread.start()
        thread.join()

    assert len(set(seen)) == 1
