"""Fixtures of the SMS tests: a phone that texts bff as Twilio does, an operator, the outbox.

The SMS test modules mark their tests `app_settings(**SMS_APP_SETTINGS)`: the app has Twilio set up
as a deployment has (its auth token, account and https public URL), unless a test builds one
without; the reply deadline is generous (so a healthy sandbox always answers in time on a busy
machine) and short in the slow-cloud tests, which set it themselves.
"""
from __future__ import annotations

import pytest

from bff.sms.webhook import webhook_auth_token

from tests.support import OPERATOR_PHONE
from tests.sms.sms_support import TwilioPhone


@pytest.fixture
def phone(app, client):
    """A phone that texts bff through 'Twilio' (signed requests)."""
    return TwilioPhone(client, webhook_auth_token(app))


@pytest.fixture
def operator(services):
    """An operator (field crew) whose phone is OPERATOR_PHONE."""
    user_id = services.store.create_operator_user("crew", "not-a-real-hash", phone=OPERATOR_PHONE)
    return services.accounts.user(user_id)


@pytest.fixture
def label_code(services):
    """The label code bff gives a device (bff learns the device from the cloud first)."""
    return lambda device_id: services.devices.find(device_id).label_code


@pytest.fixture
def outbox(services):
    """The texts bff sent (or kept) to a phone, oldest first."""
    return lambda phone: [m["body"] for m in reversed(services.sms.outbox(to=phone))]
