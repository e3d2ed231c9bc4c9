"""Events to the product creator's systems: an outbox in SQLite, signed deliveries by the worker."""
from bff.webhooks.outbox import EVENT_TYPES, WebhookOutbox

__all__ = ["EVENT_TYPES", "WebhookOutbox"]
