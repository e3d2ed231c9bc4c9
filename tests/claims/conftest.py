"""Fixtures of the claims-service tests: the real store, cloud client and SMS outbox."""
from __future__ import annotations

import pytest

from bff import labels
from bff.accounts.service import AccountService
from bff.claims.service import ClaimsService
from bff.twilio.sender import SmsSender

LABEL_KEY = "test-label-key"


class Clock:
    """A clock the test moves forward (claims use it for backoff and due times)."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    import time

    return Clock(time.time())


@pytest.fixture
def sms(store):
    """The SMS sender without Twilio: messages are kept in the outbox."""
    return SmsSender(store)


@pytest.fixture
def claims(store, particle, sms, clock):
    return ClaimsService(store, particle, sms, label_key=LABEL_KEY, clock=clock)


@pytest.fixture
def accounts(store, sms):
    return AccountService(store, sms, secret="test-secret")


@pytest.fixture
def person(accounts):
    """A customer with a phone number (texts reach them through the outbox)."""
    return accounts.user_for_phone("+15550100001").id


@pytest.fixture
def other_person(accounts):
    return accounts.user_for_phone("+15550100002").id


@pytest.fixture
def tag():
    """The QR tag of a device, as printed on its label."""
    return lambda device_id: labels.qr_tag(LABEL_KEY, device_id)
