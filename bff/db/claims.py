"""SQL for claims and label codes (mixed into `bff.db.store.Store`)."""
from __future__ import annotations

import itertools
import sqlite3
from typing import Callable, Iterable

from bff.db.transactions import first_row, now_or

OPEN_STATES = ("requested", "waiting_for_device")
_OPEN = "state IN ('requested', 'waiting_for_device')"
LABEL_CODE_TRIES = 20  # a new code colliding this often means the generator is broken
# An open claim of the device, or the user's successful claim of a device they still own.
_CLAIM_EXISTS = (
    f"SELECT 1 FROM claims WHERE device_id = ? AND {_OPEN} UNION ALL "
    "SELECT 1 FROM claims JOIN devices USING (device_id) JOIN shadow_customers "
    "ON shadow_customers.username = devices.owner AND shadow_customers.user_id = claims.user_id "
    "WHERE claims.device_id = ? AND claims.user_id = ? AND claims.state = 'claimed' UNION ALL "
    # a device being moved (removed, given) may be claimed only by the person it is moving to
    "SELECT 1 FROM moves WHERE device_id = ? AND state IN ('requested', 'released') "
    "AND COALESCE(to_user_id, -1) != ?"
)
# a switch's claim (the owner in bff is the claimer) waits only for open claims and moves
_SWITCH_CLAIM_BLOCKED = (
    f"SELECT 1 FROM claims WHERE device_id = ? AND {_OPEN} UNION ALL "
    "SELECT 1 FROM moves WHERE device_id = ? AND state IN ('requested', 'released')"
)


class ClaimQueries:
    """Queries of claims.py: the claim state machine's rows, label codes of known devices."""

    # -- claims ----------------------------------------------------------------------------------

    def insert_claim(self, *, device_id: str, product_key: str, user_id: int, channel: str,
                     actor_user_id: int | None, now: float | None = None) -> int | None:
        """A new open claim; None when the device has an open claim (anyone's), the user's
        earlier claim of it succeeded and they still own it, or it is being moved to someone
        else. Checked and written under the write lock, so concurrent requests (threads or
        processes) make one claim.
        """
        return self._insert_open_claim(_CLAIM_EXISTS, [device_id, device_id, user_id, device_id, user_id],
                                       [device_id, product_key, user_id, channel, actor_user_id], now=now)

    def insert_switch_claim(self, *, device_id: str, product_key: str, user_id: int,
                            now: float | None = None) -> int | None:
        """A claim that makes the device's owner in bff its owner in the cloud too (a switch to
        customers mode, bff/ownership/modes.py), already marked notified (the person is texted
        nothing: nothing changes for them). None while the device has an open claim or move."""
        return self._insert_open_claim(_SWITCH_CLAIM_BLOCKED, [device_id, device_id],
                                       [device_id, product_key, user_id, "set-mode", None], now=now, notified=True)

    def _insert_open_claim(self, blocked_sql: str, blocked_args: list, values: list, *,
                           now: float | None, notified: bool = False) -> int | None:
        """Insert a `requested` claim (`values`: device, product, user, channel, actor) unless
        `blocked_sql` finds a row; one transaction."""
        stamp = now_or(now)
        with self.transaction():
            if self.db.execute(blocked_sql, blocked_args).fetchone():
                return None
            return self.db.execute(
                "INSERT INTO claims (device_id, product_key, user_id, channel, actor_user_id, state, "
                "attempts, created_at, updated_at, notified_at) VALUES (?, ?, ?, ?, ?, 'requested', 0, ?, ?, ?)",
                [*values, stamp, stamp, stamp if notified else None],
            ).lastrowid

    def claim_row(self, claim_id: int) -> dict | None:
        return first_row(self.query("SELECT * FROM claims WHERE id = ?", [claim_id]))

    def open_claim_of_device(self, device_id: str) -> dict | None:
        return first_row(self.query(f"SELECT * FROM claims WHERE device_id = ? AND {_OPEN}", [device_id]))

    def latest_claim(self, user_id: int, device_id: str) -> dict | None:
        """The user's newest claim of the device, open or finished."""
        return first_row(self.query(
            "SELECT * FROM claims WHERE user_id = ? AND device_id = ? ORDER BY id DESC LIMIT 1",
            [user_id, device_id],
        ))

    def claims_of_user(self, user_id: int, *, limit: int = 50) -> list[dict]:
        """The user's claims, open ones first, then the newest."""
        return list(self.query(
            f"SELECT * FROM claims WHERE user_id = ? ORDER BY ({_OPEN}) DESC, id DESC LIMIT ?",
            [user_id, limit],
        ))

    def open_claims(self, *, limit: int = 200) -> list[dict]:
        return list(self.query(f"SELECT * FROM claims WHERE {_OPEN} ORDER BY id LIMIT ?", [limit]))

    def due_claim_ids(self, *, now: float | None = None, limit: int = 50) -> list[int]:
        """Open claims whose next attempt is due and that nobody is trying right now."""
        stamp = now_or(now)
        rows = self.db.execute(
            f"SELECT id FROM claims WHERE {_OPEN} AND COALESCE(next_attempt_at, 0) <= ? "
            "AND COALESCE(leased_until, 0) <= ? ORDER BY next_attempt_at, id LIMIT ?",
            [stamp, stamp, limit],
        ).fetchall()
        return [row[0] for row in rows]

    def lease_claim(self, claim_id: int, *, seconds: float, now: float | None = None) -> dict | None:
        """Take the right to try an open claim for `seconds`: the claim as leased, or None if it
        is done or taken."""
        stamp = now_or(now)
        with self.transaction():
            return first_row(self.query(
                f"UPDATE claims SET leased_until = ?, attempts = attempts + 1, updated_at = ? "
                f"WHERE id = ? AND {_OPEN} AND COALESCE(leased_until, 0) <= ? RETURNING *",
                [stamp + seconds, stamp, claim_id, stamp],
            ))

    def update_claim(self, claim_id: int, *, state: str, outcome: str | None,
                     public_message: str | None = None, next_step: str | None = None,
                     last_error: str | None = None, next_attempt_at: float | None = None,
                     now: float | None = None) -> None:
        """Record the result of an attempt and release the lease."""
        stamp = now_or(now)
        finished = None if state in OPEN_STATES else stamp
        self.db.execute(
            "UPDATE claims SET state = ?, outcome = ?, public_message = ?, next_step = ?, "
            "last_error = ?, next_attempt_at = ?, leased_until = NULL, updated_at = ?, "
            "finished_at = COALESCE(finished_at, ?) WHERE id = ?",
            [state, outcome, public_message, next_step, last_error, next_attempt_at, stamp,
             finished, claim_id],
        )

    def cancel_claim(self, claim_id: int, *, last_error: str, now: float | None = None) -> bool:
        """End an open claim nobody is trying (an operator's cancel); False if it is not so."""
        stamp = now_or(now)
        cursor = self.db.execute(
            f"UPDATE claims SET state = 'cancelled', outcome = 'cancelled', last_error = ?, "
            f"next_attempt_at = NULL, updated_at = ?, finished_at = ?, notified_at = ? "
            f"WHERE id = ? AND {_OPEN} AND COALESCE(leased_until, 0) <= ?",
            [last_error, stamp, stamp, stamp, claim_id, stamp],
        )
        return cursor.rowcount == 1

    def mark_claim_notified(self, claim_id: int, *, now: float | None = None) -> bool:
        """Note that the person was told the result; False if someone already did."""
        cursor = self.db.execute(
            "UPDATE claims SET notified_at = ? WHERE id = ? AND notified_at IS NULL",
            [now_or(now), claim_id],
        )
        return cursor.rowcount == 1

    # -- ownership and label codes ---------------------------------------------------------------

    def devices_owned_by_user(self, user_id: int) -> list[dict]:
        """Known devices whose owner is one of the user's shadow customers."""
        return list(self.query(
            "SELECT devices.* FROM devices JOIN shadow_customers ON devices.owner = shadow_customers.username "
            "WHERE shadow_customers.user_id = ? ORDER BY devices.name, devices.device_id",
            [user_id],
        ))

    def device_by_label_code(self, label_code: str) -> dict | None:
        return first_row(self.query("SELECT * FROM devices WHERE label_code = ?", [label_code]))

    def ensure_label_code(self, device_id: str, new_code: Callable[[], str] | Iterable[str],
                          *, now: float | None = None) -> str:
        """The device's label code, giving it one if it has none yet: the first of `new_code`'s
        codes (an iterable, e.g. the derived codes in order, or a callable drawn again) that no
        other device holds. A code the device already has is kept."""
        codes = iter(new_code, None) if callable(new_code) else iter(new_code)
        for code in itertools.islice(codes, LABEL_CODE_TRIES):
            try:
                self.db.execute(
                    "UPDATE devices SET label_code = ?, updated_at = ? "
                    "WHERE device_id = ? AND label_code IS NULL",
                    [code, now_or(now), device_id],
                )
            except sqlite3.IntegrityError:
                continue  # that code belongs to another device already: take the next one
            row = self.db.execute("SELECT label_code FROM devices WHERE device_id = ?", [device_id]).fetchone()
            if row is None:
                raise KeyError(f"unknown device {device_id}")
            return row[0]
        raise RuntimeError("could not find a unique label code")
