"""The only SQL in bff: one SQLite file in WAL mode, reached through sqlite-utils.

`Store(path)` opens one connection per thread (request threads and the worker share a Store)
with foreign keys on, a busy timeout and synchronous=NORMAL; `migrate()` applies the numbered
migrations of bff/db/migrations/ not yet recorded in `schema_migrations`. Every query is a named
method of Store (here or in its mixins bff/db/accounts.py, claims.py, messages.py, wifi_setup.py); the
rest of bff never writes SQL.

Conventions: times are Unix epoch seconds (REAL, UTC) in columns named `*_at`; methods take
an optional `now` so callers with their own clock (and tests) stay in control. Device IDs are
stored lower case. Rows come back as plain dicts.
"""
from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlite_utils

from bff.db.accounts import AccountQueries
from bff.db.calls import CallLogBuffer, CallQueries
from bff.db.claims import ClaimQueries
from bff.db.console import ConsoleQueries
from bff.db.devices import DeviceQueries, check_device_fields, device_upsert_sql, stored_value
from bff.db.field import FieldQueries
from bff.db.imports import ImportQueries
from bff.db.lifecycle import LifecycleQueries
from bff.db.messages import MessageQueries
from bff.db.metrics import MetricsQueries
from bff.db.modes import ModeQueries
from bff.db.operators import OperatorQueries
from bff.db.people import PeopleQueries
from bff.db.recovery import RecoveryQueries
from bff.db.sessions import SessionQueries
from bff.db.transactions import first_row, immediate_transaction, now_or
from bff.db.webhooks import WebhookQueries
from bff.db.wifi_setup import SetupQueries
from bff.db.migrations import MIGRATIONS
from bff.db.number_changes import NumberChangeQueries
from bff.db.serials import SerialQueries

logger = logging.getLogger(__name__)
BUSY_TIMEOUT_SECONDS = 10.0


class Store(AccountQueries, CallQueries, ClaimQueries, ConsoleQueries, DeviceQueries, FieldQueries,
            ImportQueries, LifecycleQueries, MessageQueries, MetricsQueries, ModeQueries, NumberChangeQueries,
            OperatorQueries, PeopleQueries, RecoveryQueries, SerialQueries, SessionQueries, SetupQueries, WebhookQueries):
    """bff's SQLite database: schema migrations and every query bff runs.

    Queries of one area live in a mixin of their own (bff/db/accounts.py, calls.py, claims.py,
    messages.py, wifi_setup.py, ...); the core ones (users, customers, tokens, devices) are here.
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = str(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        # Weak: a thread's connection is closed when the thread ends (request threads come and go).
        self._databases: weakref.WeakSet[sqlite_utils.Database] = weakref.WeakSet()
        self._databases_lock = threading.Lock()
        self._spares: list[sqlite_utils.Database] = []  # connections of threads that ended
        self._writer = threading.Lock()  # see _turn_to_write
        self._call_log = CallLogBuffer()  # cloud-call log rows written in batches (bff/db/calls.py)
        atexit.register(_flush_at_exit, weakref.ref(self))

    # -- connections and schema ---------------------------------------------------------------

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection: a spare one a finished thread left, else a new one. Request
        threads come and go (`flask bff serve` makes one per request): opening a connection and
        setting it up costs more than the queries of a small request."""
        database = getattr(self._local, "db", None)
        if database is None:
            database = self._spare_connection() or self._open()
            self._local.db = database
            self._local.hold = _ConnectionHold(database, self._spares)
        return database

    def _spare_connection(self) -> sqlite_utils.Database | None:
        try:
            return self._spares.pop()
        except IndexError:
            return None

    def _open(self) -> sqlite_utils.Database:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False only so that close() may close every thread's connection;
        # each connection is still used by the one thread that opened it.
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, check_same_thread=False)
        database = sqlite_utils.Database(conn, execute_plugins=False)
        database.execute("PRAGMA foreign_keys = ON")
        if database.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            database.enable_wal()
        # In WAL mode NORMAL loses nothing when the process dies (kill -9); only a power cut
        # can take the last commits. It saves an fsync per commit (claims stay fast).
        database.execute("PRAGMA synchronous = NORMAL")
        with self._databases_lock:
            self._databases.add(database)
        return database

    def query(self, sql: str, params=()) -> Iterator[dict]:
        """Rows of a SELECT as dicts, executed at once, read lazily. sqlite-utils' `db.query` does
        the same inside a SAVEPOINT (guarding against statements that return no rows): two more
        statements for each read, a fifth of the SQL of a claim, for a guard bff's reads never need."""
        return _dict_rows(self.db.conn.execute(sql, params if params is not None else ()))

    def close(self) -> None:
        """Write the waiting log rows, then close every connection this Store opened (any
        thread); it reopens on next use."""
        self._call_log.stop()
        try:
            self.flush_cloud_calls()
        except sqlite3.Error:
            logger.exception("cloud-call log rows not written at close")
        with self._databases_lock:
            databases = list(self._databases)
            self._databases = weakref.WeakSet()
            self._spares = []  # a hold dropped later gives its (closed) connection to the old list
        for database in databases:
            database.close()
        self._local = threading.local()

    @contextmanager
    def transaction(self):
        """One write transaction for several queries (`BEGIN IMMEDIATE`): all of them or none.
        Inside another `transaction()` of this thread it joins that one."""
        if self.db.conn.in_transaction:
            yield self
            return
        with self._turn_to_write(), immediate_transaction(self.db):
            yield self

    @contextmanager
    def _turn_to_write(self):
        """This process's threads take turns for SQLite's one write lock here, in order, instead
        of each sleeping in SQLite's busy handler (which backs off up to 100 ms a try: a burst of
        claims or texts then waits on sleep, not on work). Other processes still meet at SQLite's
        lock. Waiting longer than the busy timeout fails as SQLite itself would."""
        if not self._writer.acquire(timeout=self.busy_timeout):
            raise sqlite3.OperationalError("database is locked (another thread of this process kept writing)")
        try:
            yield
        finally:
            self._writer.release()

    def migrate(self) -> list[int]:
        """Apply pending schema migrations in order; return the versions applied (safe to repeat).

        Each migration runs in its own `BEGIN IMMEDIATE` transaction, so two processes starting
        together (server and worker) apply each one exactly once.
        """
        db = self.db
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
        )
        applied = []
        for version, name, apply in MIGRATIONS:
            db.execute("BEGIN IMMEDIATE")
            try:
                done = db.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", [version]
                ).fetchone()
                if not done:
                    apply(db)
                    db.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        [version, name, time.time()],
                    )
                    applied.append(version)
                db.execute("COMMIT")
            except BaseException:
                db.rollback()
                raise
        return applied

    def schema_version(self) -> int:
        """The highest migration applied (0 for an empty database)."""
        if not self.db["schema_migrations"].exists():
            return 0
        return self.db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]

    def ping(self) -> None:
        """Raise if the database cannot answer a query (health check)."""
        self.db.execute("SELECT 1 FROM schema_migrations LIMIT 1").fetchall()

    # -- users and shadow customers --------------------------------------------------------------

    def create_user(self, *, now: float | None = None) -> int:
        """A new user; returns its id."""
        cursor = self.db.execute("INSERT INTO users (created_at) VALUES (?)", [now_or(now)])
        return cursor.lastrowid

    def user(self, user_id: int) -> dict | None:
        return first_row(self.query("SELECT * FROM users WHERE id = ?", [user_id]))

    def shadow_customer(self, user_id: int, product_key: str) -> dict | None:
        """The user's shadow customer in a product: {username, confirmed_at, ...}, or None."""
        return first_row(self.query(
            "SELECT * FROM shadow_customers WHERE user_id = ? AND product_key = ?",
            [user_id, product_key],
        ))

    def shadow_customer_by_username(self, username: str) -> dict | None:
        return first_row(self.query("SELECT * FROM shadow_customers WHERE username = ?", [username]))

    def reserve_shadow_customer(self, user_id: int, product_key: str, username: str,
                                *, now: float | None = None) -> dict | None:
        """Record `username` as the user's customer in the product, unless one is recorded already.

        Returns the row that holds: the existing one if another thread or process won the race;
        None when another user holds `username` (the caller names the customer otherwise).
        Stored before the cloud is asked, so a crash in between cannot make a second username.
        """
        self.db.execute(
            "INSERT INTO shadow_customers (user_id, product_key, username, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [user_id, product_key, username, now_or(now)],
        )
        return self.shadow_customer(user_id, product_key)

    def confirm_shadow_customer(self, username: str, *, now: float | None = None) -> None:
        """The cloud knows this customer (created, or found already there)."""
        self.db.execute(
            "UPDATE shadow_customers SET confirmed_at = ? WHERE username = ? AND confirmed_at IS NULL",
            [now_or(now), username],
        )

    # -- token caches ------------------------------------------------------------------------------

    def customer_token(self, product_key: str, username: str, *, valid_at: float) -> str | None:
        """The cached customer token if it is still valid at `valid_at` (never-expiring counts)."""
        row = self.db.execute(
            "SELECT access_token FROM customer_tokens WHERE product_key = ? AND username = ? "
            "AND (expires_at IS NULL OR expires_at > ?)",
            [product_key, username, valid_at],
        ).fetchone()
        return row[0] if row else None

    def save_customer_token(self, product_key: str, username: str, access_token: str,
                            expires_at: float | None, *, now: float | None = None) -> None:
        self.db.execute(
            "INSERT INTO customer_tokens (product_key, username, access_token, expires_at, minted_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (product_key, username) DO UPDATE SET "
            "access_token = excluded.access_token, expires_at = excluded.expires_at, "
            "minted_at = excluded.minted_at",
            [product_key, username, access_token, expires_at, now_or(now)],
        )

    def forget_customer_token(self, product_key: str, username: str,
                              access_token: str | None = None) -> None:
        """Drop the cached token (only if it is still `access_token`, when given)."""
        self.db.execute(
            "DELETE FROM customer_tokens WHERE product_key = ? AND username = ? "
            "AND (? IS NULL OR access_token = ?)",
            [product_key, username, access_token, access_token],
        )

    def product_token(self, product_key: str, *, valid_at: float) -> str | None:
        row = self.db.execute(
            "SELECT access_token FROM product_tokens WHERE product_key = ? "
            "AND (expires_at IS NULL OR expires_at > ?)",
            [product_key, valid_at],
        ).fetchone()
        return row[0] if row else None

    def save_product_token(self, product_key: str, access_token: str, expires_at: float | None,
                           *, now: float | None = None) -> None:
        self.db.execute(
            "INSERT INTO product_tokens (product_key, access_token, expires_at, minted_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (product_key) DO UPDATE SET "
            "access_token = excluded.access_token, expires_at = excluded.expires_at, "
            "minted_at = excluded.minted_at",
            [product_key, access_token, expires_at, now_or(now)],
        )

    def forget_product_token(self, product_key: str, access_token: str | None = None) -> None:
        self.db.execute(
            "DELETE FROM product_tokens WHERE product_key = ? AND (? IS NULL OR access_token = ?)",
            [product_key, access_token, access_token],
        )

    # -- products --------------------------------------------------------------------------------

    def product_info(self, product_key: str) -> dict | None:
        """Cached product facts: {key, id, slug, name, platform_id, fetched_at}, or None."""
        return first_row(self.query("SELECT * FROM products WHERE key = ?", [product_key]))

    def save_product_info(self, product_key: str, *, id: int | None, slug: str | None,
                          name: str | None, platform_id: int | None,
                          now: float | None = None) -> None:
        self.db["products"].upsert(
            {"key": product_key, "id": id, "slug": slug, "name": name,
             "platform_id": platform_id, "fetched_at": now_or(now)},
            pk="key",
        )

    # -- known devices -----------------------------------------------------------------------------

    def upsert_device(self, device_id: str, *, now: float | None = None, **fields) -> None:
        """Create or update a known device; only the fields given change (DEVICE_COLUMNS, bff/db/devices.py)."""
        check_device_fields(fields)
        stamp = now_or(now)
        self.db.execute(device_upsert_sql(list(fields), only_if_changed=False),
                        [device_id.lower(), *(stored_value(name, value) for name, value in fields.items()),
                         stamp, stamp])

    def device(self, device_id: str) -> dict | None:
        return first_row(self.query("SELECT * FROM devices WHERE device_id = ?", [device_id.lower()]))

    def devices(self, product_key: str | None = None) -> list[dict]:
        """Known devices, of one product or all, by device ID."""
        return list(self.query(
            "SELECT * FROM devices WHERE ? IS NULL OR product_key = ? ORDER BY device_id",
            [product_key, product_key],
        ))

    def set_device_online(self, device_id: str, online: bool, *, at: float | None = None) -> None:
        """Record a device's online state as seen at `at` (e.g. from a spark/status event)."""
        stamp = now_or(at)
        self.upsert_device(device_id, online=online, last_seen_at=stamp, now=stamp)

    # -- heartbeats ------------------------------------------------------------------------------

    def record_heartbeat(self, name: str, *, now: float | None = None) -> None:
        self.db.execute(
            "INSERT INTO heartbeats (name, at) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET at = excluded.at",
            [name, now_or(now)],
        )

    def last_heartbeat(self, name: str) -> float | None:
        row = self.db.execute("SELECT at FROM heartbeats WHERE name = ?", [name]).fetchone()
        return row[0] if row else None

    def seconds_since_heartbeat(self, name: str, *, now: float | None = None) -> float | None:
        """Age of the last heartbeat of `name`, or None if it never beat."""
        last = self.last_heartbeat(name)
        return None if last is None else max(0.0, now_or(now) - last)


def _dict_rows(cursor: sqlite3.Cursor) -> Iterator[dict]:
    """The cursor's rows as dicts; the cursor is closed once read (or when the reader stops)."""
    try:
        names = [column[0] for column in cursor.description]
        for row in cursor:
            yield dict(zip(names, row))
    finally:
        cursor.close()


def _flush_at_exit(store_ref: weakref.ref) -> None:
    """At a clean exit, write the cloud-call log rows still in memory."""
    store = store_ref()
    if store is not None:
        try:
            store.flush_cloud_calls()
        except Exception:  # exiting: nothing more to do than say so
            logger.exception("cloud-call log rows not written at exit")


class _ConnectionHold:
    """A thread's hold on its connection, kept in the thread's locals: when the thread ends its
    locals go, and the connection goes to the spares for the next new thread (rolled back first
    if the thread left a transaction open)."""

    def __init__(self, database: sqlite_utils.Database, spares: list) -> None:
        weakref.finalize(self, _give_back, database, spares)


def _give_back(database: sqlite_utils.Database, spares: list) -> None:
    try:
        if database.conn.in_transaction:
            database.conn.rollback()
    except sqlite3.Error:  # closed by Store.close(): nothing to keep
        return
    spares.append(database)
