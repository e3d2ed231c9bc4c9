"""Fixtures of the webhook tests: the test receiver (a real HTTP server on loopback), bff apps that
send their events to it, and a `WebhookDelivery` on the test's store and clock with short time-outs."""
from __future__ import annotations

import pytest

from bff.webhooks import WebhookOutbox
from bff.webhooks.delivery import HttpPoster
from bff.webhooks.service import WebhookDelivery

from tests.support.webhook_receiver import SECRET, WebhookReceiver

SHORT_TIMEOUT = (1.0, 0.5)  # the receiver's "timeout" answer (1.5 s) comes after this


@pytest.fixture(scope="session")
def receiver_server():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def receiver(receiver_server) -> WebhookReceiver:
    """The product creator's endpoint (verifies signatures, deduplicates by id), fresh for the test."""
    receiver_server.reset()
    return receiver_server


@pytest.fixture
def app(app_factory, receiver):
    """bff whose events go to the receiver, signed with its secret."""
    return app_factory(WEBHOOK_URLS=receiver.url, WEBHOOK_SECRET=SECRET)


@pytest.fixture
def outbox(store, clock, receiver) -> WebhookOutbox:
    """An outbox on the test's store and clock with two endpoints on the receiver."""
    return WebhookOutbox(store, [receiver.url, receiver.other_url], clock=clock)


@pytest.fixture
def sender(store, clock, receiver) -> WebhookDelivery:
    """The delivery service for `outbox`'s endpoints, on the test's clock, with short time-outs."""
    return WebhookDelivery(store, urls=[receiver.url, receiver.other_url], secret=SECRET,
                           poster=HttpPoster(timeout=SHORT_TIMEOUT), clock=clock)
