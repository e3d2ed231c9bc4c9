"""Shared fixtures: the sandbox Particle cloud runs as a real HTTP server on loopback.

One sandbox server serves the whole test session (starting it costs RSA keys and threads);
`sandbox` resets it to the demo data before each test, so every test starts from the same cloud.
"""
import pytest

from bff.sandbox import SandboxCloud


@pytest.fixture(scope="session")
def sandbox_server():
    """The sandbox cloud, started once on 127.0.0.1 with an ephemeral port."""
    cloud = SandboxCloud()
    cloud.start(host="127.0.0.1", port=0)
    yield cloud
    cloud.stop()


@pytest.fixture
def sandbox(sandbox_server):
    """The sandbox cloud, reset to its demo data (products, clients, Wi-Fi network, devices)."""
    sandbox_server.reset()
    return sandbox_server
