"""Fixtures of the webhook tests: the test receiver (a real HTTP server on loopback), bff apps that
send their events to it, and a `WebhookDelivery` on the test's store and clock with short time-outs."""
from __future__ import annotations

import pytest

from bff.webhooks import WebhookOutbox
from bff.webhooks.delivery import HttpPoster
from bff.webhooks.service import WebhookDelivery

from tests.support.webhook_receiver import SECRET

SHORT_TIMEOUT = (1.0, 0.5)  # the receiver's "timeout" answer (1.5 s) comes after this


@pytest.fixture
def app(events_app):
    """In the webhook tests, bff sends its events to the test receiver."""
    return events_app


@pytest.fixture
def outbox(store, clock, receiver) -> WebhookOutbox:
    """An outbox on the test's store and clock with two endpoints on the receiver."""
    return WebhookOutbox(store, [receiver.url, receiver.other_url], clock=clock)


@pytest.fixture
def sender(store, clock, receiver) -> WebhookDelivery:
    """The delivery service for `outbox`'s endpoints, on the test's clock, with short time-outs."""
    return WebhookDelivery(store, urls=[receiver.url, receiver.other_url], secret=SECRET,
                           poster=HttpPoster(timeout=SHORT_TIMEOUT), clock=clock)
