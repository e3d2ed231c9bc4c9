"""`WebhookOutbox.emit`: an event for the product creator's systems, stored with the change.

Call it inside the `store.transaction()` that makes the change: the event is written in the same
transaction, so a change never happens without its event, nor an event without its change. The
worker delivers each event to every endpoint in `BFF_WEBHOOK_URLS` at least once (receivers
deduplicate by the event's `id`).

The JSON body: `{"id": "evt_...", "type": "device.claimed", "created": 1764600000, "data": {...}}`.
`data` holds ids a receiver can act on (device_id, product, person id, channel); never a phone
number, a token, a code or a claim code.
"""
from __future__ import annotations

import json
import secrets
import time

EVENT_TYPES = (
    "device.claimed", "device.released", "device.given", "device.shared", "device.unshared",
    "claim.failed", "setup.arrived", "person.number_changed",
)


class WebhookOutbox:
    """Writes events for the configured endpoints (no endpoints: events are still kept, sent nowhere)."""

    def __init__(self, store, urls: list[str] | None = None, *, clock=time.time) -> None:
        self.store = store
        self.urls = list(urls or [])
        self.clock = clock

    def emit(self, event_type: str, data: dict) -> str:
        """Store one event (and a delivery per endpoint); returns its id."""
        if event_type not in EVENT_TYPES:
            raise ValueError(f"unknown webhook event type {event_type!r}")
        now = self.clock()
        event_id = "evt_" + secrets.token_hex(12)
        body = {"id": event_id, "type": event_type, "created": int(now), "data": data}
        self.store.add_webhook_event(event_id=event_id, event_type=event_type, urls=self.urls, now=now,
                                     payload=json.dumps(body, separators=(",", ":"), sort_keys=True))
        return event_id
