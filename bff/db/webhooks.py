"""SQL for the webhook outbox: events and their deliveries (mixed into `Store`)."""
from __future__ import annotations

from bff.db.transactions import now_or


class WebhookQueries:
    """Queries of bff/webhooks."""

    def add_webhook_event(self, *, event_id: str, event_type: str, payload: str, urls: list[str],
                          now: float | None = None) -> None:
        """The event and one pending delivery per endpoint, in the caller's transaction (if any)."""
        stamp = now_or(now)
        with self.transaction():
            self.db.execute("INSERT INTO webhook_events (event_id, type, payload, created_at) VALUES (?, ?, ?, ?)",
                            [event_id, event_type, payload, stamp])
            self.db.executemany(
                "INSERT INTO webhook_deliveries (event_id, url, state, attempts, next_attempt_at, created_at, "
                "updated_at) VALUES (?, ?, 'pending', 0, ?, ?, ?)",
                [[event_id, url, stamp, stamp, stamp] for url in urls])

    def webhook_events(self, *, event_type: str | None = None, limit: int = 100) -> list[dict]:
        """The newest events first (optionally of one type)."""
        if event_type:
            return list(self.db.query("SELECT * FROM webhook_events WHERE type = ? ORDER BY id DESC LIMIT ?",
                                      [event_type, limit]))
        return list(self.db.query("SELECT * FROM webhook_events ORDER BY id DESC LIMIT ?", [limit]))
