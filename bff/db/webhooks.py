"""SQL for the webhook outbox: events and their deliveries (mixed into `Store`)."""
from __future__ import annotations

from bff.db.transactions import first_row, now_or


class WebhookQueries:
    """Queries of bff/webhooks."""

    def add_webhook_event(self, *, event_id: str, event_type: str, payload: str, urls: list[str],
                          now: float | None = None) -> None:
        """The event and one pending delivery per endpoint, in the caller's transaction (if any)."""
        stamp = now_or(now)
        with self.transaction():
            self.db.execute("INSERT INTO webhook_events (event_id, type, payload, created_at) VALUES (?, ?, ?, ?)",
                            [event_id, event_type, payload, stamp])
            self.db.conn.executemany(
                "INSERT INTO webhook_deliveries (event_id, url, state, attempts, next_attempt_at, created_at, "
                "updated_at) VALUES (?, ?, 'pending', 0, ?, ?, ?)",
                [[event_id, url, stamp, stamp, stamp] for url in urls])

    def webhook_events(self, *, event_type: str | None = None, limit: int = 100) -> list[dict]:
        """The newest events first (optionally of one type)."""
        if event_type:
            return list(self.query("SELECT * FROM webhook_events WHERE type = ? ORDER BY id DESC LIMIT ?",
                                      [event_type, limit]))
        return list(self.query("SELECT * FROM webhook_events ORDER BY id DESC LIMIT ?", [limit]))

    # -- delivery (bff/webhooks/service.py) ----------------------------------------------------------

    def due_webhook_deliveries(self, *, urls: list[str], now: float | None = None, limit: int = 50) -> list[dict]:
        """Pending deliveries to these endpoints whose attempt is due and that nobody is sending, oldest first."""
        if not urls:
            return []
        stamp = now_or(now)
        marks = ", ".join("?" for _ in urls)
        return list(self.query(
            "SELECT id, event_id, url FROM webhook_deliveries WHERE state = 'pending' "
            f"AND url IN ({marks}) AND COALESCE(next_attempt_at, 0) <= ? AND COALESCE(leased_until, 0) <= ? "
            "ORDER BY next_attempt_at, id LIMIT ?", [*urls, stamp, stamp, limit]))

    def lease_webhook_delivery(self, delivery_id: int, *, seconds: float, now: float | None = None) -> bool:
        """Take the right to send a pending delivery for `seconds` (counted as an attempt); False if
        it is not pending or someone holds it. A crash leaves the lease to expire: it is sent again."""
        stamp = now_or(now)
        cursor = self.db.execute(
            "UPDATE webhook_deliveries SET leased_until = ?, attempts = attempts + 1, updated_at = ? "
            "WHERE id = ? AND state = 'pending' AND COALESCE(leased_until, 0) <= ?",
            [stamp + seconds, stamp, delivery_id, stamp])
        return cursor.rowcount == 1

    def finish_webhook_attempt(self, delivery_id: int, *, state: str, last_status: int | None,
                               last_error: str | None, next_attempt_at: float | None,
                               now: float | None = None) -> bool:
        """Record an attempt's result and release the lease (only while pending: never undo a delivery)."""
        stamp = now_or(now)
        cursor = self.db.execute(
            "UPDATE webhook_deliveries SET state = ?, last_status = ?, last_error = ?, next_attempt_at = ?, "
            "leased_until = NULL, updated_at = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? END "
            "WHERE id = ? AND state = 'pending'",
            [state, last_status, last_error, next_attempt_at, stamp, state, stamp, delivery_id])
        return cursor.rowcount == 1

    def requeue_webhook_delivery(self, delivery_id: int, *, now: float | None = None) -> bool:
        """Make a delivery (any state) due now, for "send again now"; False if it is being sent."""
        stamp = now_or(now)
        cursor = self.db.execute(
            "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?, updated_at = ? "
            "WHERE id = ? AND COALESCE(leased_until, 0) <= ?", [stamp, stamp, delivery_id, stamp])
        return cursor.rowcount == 1

    def webhook_delivery(self, delivery_id: int) -> dict | None:
        """One delivery with its event's type and body."""
        return first_row(self.query(
            f"{_DELIVERY_SELECT} WHERE webhook_deliveries.id = ?", [delivery_id]))

    def webhook_deliveries(self, *, url: str | None = None, state: str | None = None,
                           event_id: str | None = None, limit: int = 50) -> list[dict]:
        """Deliveries newest first, optionally of one endpoint, state or event."""
        where, args = [], []
        for column, value in (("url", url), ("state", state), ("event_id", event_id)):
            if value:
                where.append(f"webhook_deliveries.{column} = ?")
                args.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return list(self.query(f"{_DELIVERY_SELECT}{clause} ORDER BY webhook_deliveries.id DESC LIMIT ?",
                                  [*args, limit]))

    def webhook_endpoint_counts(self) -> dict[str, dict[str, int]]:
        """Per endpoint (every URL with a delivery): how many deliveries are in each state."""
        counts: dict[str, dict[str, int]] = {}
        for row in self.query("SELECT url, state, COUNT(*) AS n FROM webhook_deliveries GROUP BY url, state"):
            counts.setdefault(row["url"], {})[row["state"]] = row["n"]
        return counts


    def prune_webhook_events(self, *, before: float) -> int:
        """Forget finished deliveries older than `before`, and events with no delivery left."""
        with self.transaction():
            gone = self.db.execute("DELETE FROM webhook_deliveries WHERE created_at < ? AND state != 'pending'",
                                   [before]).rowcount
            return gone + self.db.execute(
                "DELETE FROM webhook_events WHERE created_at < ? AND NOT EXISTS "
                "(SELECT 1 FROM webhook_deliveries WHERE webhook_deliveries.event_id = webhook_events.event_id)",
                [before]).rowcount


_DELIVERY_SELECT = (
    "SELECT webhook_deliveries.*, webhook_events.type AS event_type, webhook_events.payload AS payload "
    "FROM webhook_deliveries JOIN webhook_events ON webhook_events.event_id = webhook_deliveries.event_id")
