"""The shared fixtures, one definition each (a folder's conftest.py holds only what that folder alone uses).

- The sandbox Particle cloud runs as a real HTTP server on loopback: one server for the whole session
  (starting it costs RSA keys and threads); `sandbox` resets it to the demo data before each test, so
  every test starts from the same cloud; `control` drives it through its control API (devices,
  faults, request log, clock, options).
- The test's database is one fresh SQLite file: `store` opens it, and so does every app `app_factory`
  builds. `clock` is a FakeClock the test moves by hand.
- bff's parts without an app, on that database: `particle` (the real cloud client, over HTTP to the
  sandbox), `sms` (the SMS sender, texts kept in the outbox), `twilio_sender` (the same talking to a
  local fake Twilio), `accounts`, `claims`; `person` and `other_person` are customers with phones.
- The ownership mode (README "Ownership modes"): a test that asks for `ownership_mode` runs in both,
  `customers` and `product`; its `products` (so `particle`, `claims`) and every app `app_factory`
  builds are then in that mode, and `owners` checks a device's owner where that mode keeps it.
- bff as an app: `app_factory` (settings from an `app_settings` mark, then its arguments), `app`,
  its `services`, a `client` not signed in, `member` signed in as `person`; `api_client` and
  `other_api_client` for the JSON API; `worker_factory` runs workers in threads.
"""
from __future__ import annotations

import threading

import pytest
import requests

from bff import create_app, labels
from bff.accounts.service import AccountService
from bff.api.openapi import openapi_document
from bff.audit import AuditLog
from bff.claims.service import ClaimsService
from bff.operators import OperatorService
from bff.config import CUSTOMERS_MODE, PRODUCT_MODE, ProductCredentials
from bff.db.store import Store
from bff.particle.client import ParticleCloud
from bff.particle.sandbox_link import products_from_demo_info
from bff.sandbox import SandboxCloud
from bff.twilio.sender import SmsSender
from bff.webhooks import WebhookOutbox
from bff.wiring import get_services
from bff.worker import Worker

from tests.support import LABEL_KEY, OTHER_PHONE, PHONE, cheap_hasher
from tests.support.api_client import ApiClient, OpenApiChecker, sign_in_by_api
from tests.support.clock import FakeClock
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, FakeTwilio, LocalTwilioHttpClient
from tests.support.pages import signed_in_client
from tests.support.polling import wait_until
from tests.support.webhook_receiver import SECRET as WEBHOOK_SECRET, WebhookReceiver

EVENTS_URL = "http://127.0.0.1:9/bff-events"  # the `events` fixture's endpoint (port 9: discard)
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

    def hold(self, device_id: str, **flags: bool) -> dict:
        """The product holds its device back: `quarantined=True` and/or `denied=True` (False: not)."""
        return self._call("PUT", f"/devices/{device_id}", json=flags)

    def publish(self, device_id: str, name: str, data: str | None = None) -> None:
        """The (online) device publishes an event."""
        self._call("POST", f"/devices/{device_id}/events", json={"name": name, "data": data})

    def add_fault(self, **spec) -> dict:
        return self._call("POST", "/faults", json=spec)

    def faults(self) -> list[dict]:
        """The faults still in place, with their `hits`."""
        return self._call("GET", "/faults")

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

    def create_api_user(self, product, scopes: list[str], friendly_name: str = "test api user") -> dict:
        """An API user of the product (id or slug) with these scopes: `{"username", "token", "scopes", ...}`."""
        return self._call("POST", "/api-users", json={"product": product, "scopes": scopes,
                                                      "friendly_name": friendly_name})

    def demo_devices(self, product_id: int, *, online: bool) -> list[dict]:
        """The demo devices of a product that are (not) online and unclaimed."""
        return [d for d in self.state()["devices"]
                if d["product_id"] == product_id and d["online"] == online and not d["owner"]]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "app_settings(**settings): settings of every app app_factory builds for the marked "
                   "tests (the closest mark counts; the factory's arguments still come last)")


# -- the sandbox cloud -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sandbox_server():
    """The sandbox cloud, started once on 127.0.0.1 with an ephemeral port. Its streams' keep-alive
    (2 s) is shorter than the test workers' silence timeout (5 s): with Particle's 9 s the streams
    would reconnect every 5 s and an event sent in that gap would be lost, as it would be by the
    real cloud."""
    cloud = SandboxCloud(sse_keepalive=2.0)
    cloud.start(host="127.0.0.1", port=0)
    yield cloud
    cloud.stop()


@pytest.fixture
def sandbox(sandbox_server):
    """The sandbox cloud, reset to its demo data (products, clients, Wi-Fi network, devices)."""
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
def control(sandbox) -> SandboxControl:
    """The sandbox's control API."""
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
    """The demo Photon product (Wi-Fi: set up through SoftAP with a claim code)."""
    return next(p for p in demo["products"] if p["platform"] == "photon")


@pytest.fixture
def products(request, demo) -> list[ProductCredentials]:
    """bff's product configuration for the demo products (keyed by slug), in the test's ownership
    mode: OAuth clients (customers mode), or the demo API users' tokens alone (product mode)."""
    return products_from_demo_info(demo, mode=mode_of(request))


@pytest.fixture(params=[CUSTOMERS_MODE, PRODUCT_MODE])
def ownership_mode(request) -> str:
    """Runs the test once per ownership mode: its `products` (so `particle`, `claims`) and every app
    `app_factory` builds are in that mode (README "Ownership modes")."""
    return request.param


def mode_of(request) -> str:
    """The test's ownership mode: its `ownership_mode`, else customers (bff's default)."""
    return request.getfixturevalue("ownership_mode") if "ownership_mode" in request.fixturenames else CUSTOMERS_MODE


class Owners:
    """Where a device's owner is, as the test's ownership mode keeps it: bff's record always; the
    cloud's too in customers mode, while in product mode the cloud has no owner and no customer."""

    def __init__(self, mode: str, control: SandboxControl) -> None:
        self.mode = mode
        self.control = control

    def check(self, store, device_id: str, user_id: int | None) -> None:
        """bff (and in customers mode the cloud) say the device is `user_id`'s (None: nobody's)."""
        row = store.device(device_id)
        named = store.shadow_customer(user_id, row["product_key"]) if user_id is not None else None
        owner = named["username"] if named else None
        assert row["owner"] == owner, f"bff records {row['owner']!r} as the owner, not {owner!r}"
        state = self.control.state()
        cloud_owner = next(d["owner"] for d in state["devices"] if d["id"] == device_id)
        if self.mode == PRODUCT_MODE:
            assert cloud_owner is None, "product mode: the device must stay unclaimed in the cloud"
            assert state["customers"] == [], "product mode: no customer may be created in the cloud"
        else:
            assert cloud_owner == owner


@pytest.fixture
def owners(ownership_mode, control) -> Owners:
    """Checks a device's owner where the ownership mode keeps it, `owners.check(store, device_id,
    user_id)`; a test that asks for it runs in both modes."""
    return Owners(ownership_mode, control)


@pytest.fixture
def online_device(control, electron) -> str:
    """An online, imported, unclaimed Electron."""
    return control.demo_devices(electron["id"], online=True)[0]["id"]


@pytest.fixture
def offline_device(control, electron) -> str:
    """An offline, imported, unclaimed Electron."""
    return control.demo_devices(electron["id"], online=False)[0]["id"]


# -- the test's database and clock; bff's parts without an app -------------------------------------


@pytest.fixture
def store(tmp_path):
    """A migrated database in a fresh file (the file every app of the test opens too)."""
    database = Store(tmp_path / "bff.sqlite3")
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def clock() -> FakeClock:
    """A clock the test moves by hand, starting now (hand it to a service as `clock=`)."""
    return FakeClock()


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
    """A user without a phone, in the store."""
    return store.create_user()


@pytest.fixture
def customer(particle, electron, user_id) -> str:
    """The username of a shadow customer of the Electron product (created in the sandbox)."""
    return particle.ensure_customer(electron["slug"], user_id)


@pytest.fixture
def sms(store, clock) -> SmsSender:
    """The SMS sender without Twilio: texts are kept in the outbox, readable as in sandbox mode."""
    return SmsSender(store, clock=clock, readable_outbox=True)


@pytest.fixture(scope="session")
def fake_twilio_server():
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def fake_twilio(fake_twilio_server) -> FakeTwilio:
    """A local fake of Twilio's REST API (what it received, outages on demand), fresh for the test."""
    fake_twilio_server.reset()
    return fake_twilio_server


@pytest.fixture
def twilio_sender(store, clock, fake_twilio) -> SmsSender:
    """The SMS sender with the test Twilio account, talking HTTP to `fake_twilio`."""
    return SmsSender(store, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=OUR_NUMBER,
                     http_client=LocalTwilioHttpClient(fake_twilio.base_url), clock=clock)


@pytest.fixture
def accounts(store, sms, clock) -> AccountService:
    """The accounts service (people, sign-in codes, operators) over the test's store and outbox, on `clock`."""
    return AccountService(store, sms, clock=clock, secret="test-secret", password_hasher=cheap_hasher())


@pytest.fixture
def person(accounts):
    """A customer: the user of PHONE (texts to them land in the outbox)."""
    return accounts.user_for_phone(PHONE)


@pytest.fixture
def other_person(accounts):
    """Another customer: the user of OTHER_PHONE."""
    return accounts.user_for_phone(OTHER_PHONE)


@pytest.fixture
def audit(store, clock) -> AuditLog:
    """The audit log over the test's store, on `clock`."""
    return AuditLog(store, clock=clock)


@pytest.fixture
def operators(store, accounts, audit, clock) -> OperatorService:
    """Operators: two-step sign-in and management, over the test's accounts and audit log."""
    return OperatorService(store, accounts, audit, clock=clock)


@pytest.fixture
def events(store, clock) -> WebhookOutbox:
    """The webhook outbox over the test's store, on `clock`, with one endpoint (EVENTS_URL, never
    called: nothing delivers in these tests), so each event also gets a delivery row."""
    return WebhookOutbox(store, [EVENTS_URL], clock=clock)


@pytest.fixture
def claims(store, particle, sms, audit, events, clock) -> ClaimsService:
    """The claims service over the test's store, the sandbox and the outbox, on `clock`; its events
    go to `events`."""
    return ClaimsService(store, particle, sms, label_key=LABEL_KEY, audit=audit, events=events, clock=clock)


@pytest.fixture
def tag():
    """The QR tag of a device, as printed on its label: `tag(device_id)`."""
    return lambda device_id: labels.qr_tag(LABEL_KEY, device_id)


# -- bff as an app ---------------------------------------------------------------------------------


@pytest.fixture
def app_factory(request, sandbox, tmp_path):
    """Builds bff apps in sandbox mode, talking HTTP to the test sandbox, on this test's database.

    Settings: the test defaults below, then those of the test's `app_settings` mark (on the test,
    its module or class), then the arguments. CSRF stays on (TESTING does not turn it off): the
    tests send the form token as a browser does. SMS work an app still runs ends with the test.
    """
    mark = request.node.get_closest_marker("app_settings")
    built = []

    def build(**overrides):
        settings = {
            "TESTING": True,
            "DATABASE": str(tmp_path / "bff.sqlite3"),
            "PARTICLE_API_URL": sandbox.base_url,
            "SECRET_KEY": "test-secret-key",
            "LABEL_KEY": LABEL_KEY,
            "PUBLIC_URL": "http://bff.test",  # not bff's default, so a test sees links use it
            "OWNERSHIP_MODE": mode_of(request),
            **(mark.kwargs if mark else {}),
            **overrides,
        }
        app = create_app(settings, instance_path=str(tmp_path / "instance"))
        assert app.config.get("WTF_CSRF_ENABLED", True)
        built.append(app)
        return app

    yield build
    for app in built:  # let running SMS work end before the next test resets the sandbox
        inbox = app.extensions.get("bff_sms_inbox")
        if inbox is not None:
            inbox.close(wait=True)


@pytest.fixture
def app(app_factory):
    """bff in sandbox mode against the test sandbox, on the test's database."""
    return app_factory()


@pytest.fixture
def services(app):
    """The app's services (argon2 at its cheapest, so operators' passwords hash fast)."""
    found = get_services(app)
    found.accounts.hasher = cheap_hasher()
    return found


@pytest.fixture
def client(app):
    """A browser that is not signed in (the Flask test client)."""
    return app.test_client()


@pytest.fixture
def member(app, person):
    """A browser signed in as `person`."""
    return signed_in_client(app, person)


@pytest.fixture
def checker() -> OpenApiChecker:
    """Checks API replies against /api/v1/openapi.json (`ApiClient` calls it on every reply)."""
    return OpenApiChecker(openapi_document())


@pytest.fixture
def api_client_for(app, checker, services):
    """Builds JSON API clients signed in (by phone) as someone: `api_client_for(phone)`."""
    def build(phone: str, name: str | None = None) -> ApiClient:
        client = ApiClient(app.test_client(), checker)
        client.token = sign_in_by_api(client, services.sms, phone, name=name)
        return client
    return build


@pytest.fixture
def api_client(api_client_for) -> ApiClient:
    """The JSON API as a setup app uses it, signed in (by phone) as PHONE."""
    return api_client_for(PHONE, name="test app")


@pytest.fixture
def other_api_client(api_client_for) -> ApiClient:
    """The JSON API signed in as OTHER_PHONE."""
    return api_client_for(OTHER_PHONE)


@pytest.fixture
def worker_factory():
    """Starts workers in threads, `start(services, heartbeat_seconds=...)`, each returned once its
    event streams are connected; stops them after the test (ask for it after what the workers use,
    so they stop before that is torn down)."""
    running: list[tuple[Worker, threading.Thread]] = []

    def start(services, *, heartbeat_seconds: float) -> Worker:
        worker = Worker(services, heartbeat_seconds=heartbeat_seconds, stream_options={"silence_timeout": 5})
        thread = threading.Thread(target=worker.run_forever, daemon=True)
        thread.start()
        running.append((worker, thread))
        assert wait_until(lambda: worker.streams and all(s.connected.is_set() for s in worker.streams))
        return worker

    yield start
    for worker, thread in running:
        worker.stop()
        thread.join(timeout=15)


@pytest.fixture
def hour_clock(services) -> FakeClock:
    """The app's rate counters on a fake clock a minute into an hour (no window ends mid-test)."""
    clock = FakeClock()
    clock.now = (clock.now // 3600) * 3600 + 60
    services.accounts.clock = clock
    return clock


@pytest.fixture
def new_devices(control, electron):
    """Makes `n` online, unclaimed Electrons of the demo product."""
    return lambda n: [control.create_device("electron", electron["id"], online=True)["id"] for _ in range(n)]


# -- the product creator's endpoint for bff's events -------------------------------------------------


@pytest.fixture(scope="session")
def receiver_server():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def receiver(receiver_server) -> WebhookReceiver:
    """The product creator's endpoint (verifies signatures, deduplicates by id), fresh for the test."""
    receiver_server.reset()
    return receiver_server


@pytest.fixture
def events_app(app_factory, receiver):
    """bff whose events go to the test receiver, signed with its secret."""
    return app_factory(WEBHOOK_URLS=receiver.url, WEBHOOK_SECRET=WEBHOOK_SECRET)

