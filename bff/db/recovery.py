"""SQL for backups and for rebuilding after a lost disk (mixed into `bff.db.store.Store`).

- `backup_to`: SQLite's online backup API copies every page in one step while the server and
  the worker go on writing (WAL: the copy is the database as of one moment), into a temporary
  file next to the target that is checked, synced and renamed over it (a reader of the target
  never sees half a backup).
- `flask bff rebuild` (bff/imports/rebuild.py) writes devices through the ordinary queries and
  restores shadow customers here: each person (one derived person tag, bff/particle/customers.py)
  comes back as a user without a phone, whom `adopt_restored_person` gives the phone of the
  first sign-in whose derived usernames match.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from bff.db.transactions import now_or

_LIVE_SUFFIXES = ("", "-wal", "-shm", "-journal")
RECOVERY_TABLES = ("users", "shadow_customers", "devices", "claims")


class RecoveryQueries:
    """Queries of backups and rebuilds."""

    def backup_to(self, path: str | Path) -> int:
        """Write a consistent copy of the database to `path` (replaced atomically); its size in bytes.

        Raises ValueError when `path` is the live database (or one of its WAL files).
        """
        target = Path(path).resolve()
        if self.is_live_file(target):
            raise ValueError(f"{target} is the live database")
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        os.close(handle)
        try:
            self._copy_into(temp)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _sync_folder(target.parent)
        return target.stat().st_size

    def is_live_file(self, path: str | Path) -> bool:
        """Whether `path` is this database's file or one of its journal/WAL files."""
        live = Path(self.path).resolve()
        candidate = Path(path).resolve()
        return any(candidate == live.with_name(live.name + suffix) for suffix in _LIVE_SUFFIXES) or (
            candidate.exists() and live.exists() and os.path.samefile(candidate, live))

    def _copy_into(self, temp: str) -> None:
        """The online backup into `temp` as one self-contained file (no WAL), checked and synced."""
        source = sqlite3.connect(self.path, timeout=self.busy_timeout)
        copy = sqlite3.connect(temp)
        try:
            source.backup(copy)  # all pages in one step: one consistent read snapshot
            copy.execute("PRAGMA journal_mode = DELETE")
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"the backup copy failed its check: {verdict}")
        finally:
            copy.close()
            source.close()
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())

    def recovery_counts(self) -> dict[str, int]:
        """Rows of the tables a rebuild fills or a person made: {table: count}."""
        return {table: self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in RECOVERY_TABLES}

    def restore_shadow_customer(self, product_key: str, username: str, person_prefix: str | None,
                                *, person: int | None = None, now: float | None = None) -> tuple[int, bool] | None:
        """Put a cloud customer back as a confirmed shadow customer: (user id, a new person?).

        It becomes `person`'s (the user whose phone the name was derived from, if bff has them
        again), else joins the person who holds another of its person's usernames
        (`person_prefix`, derived names only), in either case unless they have a customer in
        this product; else a new user without a phone. None when bff has the username already.
        """
        stamp = now_or(now)
        with self.transaction():
            if self.shadow_customer_by_username(username):
                return None
            user_id = person if person and not self.shadow_customer(person, product_key) else None
            if user_id is None and person_prefix:
                user_id = self._person_with_prefix(person_prefix, product_key)
            created = user_id is None
            if created:
                user_id = self.create_user(now=stamp)
            self.db.execute(
                "INSERT INTO shadow_customers (user_id, product_key, username, created_at, confirmed_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [user_id, product_key, username, stamp, stamp],
            )
            return user_id, created

    def people_with_phones(self) -> list[dict]:
        """Every user with a phone number: {id, phone}."""
        return list(self.query("SELECT id, phone FROM users WHERE phone IS NOT NULL ORDER BY id"))

    def adopt_restored_person(self, phone: str, person_prefix: str) -> int | None:
        """Give `phone` to the restored person (no phone, no login) whose customers' usernames
        start with `person_prefix`, unless a user has that phone already; their id, or None."""
        with self.transaction():
            if self.user_by_phone(phone):
                return None
            row = self.db.execute(
                "SELECT users.id FROM users JOIN shadow_customers ON shadow_customers.user_id = users.id "
                "WHERE users.phone IS NULL AND users.login IS NULL "
                "AND shadow_customers.username >= ? AND shadow_customers.username < ? "
                "ORDER BY users.id LIMIT 1",
                [person_prefix, _after_prefix(person_prefix)],
            ).fetchone()
            if row is None:
                return None
            self.db.execute("UPDATE users SET phone = ? WHERE id = ? AND phone IS NULL", [phone, row[0]])
            return row[0]

    def _person_with_prefix(self, person_prefix: str, product_key: str) -> int | None:
        """The user holding a username that starts with `person_prefix` and none in the product."""
        row = self.db.execute(
            "SELECT user_id FROM shadow_customers WHERE username >= ? AND username < ? "
            "AND user_id NOT IN (SELECT user_id FROM shadow_customers WHERE product_key = ?) "
            "ORDER BY user_id LIMIT 1",
            [person_prefix, _after_prefix(person_prefix), product_key],
        ).fetchone()
        return row[0] if row else None


def _after_prefix(prefix: str) -> str:
    """The smallest string above every string that starts with `prefix` (a range on the index)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (where the platform allows it)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
