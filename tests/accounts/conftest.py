"""Fixtures of the accounts tests: store, clock, SMS senders (outbox and a local fake Twilio), apps."""
from __future__ import annotations

import pytest

from bff.accounts.service import AccountService
from bff.db.store import Store
from bff.twilio.sender import SmsSender

from accounts_support import (
    ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, Clock, FakeTwilio, LocalTwilioHttpClient, cheap_hasher,
)


@pytest.fixture
def store(tmp_path):
    database = Store(tmp_path / "accounts.sqlite3")
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def outbox_sender(store, clock):
    """The SMS sender without Twilio: messages are kept in the outbox."""
    return SmsSender(store, clock=clock)


@pytest.fixture(scope="session")
def fake_twilio_server():
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def fake_twilio(fake_twilio_server):
    fake_twilio_server.reset()
    return fake_twilio_server


@pytest.fixture
def twilio_sender(store, clock, fake_twilio):
    """The SMS sender with (fake) Twilio credentials, talking HTTP to `fake_twilio`."""
    return SmsSender(store, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=FROM_NUMBER,
                     http_client=LocalTwilioHttpClient(fake_twilio.base_url), clock=clock)


@pytest.fixture
def accounts(store, outbox_sender, clock):
    return AccountService(store, outbox_sender, clock=clock, secret="test-secret",
                          password_hasher=cheap_hasher())


@pytest.fixture
def app_factory(app_factory):
    """Builds bff apps in sandbox mode against the test sandbox (CSRF stays ON)."""

    def build(**overrides):
        app = app_factory(**overrides)
        assert app.config.get("WTF_CSRF_ENABLED", True)
        return app

    return build


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def services(app):
    from bff.wiring import get_services

    found = get_services(app)
    found.accounts.hasher = cheap_hasher()
    return found


@pytest.fixture
def client(app, services):
    return app.test_client()
