"""`WebhookDelivery`: the worker's side of the outbox: each stored delivery sent, signed, at least once.

- The worker's tick calls `deliver_due`: pending deliveries whose attempt is due, oldest first.
  Each is leased first (`LEASE_SECONDS`, longer than a POST's time-outs), like a claim: two workers
  never send one delivery at once, and a crash between the POST and the record leaves a lease that
  expires, so the delivery is sent again (at least once; receivers deduplicate by the event id).
- A 2xx answer is `delivered`. Anything else (another status, a redirect, a time-out, a refused
  connection) is retried: 30 s, then doubling to at most an hour between attempts, for 3 days
  after the event; then the delivery is `failed` (operators can send it again).
- One endpoint failing does not hold up the others: after a failure in a round, that endpoint's
  other due deliveries wait for the next round, so a dead endpoint costs one time-out per tick.
- Deliveries to an endpoint no longer in `BFF_WEBHOOK_URLS` are not sent (kept, listed).
- `resend` is the operators' "send again now" (console and CLI): one attempt at once, audited.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from bff import errors
from bff.webhooks.delivery import HttpPoster, PostResult
from bff.webhooks.signing import signed_headers

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30.0
LONGEST_RETRY_SECONDS = 3600.0
GIVE_UP_SECONDS = 3 * 24 * 3600.0
LEASE_SECONDS = 60.0
ROUND_SIZE = 50  # deliveries looked at per tick
RESEND_ACTION = "webhook.resend"
OK, REFUSED, FAILED = "ok", "refused", "failed"  # audit results (bff/audit; a sibling layer, not imported)


@dataclass(frozen=True)
class DeliveryLine:
    """One delivery as the console and the CLI show it."""

    id: int
    event_id: str
    event_type: str
    url: str
    state: str  # pending | delivered | failed
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: float | None
    created_at: float
    updated_at: float
    delivered_at: float | None

    @classmethod
    def from_row(cls, row: dict) -> DeliveryLine:
        return cls(**{name: row.get(name) for name in cls.__dataclass_fields__})


def retry_delay(attempts: int) -> float:
    """Seconds until the next attempt after `attempts` failed ones: 30 s, 60 s, 120 s, ... at most 1 h."""
    return min(LONGEST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1))


class WebhookDelivery:
    """Sends the outbox's deliveries to the configured endpoints, signed with `secret`."""

    def __init__(self, store, *, urls: list[str], secret: str | None, poster: HttpPoster | None = None,
                 audit=None, clock=time.time, lease_seconds: float = LEASE_SECONDS) -> None:
        self.store = store
        self.urls = list(urls)
        self._secret = secret  # never logged, never shown
        self.poster = poster or HttpPoster()
        self.audit = audit
        self.clock = clock
        self.lease_seconds = lease_seconds

    def __repr__(self) -> str:
        return f"WebhookDelivery(urls={self.urls!r})"  # without the secret

    def deliver_due(self, limit: int = ROUND_SIZE) -> int:
        """One round: send what is due; returns how many attempts were made."""
        if not self._secret:
            return 0  # config refuses endpoints without a secret; nothing is ever sent unsigned
        failing: set[str] = set()
        tried = 0
        for row in self.store.due_webhook_deliveries(urls=self.urls, now=self.clock(), limit=limit):
            if row["url"] in failing:
                continue
            result = self.attempt(row["id"])
            if result is not None:
                tried += 1
                if not result.ok:
                    failing.add(row["url"])
        return tried

    def attempt(self, delivery_id: int) -> PostResult | None:
        """Send one pending delivery if nobody else is; its result, or None if it was not ours to send."""
        if not self._secret or not self.store.lease_webhook_delivery(
                delivery_id, seconds=self.lease_seconds, now=self.clock()):
            return None
        row = self.store.webhook_delivery(delivery_id)
        body = row["payload"].encode()
        try:
            result = self.poster.post(row["url"], body, signed_headers(self._secret, row["event_id"], body,
                                                                        now=self.clock()))
        except Exception as error:  # a bug must not leave the delivery leased; operators see it
            logger.exception("webhook delivery %s: unexpected error", delivery_id)
            result = PostResult(None, f"unexpected: {type(error).__name__}")
        self._record(row, result)
        return result

    def _record(self, row: dict, result: PostResult) -> None:
        now = self.clock()
        if result.ok:
            state, next_at = "delivered", None
        elif now - row["created_at"] >= GIVE_UP_SECONDS:
            state, next_at = "failed", None
            logger.warning("webhook %s to %s failed for good: %s", row["event_id"], row["url"], result.error)
        else:
            state, next_at = "pending", now + retry_delay(row["attempts"])
        self.store.finish_webhook_attempt(row["id"], state=state, last_status=result.status,
                                          last_error=None if result.ok else result.error,
                                          next_attempt_at=next_at, now=now)

    # -- reading and "send again now" -------------------------------------------------------------

    def delivery(self, delivery_id: int) -> DeliveryLine | None:
        row = self.store.webhook_delivery(delivery_id)
        return DeliveryLine.from_row(row) if row else None

    def deliveries(self, *, url: str | None = None, state: str | None = None, event_id: str | None = None,
                   limit: int = 50) -> list[DeliveryLine]:
        """Newest first."""
        rows = self.store.webhook_deliveries(url=url, state=state, event_id=event_id, limit=limit)
        return [DeliveryLine.from_row(row) for row in rows]

    def endpoints(self) -> list[str]:
        """The configured endpoints, then any other endpoint that has deliveries (no longer configured)."""
        return self.urls + sorted(set(self.store.webhook_endpoint_counts()) - set(self.urls))

    def counts(self) -> dict[str, dict[str, int]]:
        """Per endpoint: deliveries by state."""
        return self.store.webhook_endpoint_counts()

    def resend(self, delivery_id: int, *, actor) -> DeliveryLine:
        """Send a delivery again now (whatever its state: receivers deduplicate), once; audited."""
        line = self.delivery(delivery_id)
        if line is None:
            raise errors.FixRefused(f"no webhook delivery {delivery_id}", public_message="There is no such delivery.",
                                    next_step="Go back to the list of deliveries.")
        if line.url not in self.urls or not self._secret:
            self._audit(actor, line, REFUSED, "the endpoint is no longer configured")
            raise errors.FixRefused(f"{line.url} is not configured", public_message="This endpoint is no longer configured.",
                                    next_step="Add it to BFF_WEBHOOK_URLS first, then send again.")
        if not self.store.requeue_webhook_delivery(delivery_id, now=self.clock()) or self.attempt(delivery_id) is None:
            self._audit(actor, line, REFUSED, "being sent right now")
            raise errors.FixRefused(f"delivery {delivery_id} is leased", public_message="This event is being sent right now.",
                                    next_step="Wait a few seconds and reload the page to see the result.")
        after = self.delivery(delivery_id)
        self._audit(actor, after, OK if after.state == "delivered" else FAILED,
                    f"{after.state}, " + (f"HTTP {after.last_status}" if after.last_status else after.last_error or ""))
        return after

    def _audit(self, actor, line: DeliveryLine, result: str, words: str) -> None:
        if self.audit is not None:
            self.audit.record(actor, RESEND_ACTION, result=result,
                              detail=f"{line.event_type} {line.event_id} to {line.url}: {words}")
