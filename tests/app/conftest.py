"""Fixtures for the app-level tests: a bff app in sandbox mode against the test sandbox."""
from __future__ import annotations

import pytest

from bff import create_app


@pytest.fixture
def app(sandbox, tmp_path):
    """bff in sandbox mode, talking HTTP to the test sandbox, with a fresh database."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "bff.sqlite3"),
            "PARTICLE_API_URL": sandbox.base_url,
            "SECRET_KEY": "test-secret-key",
            "LABEL_KEY": "test-label-key",
        },
        instance_path=str(tmp_path / "instance"),
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def services(app):
    from bff.services import get_services

    return get_services(app)
