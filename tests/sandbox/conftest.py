"""Fixtures of the sandbox tests (the shared `sandbox` / `sandbox_server` are in tests/conftest.py)."""
from __future__ import annotations

import pytest
import requests

from bff.sandbox import SandboxCloud

from .sandbox_client import EventStreamReader, SandboxApi


@pytest.fixture
def api(sandbox) -> SandboxApi:
    """A client for the shared sandbox, reset to its demo data."""
    return SandboxApi(sandbox.base_url, sandbox.demo_info())


@pytest.fixture
def private_cloud():
    """A sandbox of this test's own (for stop/restart and crash tests); stopped afterwards."""
    cloud = SandboxCloud()
    cloud.start(host="127.0.0.1", port=0)
    yield cloud
    cloud.stop()


@pytest.fixture
def streams():
    """Opens SSE streams (`streams(api, path, token)`) and closes them after the test."""
    opened: list[EventStreamReader] = []

    def open_stream(client: SandboxApi, path: str, token: str | None) -> EventStreamReader:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.get(client.url + path, headers=headers, stream=True, timeout=10)
        assert response.status_code == 200, response.text
        reader = EventStreamReader(response)
        opened.append(reader)
        return reader

    yield open_stream
    for reader in opened:
        reader.close()
