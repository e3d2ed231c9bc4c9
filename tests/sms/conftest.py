"""Fixtures of the SMS tests: bff in sandbox mode against the test sandbox, a Twilio-signing phone.

The app uses a configured Twilio auth token (as a deployment would) unless a test builds one
without; the reply deadline is generous here (so a healthy sandbox always answers in time on a
busy machine) and short in the slow-cloud tests, which set it themselves.
"""
from __future__ import annotations

import pytest
from sms_support import ACCOUNT_SID, AUTH_TOKEN, OPERATOR_PHONE, PUBLIC_URL, TwilioPhone

from bff.wiring import get_services
from bff.sms.webhook import webhook_auth_token


@pytest.fixture
def app_factory(app_factory):
    """Builds bff apps in sandbox mode (CSRF on) against the test sandbox, with Twilio set up."""
    built = []

    def build(**overrides):
        config = {"PUBLIC_URL": PUBLIC_URL, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                  "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "SMS_REPLY_DEADLINE": 10.0, **overrides}
        app = app_factory(**config)
        built.append(app)
        return app

    yield build
    for app in built:  # let running SMS work end before the next test resets the sandbox
        inbox = app.extensions.get("bff_sms_inbox")
        if inbox is not None:
            inbox.close(wait=True)


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def services(app):
    return get_services(app)


@pytest.fixture
def client(app):
    return app.test_client()


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
