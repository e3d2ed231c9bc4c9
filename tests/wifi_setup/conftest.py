"""Fixtures of the Wi-Fi setup tests: the app's setup service on the test's clock, the sandbox's
Wi-Fi network, Photons in listening mode, a running worker.

The sandbox fixtures (`sandbox`, `control`, `photon`, ...) and the app's (`app`, `services`,
`api_client`, `worker_factory`, ...) come from tests/conftest.py. The setup service runs on
`clock`, which the test moves; the sandbox has its own (`control.advance_clock`).
"""
from __future__ import annotations

import pytest
import requests

from tests.wifi_setup.softap_setup import SoftApSetup


@pytest.fixture
def wifi_setup(services, clock):
    """The app's Wi-Fi setup service, running on `clock` from now on."""
    services.setup._clock = clock
    return services.setup


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
def worker(services, wifi_setup, worker_factory):
    """The app's worker, running: event streams, one tick at start, then no periodic work for a
    minute (so an arrival seen in a test came by the event path)."""
    return worker_factory(services, heartbeat_seconds=60)
