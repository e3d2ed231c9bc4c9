"""SQL for outbound SMS (the outbox) and handled inbound SMS (mixed into `bff.db.store.Store`).

Outbound status: `queued` (ours, not yet accepted by Twilio) -> `sent` (Twilio has it) ->
`delivered` | `undelivered` | `failed` | `read` (Twilio status callbacks); `failed` also when we
gave up; `kept` when no Twilio is configured (the sandbox outbox). A queued row is leased
(`next_attempt_at` pushed into the future) by whoever is about to hand it to Twilio, so the web
request that sends it and the worker that retries never send the same row twice at once.

Inbound status (one row per Twilio `MessageSid`, inserted before anything else happens, so a
redelivered message finds its row and gets the same reply): `received` (being answered) ->
`replied` (the TwiML reply carried the answer) | `working` (the reply said "working on it") ->
`done` (the result went out as an outbound SMS). Whoever works on a message holds it until
`leased_until`; the worker takes over messages left `received`/`working` past their lease.
"""
from __future__ import annotations

from bff.db.transactions import first_row, now_or

ERROR_TEXT_LIMIT = 500  # characters of a Twilio error kept on a message
INBOUND_BODY_LIMIT = 1600  # characters of an inbound text kept (Twilio's own maximum)
_UNFINISHED = "status IN ('received', 'working')"


class MessageQueries:
    """Queries of bff/twilio/sender.py (outbound messages) and bff/sms/inbox.py (inbound messages)."""

    def add_outbound_sms(self, to_phone: str, body: str, *, purpose: str, status: str,
                         claim_id: int | None = None, now: float | None = None) -> int:
        """Record a message (due at once when queued); returns its id."""
        stamp = now_or(now)
        due = stamp if status == "queued" else None
        cursor = self.db.execute(
            "INSERT INTO outbound_sms (to_phone, body, purpose, status, attempts, next_attempt_at, "
            "claim_id, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
            [to_phone, body, purpose, status, due, claim_id, stamp, stamp],
        )
        return cursor.lastrowid

    def outbound_sms(self, sms_id: int) -> dict | None:
        return first_row(self.query("SELECT * FROM outbound_sms WHERE id = ?", [sms_id]))

    def lease_outbound_sms(self, sms_id: int, *, now: float, until: float) -> dict | None:
        """Take a due queued message for one delivery attempt (counted); None if not due or taken."""
        with self.db.atomic():
            cursor = self.db.execute(
                "UPDATE outbound_sms SET attempts = attempts + 1, next_attempt_at = ?, updated_at = ? "
                "WHERE id = ? AND status = 'queued' AND next_attempt_at <= ?",
                [until, now, sms_id, now],
            )
            return self.outbound_sms(sms_id) if cursor.rowcount == 1 else None

    def due_outbound_sms(self, *, now: float, limit: int = 50) -> list[int]:
        """Ids of queued messages whose next attempt is due, oldest due first."""
        rows = self.db.execute(
            "SELECT id FROM outbound_sms WHERE status = 'queued' AND next_attempt_at <= ? "
            "ORDER BY next_attempt_at, id LIMIT ?",
            [now, limit],
        ).fetchall()
        return [row[0] for row in rows]

    def mark_outbound_sent(self, sms_id: int, *, provider_sid: str | None, body: str,
                           now: float | None = None) -> None:
        """Twilio accepted the message; `body` replaces the stored text (secrets masked)."""
        stamp = now_or(now)
        self.db.execute(
            "UPDATE outbound_sms SET status = 'sent', provider_sid = ?, body = ?, last_error = NULL, "
            "next_attempt_at = NULL, sent_at = ?, updated_at = ? WHERE id = ?",
            [provider_sid, body, stamp, stamp, sms_id],
        )

    def mark_outbound_retry(self, sms_id: int, *, error: str, next_attempt_at: float,
                            now: float | None = None) -> None:
        """The attempt failed; try again at `next_attempt_at`."""
        self.db.execute(
            "UPDATE outbound_sms SET last_error = ?, next_attempt_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'queued'",
            [error[:ERROR_TEXT_LIMIT], next_attempt_at, now_or(now), sms_id],
        )

    def mark_outbound_failed(self, sms_id: int, *, error: str, body: str,
                             now: float | None = None) -> None:
        """We gave up on the message; `body` replaces the stored text (secrets masked)."""
        self.db.execute(
            "UPDATE outbound_sms SET status = 'failed', last_error = ?, body = ?, "
            "next_attempt_at = NULL, updated_at = ? WHERE id = ?",
            [error[:ERROR_TEXT_LIMIT], body, now_or(now), sms_id],
        )

    def advance_outbound_status(self, provider_sid: str, status: str, *, from_statuses: list[str],
                                now: float | None = None) -> int:
        """Set the status of the message Twilio knows as `provider_sid`, only from `from_statuses`."""
        marks = ", ".join("?" * len(from_statuses))
        return self.db.execute(
            f"UPDATE outbound_sms SET status = ?, updated_at = ? "
            f"WHERE provider_sid = ? AND status IN ({marks})",
            [status, now_or(now), provider_sid, *from_statuses],
        ).rowcount

    def outbound_messages(self, *, to_phone: str | None = None, limit: int = 50) -> list[dict]:
        """The newest messages first, to one phone or to all."""
        return list(self.query(
            "SELECT * FROM outbound_sms WHERE ? IS NULL OR to_phone = ? ORDER BY id DESC LIMIT ?",
            [to_phone, to_phone, limit],
        ))

    # -- inbound SMS (bff/sms/inbox.py) ---------------------------------------------------------

    def claim_inbound_sms(self, message_sid: str, *, from_phone: str, to_phone: str | None, body: str,
                          idempotency_token: str | None = None, lease_until: float,
                          now: float | None = None) -> bool:
        """Record a new inbound message, held until `lease_until`; False if its MessageSid is known."""
        cursor = self.db.execute(
            "INSERT INTO inbound_sms (message_sid, from_phone, to_phone, body, status, "
            "idempotency_token, leased_until, attempts, created_at) "
            "VALUES (?, ?, ?, ?, 'received', ?, ?, 1, ?) ON CONFLICT (message_sid) DO NOTHING",
            [message_sid, from_phone, to_phone, (body or "")[:INBOUND_BODY_LIMIT], idempotency_token,
             lease_until, now_or(now)],
        )
        return cursor.rowcount == 1

    def inbound_sms(self, message_sid: str) -> dict | None:
        return first_row(self.query("SELECT * FROM inbound_sms WHERE message_sid = ?", [message_sid]))

    def set_inbound_command(self, message_sid: str, *, user_id: int | None, command: str) -> None:
        """Note who sent the message and which command it was."""
        self.db.execute("UPDATE inbound_sms SET user_id = ?, command = ? WHERE message_sid = ?",
                        [user_id, command, message_sid])

    def mark_inbound_replied(self, message_sid: str, reply: str, *, now: float | None = None) -> bool:
        """The TwiML reply carried the answer (`reply`, "" for none); False if no longer received."""
        stamp = now_or(now)
        return self.db.execute(
            "UPDATE inbound_sms SET status = 'replied', reply = ?, replied_at = ?, finished_at = ?, "
            "leased_until = NULL WHERE message_sid = ? AND status = 'received'",
            [reply, stamp, stamp, message_sid],
        ).rowcount == 1

    def mark_inbound_working(self, message_sid: str, reply: str, *, now: float | None = None) -> bool:
        """The reply said "working on it" (`reply`); the result is still to be sent."""
        return self.db.execute(
            "UPDATE inbound_sms SET status = 'working', reply = ?, replied_at = ? "
            "WHERE message_sid = ? AND status = 'received'",
            [reply, now_or(now), message_sid],
        ).rowcount == 1

    def leave_inbound_for_worker(self, message_sid: str, reply: str, *, now: float | None = None) -> bool:
        """The reply said "working on it" (`reply`) and nobody here works on the message: its hold
        ends now, so the worker's next round takes it (`lease_stuck_inbound`)."""
        stamp = now_or(now)
        return self.db.execute(
            f"UPDATE inbound_sms SET status = 'working', reply = ?, replied_at = COALESCE(replied_at, ?), "
            f"leased_until = ? WHERE message_sid = ? AND {_UNFINISHED}",
            [reply, stamp, stamp, message_sid],
        ).rowcount == 1

    def finish_inbound(self, message_sid: str, result: str, *, now: float | None = None) -> bool:
        """The result is ready to be sent as an SMS; True for the one caller that should send it."""
        return self.db.execute(
            f"UPDATE inbound_sms SET status = 'done', result = ?, finished_at = ?, leased_until = NULL "
            f"WHERE message_sid = ? AND {_UNFINISHED}",
            [result, now_or(now), message_sid],
        ).rowcount == 1

    def lease_stuck_inbound(self, *, now: float, until: float, limit: int = 20) -> list[dict]:
        """Take unfinished messages whose holder let the lease run out (a crash), each counted."""
        rows = self.db.execute(
            f"SELECT message_sid FROM inbound_sms WHERE {_UNFINISHED} AND COALESCE(leased_until, 0) <= ? "
            "ORDER BY created_at LIMIT ?",
            [now, limit],
        ).fetchall()
        return [row for row in (self._lease_inbound(sid, now=now, until=until) for (sid,) in rows) if row]

    def _lease_inbound(self, message_sid: str, *, now: float, until: float) -> dict | None:
        cursor = self.db.execute(
            f"UPDATE inbound_sms SET leased_until = ?, attempts = attempts + 1 "
            f"WHERE message_sid = ? AND {_UNFINISHED} AND COALESCE(leased_until, 0) <= ?",
            [until, message_sid, now],
        )
        return self.inbound_sms(message_sid) if cursor.rowcount == 1 else None

    def inbound_messages(self, *, from_phone: str | None = None, limit: int = 50) -> list[dict]:
        """The newest inbound messages first, from one phone or from all."""
        return list(self.query(
            "SELECT * FROM inbound_sms WHERE ? IS NULL OR from_phone = ? "
            "ORDER BY created_at DESC, rowid DESC LIMIT ?",
            [from_phone, from_phone, limit],
        ))

    def prune_messages(self, *, before: float) -> int:
        """Forget handled SMS older than `before` (in and out; never one still to be answered or
        sent); returns how many went."""
        with self.transaction():
            gone = self.db.execute("DELETE FROM inbound_sms WHERE created_at < ? AND status IN ('replied', 'done')",
                                   [before]).rowcount
            return gone + self.db.execute("DELETE FROM outbound_sms WHERE created_at < ? AND status != 'queued'",
                                          [before]).rowcount

