"""Shared fixtures: the sandbox Particle cloud runs as a real HTTP server on loopback.

One sandbox server serves the whole test session (starting it costs RSA keys and threads);
`sandbox` resets it to the demo data before each test, so every test starts from the same cloud.
`particle` is bff's real client talking HTTP to it; `store` is a fresh SQLite file per test;
`control` drives the sandbox through its control API (devices, faults, request log, clock, options).
"""
from __future__ import annotations

import pytest
import requests

from bff import create_app
from bff.config import ProductCredentials
from bff.db.store import Store
from bff.particle.client import ParticleCloud
from bff.sandbox import SandboxCloud

TEST_TIMEOUT = (2.0, 5.0)  # short, so a broken test fails fast; faults use latency beyond it


class SandboxControl:
    """The sandbox's control API (/sandbox/...), as the tests use it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()

    def _call(self, method: str, path: str, **kwargs):
        response = self.http.request(method, f"{self.base_url}/sandbox{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def create_device(self, platform: str, product=None, online: bool = True) -> dict:
        return self._call("POST", "/devices", json={"platform": platform, "product": product,
                                                    "online": online})

    def device(self, device_id: str) -> dict:
        return self._call("GET", f"/devices/{device_id}")

    def power(self, device_id: str, online: bool) -> dict:
        return self._call("POST", f"/devices/{device_id}/{'online' if online else 'offline'}")

    def publish(self, device_id: str, name: str, data: str | None = None) -> None:
        """The (online) device publishes an event."""
        self._call("POST", f"/devices/{device_id}/events", json={"name": name, "data": data})

    def add_fault(self, **spec) -> dict:
        return self._call("POST", "/faults", json=spec)

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def requests(self, path: str | None = None, method: str | None = None) -> list[dict]:
        """The API calls the sandbox received (optionally one path and method)."""
        return [entry for entry in self._call("GET", "/requests")
                if (path is None or entry["path"] == path)
                and (method is None or entry["method"] == method)]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def advance_clock(self, seconds: float) -> None:
        self._call("POST", "/clock", json={"advance": seconds})

    def state(self) -> dict:
        return self._call("GET", "/state")

    def set_options(self, **options) -> dict:
        return self._call("PUT", "/options", json=options)

    def end_streams(self) -> None:
        self._call("DELETE", "/streams")

    def demo_devices(self, product_id: int, *, online: bool) -> list[dict]:
        """The demo devices of a product that are (not) online and unclaimed."""
        return [d for d in self.state()["devices"]
                if d["product_id"] == product_id and d["online"] == online and not d["owner"]]


@pytest.fixture
def store(tmp_path):
    """A migrated database in a fresh file."""
    database = Store(tmp_path / "bff.sqlite3")
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def control(sandbox):
    return SandboxControl(sandbox.base_url)


@pytest.fixture
def demo(sandbox) -> dict:
    """The sandbox's demo info: base_url, products with their OAuth clients."""
    return sandbox.demo_info()


@pytest.fixture
def electron(demo) -> dict:
    """The demo Electron product (id, slug, platform_id, client_id, client_secret)."""
    return next(p for p in demo["products"] if p["platform"] == "electron")


@pytest.fixture
def photon(demo) -> dict:
    return next(p for p in demo["products"] if p["platform"] == "photon")


@pytest.fixture
def products(demo) -> list[ProductCredentials]:
    """bff's product configuration for the demo products (keyed by slug)."""
    return [ProductCredentials(key=p["slug"], client_id=p["client_id"], client_secret=p["client_secret"])
            for p in demo["products"]]


@pytest.fixture
def particle_factory(sandbox, products, store):
    """Builds more clients: another process on the same database, other credentials or clock."""

    def build(products=products, store=store, **options) -> ParticleCloud:
        options.setdefault("timeout", TEST_TIMEOUT)
        return ParticleCloud(options.pop("api_url", sandbox.base_url), products, store, **options)

    return build


@pytest.fixture
def particle(particle_factory) -> ParticleCloud:
    return particle_factory()


@pytest.fixture
def user_id(store) -> int:
    return store.create_user()


@pytest.fixture
def customer(particle, electron, user_id) -> str:
    """The username of a shadow customer of the Electron product (created in the sandbox)."""
    return particle.ensure_customer(electron["slug"], user_id)


@pytest.fixture
def online_device(control, electron) -> str:
    """An online, imported, unclaimed Electron."""
    return control.demo_devices(electron["id"], online=True)[0]["id"]


@pytest.fixture
def offline_device(control, electron) -> str:
    return control.demo_devices(electron["id"], online=False)[0]["id"]



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



@pytest.fixture
def app_factory(sandbox, tmp_path):
    """Builds bff apps in sandbox mode, talking HTTP to the test sandbox, on this test's database."""

    def build(**overrides):
        config = {
            "TESTING": True,
            "DATABASE": str(tmp_path / "bff.sqlite3"),
            "PARTICLE_API_URL": sandbox.base_url,
            "SECRET_KEY": "test-secret-key",
            "LABEL_KEY": "test-label-key",
            **overrides,
        }
        return create_app(config, instance_path=str(tmp_path / "instance"))

    return build
