"""Fixtures for the app-level tests: a bff app in sandbox mode against the test sandbox."""
from __future__ import annotations

import pytest


@pytest.fixture
def app(app_factory):
    """bff in sandbox mode, talking HTTP to the test sandbox, with a fresh database."""
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def services(app):
    from bff.wiring import get_services

    return get_services(app)
