"""Fixtures for the page tests: bff in sandbox mode (Flask test client) against the test sandbox.

CSRF stays on: the tests read the form token from the page, as a browser sends it. A signed-in
person is made with the accounts service and put in the session the way flask-login keeps it.
The sandbox fixtures (`sandbox`, `control`, `electron`, `online_device`, `offline_device`) come
from tests/conftest.py.
"""
from __future__ import annotations

import pytest
from web_helpers import signed_in_client

from bff.wiring import get_services

PHONE = "+12015550123"
OTHER_PHONE = "+12015550124"


@pytest.fixture
def app(app_factory):
    """bff in sandbox mode, talking HTTP to the test sandbox, with a fresh database."""
    return app_factory(PUBLIC_URL="http://bff.test")


@pytest.fixture
def services(app):
    return get_services(app)


@pytest.fixture
def client(app):
    """A browser that is not signed in."""
    return app.test_client()


@pytest.fixture
def person(app, services):
    """A customer (a phone number's user)."""
    with app.app_context():
        return services.accounts.user_for_phone(PHONE)


@pytest.fixture
def other_person(app, services):
    with app.app_context():
        return services.accounts.user_for_phone(OTHER_PHONE)


@pytest.fixture
def member(app, person):
    """A browser signed in as `person`."""
    return signed_in_client(app, person)
