"""SQL for after the first claim: moves, offers (give, ask, share), ask blocks, shares (mixed into `Store`).

Every write here runs in the caller's `store.transaction()` when there is one (the lifecycle
services put an offer's answer, its move and its webhook event in one transaction), else alone.
State changes are conditional UPDATEs (`WHERE state = ...`): of two racing callers exactly one
sees `True`.
"""
from __future__ import annotations

from bff.db.transactions import first_row, now_or, rows_for_ids

OPEN_MOVE_STATES = ("requested", "released")
_OPEN_MOVE = "state IN ('requested', 'released')"


class LifecycleQueries:
    """Queries of bff/ownership's lifecycle services (moves.py, offers.py, shares.py, asks.py)."""

    # -- moves -----------------------------------------------------------------------------------

    def insert_move(self, *, device_id: str, product_key: str, kind: str, from_user_id: int | None,
                    to_user_id: int | None, actor_user_id: int | None, offer_id: int | None,
                    channel: str, now: float | None = None) -> int | None:
        """A new `requested` move; None when the device has an open move already (unique index)."""
        stamp = now_or(now)
        cursor = self.db.execute(
            "INSERT INTO moves (device_id, product_key, kind, from_user_id, to_user_id, actor_user_id, "
            "offer_id, channel, state, attempts, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'requested', 0, ?, ?) ON CONFLICT DO NOTHING",
            [device_id, product_key, kind, from_user_id, to_user_id, actor_user_id, offer_id, channel,
             stamp, stamp])
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def move_row(self, move_id: int) -> dict | None:
        return first_row(self.query("SELECT * FROM moves WHERE id = ?", [move_id]))

    def open_move_of_device(self, device_id: str) -> dict | None:
        return first_row(self.query(f"SELECT * FROM moves WHERE device_id = ? AND {_OPEN_MOVE}",
                                       [device_id.lower()]))

    def lease_move(self, move_id: int, *, seconds: float, now: float | None = None) -> bool:
        """Take the right to work on an open move for `seconds`; False if it is finished or taken."""
        stamp = now_or(now)
        cursor = self.db.execute(
            f"UPDATE moves SET leased_until = ?, attempts = attempts + 1, updated_at = ? "
            f"WHERE id = ? AND {_OPEN_MOVE} AND COALESCE(leased_until, 0) <= ?",
            [stamp + seconds, stamp, move_id, stamp])
        return cursor.rowcount == 1

    def advance_move(self, move_id: int, *, from_state: str, state: str, claim_id: int | None = None,
                     last_error: str | None = None, now: float | None = None) -> bool:
        """`from_state` -> `state`; False if the move was not in `from_state`. The lease is kept while
        the move stays open (the holder goes on with the next step) and released when it ends."""
        stamp = now_or(now)
        finished = None if state in OPEN_MOVE_STATES else stamp
        cursor = self.db.execute(
            "UPDATE moves SET state = ?, claim_id = COALESCE(?, claim_id), last_error = ?, "
            "leased_until = CASE WHEN ? IS NULL THEN leased_until END, next_attempt_at = NULL, updated_at = ?, "
            "finished_at = ? WHERE id = ? AND state = ?",
            [state, claim_id, last_error, finished, stamp, finished, move_id, from_state])
        return cursor.rowcount == 1

    def postpone_move(self, move_id: int, *, last_error: str, next_attempt_at: float,
                      now: float | None = None) -> None:
        """Cloud trouble: keep the move's state, release the lease, try again at `next_attempt_at`."""
        self.db.execute(
            "UPDATE moves SET last_error = ?, next_attempt_at = ?, leased_until = NULL, updated_at = ? "
            "WHERE id = ?", [last_error, next_attempt_at, now_or(now), move_id])

    def due_move_ids(self, *, now: float | None = None, limit: int = 50) -> list[int]:
        """Open moves whose next attempt is due and that nobody is working on."""
        stamp = now_or(now)
        rows = self.db.execute(
            f"SELECT id FROM moves WHERE {_OPEN_MOVE} AND COALESCE(next_attempt_at, 0) <= ? "
            "AND COALESCE(leased_until, 0) <= ? ORDER BY id LIMIT ?", [stamp, stamp, limit]).fetchall()
        return [row[0] for row in rows]

    def moves_of_device(self, device_id: str, *, limit: int = 20) -> list[dict]:
        return list(self.query("SELECT * FROM moves WHERE device_id = ? ORDER BY id DESC LIMIT ?",
                                  [device_id.lower(), limit]))

    def owner_user_id_of_device(self, device_id: str) -> int | None:
        """The person whose shadow customer bff records as the device's owner (None: nobody, or not ours)."""
        row = self.db.execute(
            "SELECT shadow_customers.user_id FROM devices JOIN shadow_customers "
            "ON shadow_customers.username = devices.owner WHERE devices.device_id = ?",
            [device_id.lower()]).fetchone()
        return row[0] if row else None

    # -- offers ----------------------------------------------------------------------------------

    def insert_offer(self, *, kind: str, device_id: str, product_key: str, owner_user_id: int,
                     other_user_id: int, answerer_user_id: int, channel: str, expires_at: float,
                     now: float | None = None) -> int | None:
        """A new open offer; None when an equal one (or any give of the device) is open already."""
        cursor = self.db.execute(
            "INSERT INTO offers (kind, device_id, product_key, owner_user_id, other_user_id, "
            "answerer_user_id, channel, state, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) ON CONFLICT DO NOTHING",
            [kind, device_id, product_key, owner_user_id, other_user_id, answerer_user_id, channel,
             now_or(now), expires_at])
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def offer_row(self, offer_id: int) -> dict | None:
        return first_row(self.query("SELECT * FROM offers WHERE id = ?", [offer_id]))

    def open_offer(self, kind: str, device_id: str, other_user_id: int) -> dict | None:
        return first_row(self.query(
            "SELECT * FROM offers WHERE kind = ? AND device_id = ? AND other_user_id = ? AND state = 'open'",
            [kind, device_id.lower(), other_user_id]))

    def open_give_of_device(self, device_id: str) -> dict | None:
        return first_row(self.query(
            "SELECT * FROM offers WHERE kind = 'give' AND device_id = ? AND state = 'open'", [device_id.lower()]))

    def open_offers_of_device(self, device_id: str) -> list[dict]:
        return list(self.query("SELECT * FROM offers WHERE device_id = ? AND state = 'open' ORDER BY id",
                                  [device_id.lower()]))

    def open_offers_of_devices(self, device_ids: list[str]) -> list[dict]:
        """`open_offers_of_device` for many devices in one query per IN_LIST_LIMIT devices (bff/db/transactions.py)."""
        return self._rows_for_devices("SELECT * FROM offers WHERE state = 'open' AND device_id IN ({}) ORDER BY id",
                                      device_ids)

    def open_offers_to_answer(self, user_id: int, *, now: float | None = None) -> list[dict]:
        """Offers the person is to answer YES or NO, newest first (past their end: left out)."""
        return list(self.query(
            "SELECT * FROM offers WHERE answerer_user_id = ? AND state = 'open' AND expires_at > ? "
            "ORDER BY id DESC", [user_id, now_or(now)]))

    def offers_open_at(self, user_id: int, *, at: float) -> list[dict]:
        """The offers the person was to answer at `at`, newest first, whatever became of them since."""
        return list(self.query(
            "SELECT * FROM offers WHERE answerer_user_id = ? AND created_at <= ? AND expires_at > ? "
            "AND (state = 'open' OR answered_at >= ?) ORDER BY id DESC", [user_id, at, at, at]))

    def offer_answered_by_message(self, message_sid: str) -> dict | None:
        """The offer an SMS (its `MessageSid`) answered YES or NO, if it did."""
        return first_row(self.query("SELECT * FROM offers WHERE answer_message_sid = ?", [message_sid]))

    def open_offers_made_by(self, user_id: int, *, limit: int = 200) -> list[dict]:
        """Open offers the person made (gives and share invites as the owner, asks as the asker),
        newest first (the JSON API's `GET /api/v1/offers`)."""
        return list(self.query(
            "SELECT * FROM offers WHERE state = 'open' AND ((kind = 'ask' AND other_user_id = ?) "
            "OR (kind != 'ask' AND owner_user_id = ?)) ORDER BY id DESC LIMIT ?", [user_id, user_id, limit]))

    def finish_offer(self, offer_id: int, *, state: str, from_states: tuple[str, ...] = ("open",),
                     decided_by: int | None = None, message_sid: str | None = None,
                     now: float | None = None) -> bool:
        """End an offer (accepted, declined, cancelled, expired); False if it was not in `from_states`.
        `message_sid`: the SMS whose YES or NO it was."""
        marks = ", ".join("?" * len(from_states))
        cursor = self.db.execute(
            f"UPDATE offers SET state = ?, answered_at = ?, decided_by = COALESCE(?, decided_by), "
            f"answer_message_sid = COALESCE(?, answer_message_sid) WHERE id = ? AND state IN ({marks})",
            [state, now_or(now), decided_by, message_sid, offer_id, *from_states])
        return cursor.rowcount == 1

    def set_offer_move(self, offer_id: int, move_id: int) -> None:
        self.db.execute("UPDATE offers SET move_id = ? WHERE id = ?", [move_id, offer_id])

    def mark_offer_notified(self, offer_id: int, *, now: float | None = None) -> bool:
        """Note that the answerer was texted the question; False if someone already did."""
        cursor = self.db.execute("UPDATE offers SET notified_at = ? WHERE id = ? AND notified_at IS NULL",
                                 [now_or(now), offer_id])
        return cursor.rowcount == 1

    def unnotified_offer_ids(self, *, created_before: float, limit: int = 50) -> list[int]:
        """Open offers whose question was never texted (a crash between the offer and its text)."""
        rows = self.db.execute(
            "SELECT id FROM offers WHERE state = 'open' AND notified_at IS NULL AND created_at <= ? "
            "ORDER BY id LIMIT ?", [created_before, limit]).fetchall()
        return [row[0] for row in rows]

    def expired_open_offer_ids(self, *, now: float | None = None, limit: int = 200) -> list[int]:
        rows = self.db.execute(
            "SELECT id FROM offers WHERE state = 'open' AND expires_at <= ? ORDER BY id LIMIT ?",
            [now_or(now), limit]).fetchall()
        return [row[0] for row in rows]

    def undecided_asks(self, *, limit: int = 200) -> list[dict]:
        """Asks that ended without the owner's answer (7 days of silence), oldest first, for operators."""
        return list(self.query(
            "SELECT * FROM offers WHERE kind = 'ask' AND state = 'expired' AND decided_by IS NULL "
            "ORDER BY id LIMIT ?", [limit]))

    # -- ask blocks ------------------------------------------------------------------------------

    def block_asks(self, device_id: str, owner_user_id: int, *, now: float | None = None) -> None:
        self.db.execute("INSERT INTO ask_blocks (device_id, owner_user_id, created_at) VALUES (?, ?, ?) "
                        "ON CONFLICT DO NOTHING", [device_id.lower(), owner_user_id, now_or(now)])

    def unblock_asks(self, device_id: str, owner_user_id: int) -> None:
        self.db.execute("DELETE FROM ask_blocks WHERE device_id = ? AND owner_user_id = ?",
                        [device_id.lower(), owner_user_id])

    def devices_with_asks_blocked(self, owner_user_id: int) -> set[str]:
        """The devices whose owner `owner_user_id` stopped asks."""
        return {row[0] for row in self.db.execute("SELECT device_id FROM ask_blocks WHERE owner_user_id = ?",
                                                  [owner_user_id]).fetchall()}

    def asks_blocked(self, device_id: str, owner_user_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM ask_blocks WHERE device_id = ? AND owner_user_id = ?",
                               [device_id.lower(), owner_user_id]).fetchone() is not None

    # -- shares ----------------------------------------------------------------------------------

    def insert_share(self, *, device_id: str, owner_user_id: int, user_id: int, offer_id: int | None,
                     now: float | None = None) -> int | None:
        """A live share; None when the device is shared with the person already."""
        cursor = self.db.execute(
            "INSERT INTO shares (device_id, owner_user_id, user_id, offer_id, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [device_id.lower(), owner_user_id, user_id, offer_id, now_or(now)])
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def live_share(self, device_id: str, user_id: int) -> dict | None:
        return first_row(self.query(
            "SELECT * FROM shares WHERE device_id = ? AND user_id = ? AND ended_at IS NULL",
            [device_id.lower(), user_id]))

    def share_row(self, share_id: int) -> dict | None:
        return first_row(self.query("SELECT * FROM shares WHERE id = ?", [share_id]))

    def live_shares_of_device(self, device_id: str) -> list[dict]:
        return list(self.query("SELECT * FROM shares WHERE device_id = ? AND ended_at IS NULL ORDER BY id",
                                  [device_id.lower()]))

    def live_shares_of_devices(self, device_ids: list[str]) -> list[dict]:
        """`live_shares_of_device` for many devices in one query per IN_LIST_LIMIT devices (bff/db/transactions.py)."""
        return self._rows_for_devices("SELECT * FROM shares WHERE ended_at IS NULL AND device_id IN ({}) ORDER BY id",
                                      device_ids)

    def _rows_for_devices(self, sql: str, device_ids: list[str]) -> list[dict]:
        """Rows of `sql` (its `IN ({})` taking the IDs) for every device (`rows_for_ids`)."""
        return rows_for_ids(self.query, sql, [device_id.lower() for device_id in device_ids])

    def end_share(self, share_id: int, *, now: float | None = None) -> bool:
        cursor = self.db.execute("UPDATE shares SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                                 [now_or(now), share_id])
        return cursor.rowcount == 1

    def devices_shared_with_user(self, user_id: int) -> list[dict]:
        """Known devices with a live share to the person, by name."""
        return list(self.query(
            "SELECT devices.* FROM shares JOIN devices USING (device_id) "
            "WHERE shares.user_id = ? AND shares.ended_at IS NULL ORDER BY devices.name, devices.device_id",
            [user_id]))
