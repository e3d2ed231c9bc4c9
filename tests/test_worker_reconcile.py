"""The worker's reconcile: page by page in short writes, in slices across ticks, beating meanwhile.

A slow product list is played by `PagedCloud` (lazily read pages, each taking fake-clock time);
the sandbox plays the real cloud where its order and owners matter.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from types import SimpleNamespace

import pytest

from bff import labels
from bff.devices.service import DeviceService
from bff.errors import CloudUnavailable
from bff.web.health import WORKER_SILENCE_LIMIT_SECONDS
from bff.worker import HEARTBEAT_NAME, RECONCILE_PAGE_SIZE, RECONCILE_WRITE_GAP_SECONDS, Worker

from tests.support import LABEL_KEY
from tests.support.polling import wait_until

PAGE_SECONDS = 15.0  # a slow cloud: each page of 100 devices takes this long (fake clock)
PRODUCTS = {"big-product": 0, "small-product": 1}  # the number in each product's device IDs


class PagedCloud:
    """Product device lists read a page at a time as the worker asks for them, each page moving the
    fake clock by `page_seconds`; `on_page(product_key, served)` runs as each page is served."""

    def __init__(self, clock, sizes: dict[str, int], *, page_seconds: float = PAGE_SECONDS,
                 fail_after: dict[str, int] | None = None) -> None:
        self.clock, self.sizes, self.page_seconds = clock, sizes, page_seconds
        self.fail_after = fail_after or {}  # product -> pages served before the list fails
        self.served: dict[str, int] = {key: 0 for key in sizes}
        self.list_calls: list[dict] = []
        self.on_page = lambda product_key, served: None

    @staticmethod
    def takes_cloud_owners(product_key: str) -> bool:  # customers mode: the cloud's owners count
        return True

    def product_keys(self) -> list[str]:
        return list(self.sizes)

    def product_device_pages(self, product_key: str, **options):
        self.list_calls.append(options)
        return self._pages(product_key)

    def _pages(self, product_key: str):
        for start in range(0, self.sizes[product_key], RECONCILE_PAGE_SIZE):
            if start // RECONCILE_PAGE_SIZE == self.fail_after.get(product_key, -1):
                raise CloudUnavailable(f"GET {product_key} devices page {start // RECONCILE_PAGE_SIZE + 1}: 503")
            self.clock.advance(self.page_seconds)
            end = min(self.sizes[product_key], start + RECONCILE_PAGE_SIZE)
            self.served[product_key] = end
            self.on_page(product_key, end)
            yield [self.device(product_key, index) for index in range(start, end)]

    @staticmethod
    def device(product_key: str, index: int) -> dict:
        number = PRODUCTS[product_key]
        return {"id": f"{number:04x}{index:020x}", "name": f"unit_{index}", "online": index % 2 == 0,
                "platform_id": 10, "serial_number": f"SN{number}{index:07d}", "owner": None, "last_heard": None}


@pytest.fixture
def paged_services(store, claims, sms, clock):
    """Services whose cloud is a PagedCloud of 2,500 + 120 devices (a 390 s read at 15 s a page)."""
    cloud = PagedCloud(clock, {"big-product": 2500, "small-product": 120})
    return SimpleNamespace(store=store, particle=cloud, claims=claims, sms=sms,
                           devices=DeviceService(store, cloud, label_key=LABEL_KEY))


def raises(error: Exception):
    def broken(*args, **kwargs):
        raise error
    return broken


def known_ids(store) -> set[str]:
    return {row["device_id"] for row in store.devices()}


def all_listed(cloud: PagedCloud) -> set[str]:
    return {PagedCloud.device(product_key, index)["id"]
            for product_key, size in cloud.sizes.items() for index in range(size)}


# -- the heartbeat during a long reconcile -------------------------------------------------------------


def test_the_heartbeat_stays_fresh_through_a_reconcile_longer_than_the_health_limit(paged_services, store, clock):
    cloud = paged_services.particle
    worker = Worker(paged_services, clock=clock)
    ages = []
    cloud.on_page = lambda product_key, served: ages.append(store.seconds_since_heartbeat(HEARTBEAT_NAME, now=clock()))
    started = clock()

    assert worker.reconcile() is True

    assert clock() - started > 5 * WORKER_SILENCE_LIMIT_SECONDS  # the pass took far longer than the limit
    assert ages[0] is None  # no tick here: the first page comes before any beat
    assert all(age is not None and age <= WORKER_SILENCE_LIMIT_SECONDS for age in ages[1:])
    assert store.seconds_since_heartbeat(HEARTBEAT_NAME, now=clock()) <= WORKER_SILENCE_LIMIT_SECONDS
    assert known_ids(store) == all_listed(cloud)


def test_a_failing_heartbeat_does_not_stop_the_reconcile(paged_services, store, clock, monkeypatch, caplog):
    monkeypatch.setattr(store, "record_heartbeat", raises(sqlite3.OperationalError("database is locked")))

    assert Worker(paged_services, clock=clock).reconcile() is True

    assert known_ids(store) == all_listed(paged_services.particle)
    assert any("heartbeat not recorded" in record.getMessage() for record in caplog.records)


# -- slices: a pass spread over ticks, nothing dropped, memory bounded -----------------------------------


def test_a_pass_is_worked_in_slices_across_ticks_and_records_every_device(paged_services, store, clock):
    cloud = paged_services.particle
    worker = Worker(paged_services, clock=clock, heartbeat_seconds=10.0, reconcile_slice_seconds=40.0)
    beats, pages = [], []
    cloud.on_page = lambda product_key, served: pages.append(product_key)

    while True:
        before = len(pages)
        worker.tick()  # every job, then a slice of the pass
        beats.append(store.last_heartbeat(HEARTBEAT_NAME))
        assert len(pages) - before <= 3  # 45 s of pages, then the tick ends (a 40 s slice)
        if not worker.reconciling:
            break
        assert len(beats) < 100

    assert len(pages) == 25 + 2 and len(beats) >= 9  # the pass spread over 9 ticks and more
    assert all(0 <= later - earlier <= WORKER_SILENCE_LIMIT_SECONDS for earlier, later in zip(beats, beats[1:]))
    assert known_ids(store) == all_listed(cloud)
    assert all(row["label_code"] for row in store.devices())
    assert all(call.get("sort_attr") == "deviceId" for call in cloud.list_calls)  # an order kept mid-pass


def test_the_worker_never_holds_more_than_a_page_or_two_of_the_list(paged_services, store, clock):
    cloud = paged_services.particle
    ahead = []
    cloud.on_page = lambda product_key, served: ahead.append(
        served - sum(1 for row in store.devices(product_key)))

    Worker(paged_services, clock=clock).reconcile()

    assert max(ahead) <= 2 * RECONCILE_PAGE_SIZE  # read as it is written, never the whole list first


def test_the_running_worker_goes_on_with_an_open_pass_at_once(paged_services, store, clock, monkeypatch):
    monkeypatch.setattr("bff.worker.TICK_PAUSE_WHILE_RECONCILING", 0.01)
    paged_services.particle.event_stream = None  # no streams here (their failure to start is logged)
    worker = Worker(paged_services, clock=clock, heartbeat_seconds=30.0, reconcile_slice_seconds=0.0)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:  # a page a tick: 27 ticks, which would take 13 minutes at one tick every 30 s
        assert wait_until(lambda: not worker.reconciling and len(store.devices()) == 2620)
    finally:
        worker.stop()
        thread.join(timeout=10)
    assert known_ids(store) == all_listed(paged_services.particle)


def test_the_next_pass_starts_when_due_and_not_while_one_is_open(paged_services, store, clock, monkeypatch):
    worker = Worker(paged_services, clock=clock, reconcile_seconds=300.0, reconcile_slice_seconds=0.0)
    cloud = paged_services.particle
    worker.tick()
    assert worker.reconciling and len(cloud.list_calls) == 1
    while worker.reconciling:
        worker.tick()
    calls = len(cloud.list_calls)

    worker.tick()  # just finished: not due yet
    assert not worker.reconciling and len(cloud.list_calls) == calls

    monkeypatch.setattr(worker, "_last_reconcile", time.monotonic() - 301)
    worker.tick()
    assert worker.reconciling and len(cloud.list_calls) == calls + 1


class LiveListCloud:
    """A product list paged by page number over a list that changes while it is read, sorted as
    Particle sorts it: by last connection, newest first, unless told otherwise."""

    def __init__(self, count: int) -> None:
        self.connected = {f"{index:024x}": None for index in range(count)}  # device ID -> last connection
        self.pages_served = 0

    @staticmethod
    def takes_cloud_owners(product_key: str) -> bool:  # customers mode: the cloud's owners count
        return True

    def product_keys(self) -> list[str]:
        return ["live-product"]

    def connect(self, device_id: str) -> None:
        self.connected[device_id] = time.time()

    def product_device_pages(self, product_key: str, *, sort_attr: str | None = None, sort_dir: str | None = None,
                             **filters):
        page = 1
        while True:
            if sort_attr == "deviceId":
                order = sorted(self.connected, reverse=sort_dir == "desc")
            else:  # Particle's default: lastConnection, newest first (never connected last)
                order = sorted(sorted(self.connected), key=lambda d: self.connected[d] or 0, reverse=True)
            self.pages_served += 1
            yield [{"id": device_id, "online": self.connected[device_id] is not None, "owner": None}
                   for device_id in order[(page - 1) * RECONCILE_PAGE_SIZE:page * RECONCILE_PAGE_SIZE]]
            if page * RECONCILE_PAGE_SIZE >= len(order):
                return
            page += 1


def test_a_device_that_connects_mid_pass_is_not_skipped(store, claims, sms, clock):
    """Sorted by last connection (the cloud's default), a device that connects jumps to page 1, and
    a pass already past page 1 would never read it; sorted by device ID it stays where it was."""
    cloud = LiveListCloud(350)
    services = SimpleNamespace(store=store, particle=cloud, claims=claims, sms=sms,
                               devices=DeviceService(store, cloud, label_key=LABEL_KEY))
    worker = Worker(services, clock=clock)

    assert worker.reconcile(seconds=0) is False  # a page a slice: the first page only
    last = max(cloud.connected)  # on the last page, not read yet
    assert store.device(last) is None
    cloud.connect(last)
    while not worker.reconcile(seconds=0):
        pass

    assert known_ids(store) == set(cloud.connected)  # never-connected devices too
    assert store.device(last)["online"] == 1


# -- short writes: only what changed, claims never wait behind a run of writes ---------------------------


def test_unchanged_devices_are_not_written_again(paged_services, store, clock):
    worker = Worker(paged_services, clock=clock)
    worker.reconcile()
    before = {row["device_id"]: row["updated_at"] for row in store.devices()}
    changed = PagedCloud.device("big-product", 1234)["id"]
    device = PagedCloud.device
    paged_services.particle.device = lambda product_key, index: (
        {**device(product_key, index), "name": "renamed"} if (product_key, index) == ("big-product", 1234)
        else device(product_key, index))

    worker.reconcile()

    after = {row["device_id"]: row["updated_at"] for row in store.devices()}
    assert [device_id for device_id in after if after[device_id] != before[device_id]] == [changed]
    assert store.device(changed)["name"] == "renamed"


def test_a_pass_with_nothing_changed_takes_no_write_lock(paged_services, store, clock, monkeypatch):
    worker = Worker(paged_services, clock=clock, heartbeat_seconds=3600)  # its one beat before the lock
    worker.reconcile()
    transaction, entered = store.transaction, []
    monkeypatch.setattr(store, "transaction", lambda: entered.append(1) or transaction())
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a claim in another process holds the write lock throughout
    try:
        started = time.monotonic()
        assert worker.reconcile() is True
        assert time.monotonic() - started < 5  # never waited for the lock (the busy timeout is 10 s)
        assert entered == []  # not even asked for it
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_page_writes_leave_a_gap_for_other_transactions(paged_services, store, clock, monkeypatch):
    remember_devices = store.remember_devices
    writes = []

    def timed(*args, **kwargs):
        started = time.monotonic()
        written = remember_devices(*args, **kwargs)
        writes.append((started, time.monotonic()))
        return written

    monkeypatch.setattr(store, "remember_devices", timed)
    paged_services.particle.page_seconds = 0.0  # a fast cloud: pages come back to back

    Worker(paged_services, clock=clock).reconcile()

    shortest, _ = RECONCILE_WRITE_GAP_SECONDS
    pairs = list(zip(writes, writes[1:]))
    assert len(pairs) > 20
    for (started, ended), (next_started, _) in pairs:  # twice the write's time, at least the shortest gap
        assert next_started - ended >= max(shortest, 2 * (ended - started)) * 0.9


# -- what is kept: the cloud's owner, bff's label codes, odd devices and failing lists -------------------


def test_the_cloud_owner_is_taken_and_a_known_label_code_kept(store, particle, claims, sms, clock, electron,
                                                              online_device, offline_device, customer):
    services = SimpleNamespace(store=store, particle=particle, claims=claims, sms=sms, devices=claims.devices)
    particle.claim_device(electron["slug"], customer, online_device)  # claimed elsewhere: bff never saw it
    old_code = labels.new_label_code()
    store.upsert_device(offline_device, product_key=electron["slug"], owner="gone@example.com")
    store.ensure_label_code(offline_device, [old_code])

    Worker(services, clock=clock).reconcile()

    assert store.device(online_device)["owner"] == customer
    assert store.device(online_device)["label_code"] == next(labels.derived_label_codes(LABEL_KEY, online_device))
    assert store.device(offline_device)["owner"] is None  # the cloud says nobody owns it now
    assert store.device(offline_device)["label_code"] == old_code  # a code already printed stays


def test_a_claim_recorded_after_a_page_was_listed_keeps_its_owner(store, particle, claims, sms, clock, person,
                                                                  online_device, tag, monkeypatch):
    """The cloud listed the device unowned; the claim lands in bff before the page is written (the
    write waits its gap): the older list must not undo the claim. The next pass reads it anew."""
    services = SimpleNamespace(store=store, particle=particle, claims=claims, sms=sms, devices=claims.devices)
    remember_page = claims.devices.remember_page

    def claim_lands_first(product_key, page, **kwargs):
        if any(device["id"] == online_device for device in page) and store.device(online_device) is None:
            clock.now = time.time()  # the claim's record, on the wall clock, after the list was asked for
            assert claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device)).succeeded
        return remember_page(product_key, page, **kwargs)

    monkeypatch.setattr(claims.devices, "remember_page", claim_lands_first)
    Worker(services, clock=clock).reconcile()

    owner = store.device(online_device)["owner"]
    assert owner is not None and owner == store.shadow_customer(person.id, store.device(online_device)["product_key"])[
        "username"]
    monkeypatch.undo()
    Worker(services, clock=clock).reconcile()  # the next pass: the cloud says the same now
    assert store.device(online_device)["owner"] == owner


def test_odd_devices_are_logged_and_the_rest_of_their_page_kept(paged_services, store, clock, caplog):
    cloud = paged_services.particle
    device = PagedCloud.device
    odd = {5: {"name": ["a", "list"]}, 6: {"id": None}, 7: {"id": "not-a-device-id"}}
    cloud.device = lambda product_key, index: {
        **device(product_key, index), **(odd.get(index, {}) if product_key == "big-product" else {})}

    Worker(paged_services, clock=clock).reconcile()

    assert known_ids(store) == all_listed(cloud) - {device("big-product", i)["id"] for i in (5, 6, 7)}
    errors = [r for r in caplog.records if r.levelname == "ERROR" and "not recorded" in r.getMessage()]
    assert len(errors) == 3 and all(r.exc_info for r in errors)


def test_a_page_whose_write_fails_is_kept_device_by_device(paged_services, store, clock, monkeypatch, caplog):
    devices = paged_services.devices
    remember = devices.remember
    bad = PagedCloud.device("small-product", 3)["id"]

    def broken_for_one(product_key, device, **kwargs):
        if device["id"] == bad:
            raise RuntimeError("injected failure")
        return remember(product_key, device, **kwargs)

    monkeypatch.setattr(store, "remember_devices", raises(sqlite3.IntegrityError("injected page failure")))
    monkeypatch.setattr(devices, "remember", broken_for_one)
    paged_services.particle.sizes = {"small-product": 120}

    Worker(paged_services, clock=clock).reconcile()

    assert known_ids(store) == {PagedCloud.device("small-product", i)["id"] for i in range(120)} - {bad}
    assert [r for r in caplog.records if f"device {bad} not recorded" in r.getMessage() and r.exc_info]
    assert [r for r in caplog.records if "written device by device" in r.getMessage()]


def test_a_list_that_fails_mid_way_keeps_its_pages_so_far_and_the_other_products(paged_services, store, clock,
                                                                                   caplog):
    cloud = paged_services.particle
    cloud.fail_after = {"big-product": 4}

    assert Worker(paged_services, clock=clock).reconcile() is True

    assert len(store.devices("big-product")) == 400
    assert len(store.devices("small-product")) == 120
    assert [r for r in caplog.records if r.levelname == "WARNING" and "reconcile of big-product failed" in r.getMessage()]
