"""Fixtures of the Wi-Fi setup and API tests (tests/setup, tests/api): bff in sandbox mode, a
worker thread, Photons in listening mode. tests/api/conftest.py imports them from here.

The sandbox fixtures (`sandbox`, `control`, `photon`, ...) come from tests/conftest.py. The setup
service runs on a clock the test moves (`clock`); the sandbox has its own (`control.advance_clock`).
"""
from __future__ import annotations

import threading

import pytest
import requests
from setup_support import (
    OTHER_PHONE,
    PHONE,
    ApiClient,
    Clock,
    OpenApiChecker,
    SoftApSetup,
    sign_in_by_api,
    wait_until,
)

from bff.api.openapi import openapi_document
from bff.wiring import get_services
from bff.worker import Worker


@pytest.fixture
def app(app_factory):
    """bff in sandbox mode, talking HTTP to the test sandbox, with a fresh database."""
    return app_factory(PUBLIC_URL="http://bff.test")


@pytest.fixture
def services(app):
    return get_services(app)


@pytest.fixture
def clock(services):
    """The setup service's clock, moved by the test."""
    moved = Clock()
    services.setup._clock = moved
    return moved


@pytest.fixture
def wifi_setup(services, clock):
    return services.setup


@pytest.fixture
def checker():
    return OpenApiChecker(openapi_document())


@pytest.fixture
def api(app, checker, services, clock):
    """The JSON API as a setup app uses it, signed in (by phone) as PHONE."""
    client = ApiClient(app.test_client(), checker)
    client.token = sign_in_by_api(client, services.sms, PHONE, name="test app")
    return client


@pytest.fixture
def other_api(app, checker, services, clock):
    client = ApiClient(app.test_client(), checker)
    client.token = sign_in_by_api(client, services.sms, OTHER_PHONE)
    return client


@pytest.fixture
def wifi(demo) -> dict:
    """The sandbox's Wi-Fi network: ssid, password."""
    return demo["wifi"][0]


@pytest.fixture
def new_photon(control, photon):
    """Makes an offline Photon of the demo product (or of none: `product=None`); returns its id."""

    def make(product=photon["id"]) -> str:
        return control.create_device("photon", product, online=False)["id"]

    return make


@pytest.fixture
def listen(sandbox):
    """Puts a Photon in listening mode; returns a SoftAP client for it."""

    def start(device_id: str) -> SoftApSetup:
        response = requests.post(f"{sandbox.base_url}/sandbox/devices/{device_id}/listen", timeout=10)
        response.raise_for_status()
        address = response.json()
        return SoftApSetup(address["host"], address["tcp_port"])

    return start


@pytest.fixture
def worker(services, clock):
    """A running worker: event streams, one tick at start, then no periodic work for a minute
    (so an arrival seen in a test came by the event path)."""
    running = Worker(services, heartbeat_seconds=60, stream_options={"silence_timeout": 5})
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    assert wait_until(lambda: running.streams and all(s.connected.is_set() for s in running.streams))
    yield running
    running.stop()
    thread.join(timeout=15)
