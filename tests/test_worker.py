"""The worker: finishes waiting claims on the device's online event, reconciles, beats."""
from __future__ import annotations

import sqlite3
import time
import uuid
from types import SimpleNamespace

import pytest

from bff import labels
from bff.worker import HEARTBEAT_NAME, Worker

from tests.support import OTHER_PHONE, PHONE
from tests.support.fake_twilio import OUR_NUMBER
from tests.support.polling import wait_for, wait_until


@pytest.fixture
def fast_worker(store, particle, claims, sms, worker_factory):
    """A running worker (event streams + a fast tick) over the test's store and sandbox, no app."""
    services = SimpleNamespace(store=store, particle=particle, claims=claims, devices=claims.devices, sms=sms)
    return worker_factory(services, heartbeat_seconds=0.1)


def test_a_waiting_claim_finishes_when_the_device_comes_online(fast_worker, claims, person, offline_device,
                                                               tag, control, sms):
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    assert claim.state == "waiting_for_device"

    control.power(offline_device, True)

    assert wait_until(lambda: claims.claim(claim.id).succeeded)
    assert wait_until(lambda: len(sms.outbox(to=PHONE)) == 1)


def test_online_and_offline_events_update_the_known_device(fast_worker, store, offline_device, control):
    control.power(offline_device, True)
    assert wait_until(lambda: (store.device(offline_device) or {}).get("online") == 1)

    control.power(offline_device, False)
    assert wait_until(lambda: store.device(offline_device)["online"] == 0)


def test_the_reconcile_keeps_every_product_device_with_a_label_code(fast_worker, store, control, electron, photon):
    expected = {d["id"] for d in control.state()["devices"] if d["product_id"] in (electron["id"], photon["id"])}

    assert wait_until(lambda: {row["device_id"] for row in store.devices()} >= expected)
    assert all(store.device(device_id)["label_code"] for device_id in expected)


def test_the_worker_beats_its_heart(fast_worker, store):
    assert wait_until(lambda: store.seconds_since_heartbeat(HEARTBEAT_NAME) is not None)


def test_housekeeping_forgets_cloud_calls_older_than_a_month(store, particle, claims, sms):
    services = SimpleNamespace(store=store, particle=particle, claims=claims, devices=claims.devices, sms=sms)
    now = time.time()
    store.log_cloud_call(method="GET", path="/old", status=200, ms=1.0, at=now - 31 * 24 * 3600)
    store.log_cloud_call(method="GET", path="/recent", status=200, ms=1.0, at=now - 29 * 24 * 3600)

    Worker(services).housekeeping(now=now)

    assert [call["path"] for call in store.cloud_calls()] == ["/recent"]


def test_housekeeping_forgets_handled_sms_and_delivered_events_older_than_a_month(store, particle, claims, sms):
    services = SimpleNamespace(store=store, particle=particle, claims=claims, devices=claims.devices, sms=sms)
    now, old, recent = time.time(), time.time() - 31 * 24 * 3600, time.time() - 29 * 24 * 3600
    for stamp, status in ((old, "sent"), (old, "queued"), (recent, "sent")):
        store.add_outbound_sms("+12015550100", f"{status} at {stamp}", purpose="test", status=status, now=stamp)
    for sid, stamp, status in (("SMold", old, "replied"), ("SMwork", old, "working"), ("SMnew", recent, "done")):
        store.db.execute("INSERT INTO inbound_sms (message_sid, from_phone, status, created_at) VALUES (?, ?, ?, ?)",
                         [sid, "+12015550100", status, stamp])
    store.add_webhook_event(event_id="evt_old", event_type="device.claimed", payload="{}", urls=["http://x"], now=old)
    store.db.execute("UPDATE webhook_deliveries SET state = 'delivered' WHERE event_id = 'evt_old'")
    store.add_webhook_event(event_id="evt_pending", event_type="device.claimed", payload="{}", urls=["http://x"],
                            now=old)

    Worker(services).housekeeping(now=now)

    outbound = [row["status"] for row in store.db.query("SELECT status FROM outbound_sms ORDER BY id")]
    assert outbound == ["queued", "sent"]  # the old sent one went; one still to send stays
    inbound = [row["message_sid"] for row in store.db.query("SELECT message_sid FROM inbound_sms ORDER BY message_sid")]
    assert inbound == ["SMnew", "SMwork"]
    events = [row["event_id"] for row in store.db.query("SELECT event_id FROM webhook_events")]
    assert events == ["evt_pending"]  # an event still to deliver is kept, however old


# -- crash isolation: one failure is logged, the rest of the work goes on ---------------------------


def boom(*args, **kwargs):
    raise RuntimeError("injected failure")


def failures_logged(caplog, words: str) -> list:
    """The error records (with their traceback) whose message has `words`."""
    return [r for r in caplog.records if r.levelname == "ERROR" and words in r.getMessage() and r.exc_info]


@pytest.fixture
def busy_services(store, particle, claims, twilio_sender, accounts):
    """Services whose every periodic job has something to do (SMS through the fake Twilio)."""
    return SimpleNamespace(store=store, particle=particle, claims=claims, devices=claims.devices,
                           sms=twilio_sender, accounts=accounts)


@pytest.fixture
def work_for_every_job(busy_services, person, offline_device, tag, control, fake_twilio, clock, photon):
    """Something due for each job; returns a check of which jobs did their work (by name)."""
    store, claims, sms = busy_services.store, busy_services.claims, busy_services.sms
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    assert claim.state == "waiting_for_device"
    control.power(offline_device, True)  # no event stream here: only the retry finds out
    fake_twilio.fail_next(500, 20500)
    sms_id = sms.send(OTHER_PHONE, "A queued text.", purpose="claim")
    assert store.outbound_sms(sms_id)["status"] == "queued"
    clock.advance(3600)  # the claim's and the text's next attempts are due
    stuck = "SM" + uuid.uuid4().hex  # a text a crashed webhook left unanswered
    store.claim_inbound_sms(stuck, from_phone=PHONE, to_phone=OUR_NUMBER, body="STATUS",
                            lease_until=time.time() - 1)
    now = time.time()
    store.log_cloud_call(method="GET", path="/old", status=200, ms=1.0, at=now - 31 * 24 * 3600)
    photon_device = control.demo_devices(photon["id"], online=False)[0]["id"]  # only the reconcile reads it

    def done() -> dict[str, bool]:
        return {
            "heartbeat": store.last_heartbeat(HEARTBEAT_NAME) is not None,
            "retry_due": claims.claim(claim.id).succeeded,
            "deliver_due": store.outbound_sms(sms_id)["status"] == "sent",
            "finish_stuck": store.inbound_sms(stuck)["status"] == "done",
            "reconcile": store.device(photon_device) is not None,
            "housekeeping": "/old" not in [call["path"] for call in store.cloud_calls()],
        }

    assert not any(done().values())
    return done


def break_job(monkeypatch, worker: Worker, job: str) -> None:
    """Make one periodic job of `worker` raise."""
    owner = {"heartbeat": worker.store, "retry_due": worker.claims, "deliver_due": worker.sms,
             "finish_stuck": worker.sms_inbox, "reconcile": worker, "housekeeping": worker}[job]
    name = {"heartbeat": "record_heartbeat"}.get(job, job)
    monkeypatch.setattr(owner, name, boom)


@pytest.mark.parametrize("broken", ["heartbeat", "retry_due", "deliver_due", "finish_stuck", "reconcile",
                                    "housekeeping"])
def test_one_failing_job_does_not_stop_the_others(busy_services, work_for_every_job, monkeypatch, caplog,
                                                  broken):
    worker = Worker(busy_services)  # not started: what one tick does
    break_job(monkeypatch, worker, broken)

    worker.tick()

    assert work_for_every_job() == {job: job != broken for job in work_for_every_job()}
    assert len(failures_logged(caplog, "worker job")) == 1


def test_the_running_worker_survives_failing_jobs_and_beats_on(store, particle, claims, sms, monkeypatch,
                                                               worker_factory, offline_device, control):
    services = SimpleNamespace(store=store, particle=particle, claims=claims, devices=claims.devices, sms=sms)
    beats = []
    record_heartbeat = store.record_heartbeat

    def first_beat_fails(name, **kwargs):
        beats.append(name)
        if len(beats) == 1:
            raise sqlite3.OperationalError("database is locked")
        record_heartbeat(name, **kwargs)

    monkeypatch.setattr(store, "record_heartbeat", first_beat_fails)
    monkeypatch.setattr(claims, "retry_due", boom)  # fails at every tick
    worker = worker_factory(services, heartbeat_seconds=0.05)

    first = wait_for(lambda: store.last_heartbeat(HEARTBEAT_NAME))
    assert wait_until(lambda: store.last_heartbeat(HEARTBEAT_NAME) > first)  # still ticking
    control.power(offline_device, True)  # and still following the event streams
    assert wait_until(lambda: (store.device(offline_device) or {}).get("online") == 1)
    assert worker.streams and all(stream.running for stream in worker.streams)


def test_a_stream_that_cannot_start_does_not_stop_the_others_or_the_jobs(store, particle, claims, sms, monkeypatch,
                                                                        worker_factory, caplog):
    services = SimpleNamespace(store=store, particle=particle, claims=claims, devices=claims.devices, sms=sms)
    event_stream = particle.event_stream
    first, *others = particle.product_keys()

    def broken_for_first(product_key, *args, **kwargs):
        if product_key == first:
            raise RuntimeError("injected failure")
        return event_stream(product_key, *args, **kwargs)

    monkeypatch.setattr(particle, "event_stream", broken_for_first)
    worker = worker_factory(services, heartbeat_seconds=0.05)

    assert others and [stream.product_key for stream in worker.streams] == others
    assert wait_until(lambda: store.last_heartbeat(HEARTBEAT_NAME) is not None)
    assert failures_logged(caplog, f"event stream of {first} could not start")


def test_a_failing_online_handler_does_not_stop_the_others_or_the_stream(
        fast_worker, claims, person, control, electron, tag, store, caplog):
    first, second = [d["id"] for d in control.demo_devices(electron["id"], online=False)[:2]]
    claim = claims.request_claim(person.id, first, channel="web", tag=tag(first))
    seen = []

    def broken_for_first(product_key, device_id):
        if device_id == first:
            raise RuntimeError("injected failure")

    fast_worker.online_handlers.insert(0, broken_for_first)  # before the claims' handler
    fast_worker.on_device_online(lambda product_key, device_id: seen.append(device_id))

    control.power(first, True)
    control.power(second, True)

    assert wait_until(lambda: seen == [first, second])
    assert claims.claim(claim.id).succeeded  # the handler after the broken one still ran
    control.power(second, False)  # the stream goes on
    assert wait_until(lambda: store.device(second)["online"] == 0)
    assert failures_logged(caplog, f"online handler failed for device {first}")


def test_a_failing_product_does_not_stop_the_reconcile_of_the_others(busy_services, particle, store, control,
                                                                     electron, photon, monkeypatch, caplog):
    product_device_pages = particle.product_device_pages
    first, *others = particle.product_keys()

    def broken_for_first(product_key, **kwargs):
        if product_key == first:
            raise RuntimeError("injected failure")
        return product_device_pages(product_key, **kwargs)

    monkeypatch.setattr(particle, "product_device_pages", broken_for_first)

    Worker(busy_services).reconcile()

    known = {row["product_key"] for row in store.devices()}
    assert others and known == set(others)
    assert failures_logged(caplog, f"reconcile of {first} failed")


def test_one_device_that_cannot_be_recorded_does_not_stop_the_reconcile(busy_services, store, particle, control,
                                                                        electron, monkeypatch, caplog):
    expected = {d["id"] for d in control.state()["devices"] if d["product_id"] == electron["id"]}
    bad = sorted(expected)[0]
    product_device_pages = particle.product_device_pages

    def one_odd_device(product_key, **kwargs):  # a value bff cannot keep, in the middle of the page
        for page in product_device_pages(product_key, **kwargs):
            yield [{**device, "name": {"odd": True}} if device["id"] == bad else device for device in page]

    monkeypatch.setattr(particle, "product_device_pages", one_odd_device)

    Worker(busy_services).reconcile_product(electron["slug"])

    assert {row["device_id"] for row in store.devices()} == expected - {bad}
    assert failures_logged(caplog, f"device {bad} not recorded")


# -- a device bff first hears of through an event ---------------------------------------------------


def status_event(device_id: str, data: str = "online") -> SimpleNamespace:
    return SimpleNamespace(name="spark/status", coreid=device_id, data=data)


@pytest.fixture
def unseen_device(control, electron) -> str:
    """A named Electron of the demo product, online, that bff has never read (no reconcile yet)."""
    device = control._call("POST", "/devices", json={"platform": "electron", "product": electron["id"],
                                                     "online": True, "name": "pump_7"})
    return device["id"]


def device_reads(control, device_id: str) -> list[dict]:
    return [r for r in control.requests(method="GET") if r["path"].rstrip("/").endswith(f"/devices/{device_id}")]


def test_a_device_first_heard_of_by_an_event_is_read_once_and_kept_with_its_label_code(
        app, services, client, control, electron, unseen_device, tag):
    worker = Worker(services)  # not started: no reconcile, only the event
    assert services.store.device(unseen_device) is None
    control.clear_requests()

    worker.handle_event(electron["slug"], status_event(unseen_device))
    worker.new_devices.wait()

    row = services.store.device(unseen_device)
    assert (row["name"], row["platform_id"], row["online"]) == ("pump_7", 10, 1)
    assert row["label_code"] and row["serial_number"]
    assert len(device_reads(control, unseen_device)) == 1
    view = services.devices.find(unseen_device)  # what the landing, My devices and SMS show (no read)
    assert (view.name, view.platform, view.label_code) == ("pump_7", "electron", row["label_code"])
    landing = client.get(f"/d/{unseen_device}?k={tag(unseen_device)}")
    assert landing.status_code == 200 and "Electron" in landing.get_data(as_text=True)
    assert len(device_reads(control, unseen_device)) == 1
    console = client.get("/console").get_data(as_text=True)
    assert labels.format_label_code(row["label_code"]) in console

    worker.handle_event(electron["slug"], status_event(unseen_device, "offline"))
    worker.handle_event(electron["slug"], status_event(unseen_device))
    worker.new_devices.wait()
    assert len(device_reads(control, unseen_device)) == 1  # known now: no second read
    assert services.store.device(unseen_device)["label_code"] == row["label_code"]


def test_a_failed_read_of_a_new_device_is_tried_again_at_its_next_event(services, control, electron,
                                                                        unseen_device, caplog):
    worker = Worker(services)
    control.add_fault(path="/v1/products/*/devices/*", method="GET", status=503, times=1)

    worker.handle_event(electron["slug"], status_event(unseen_device))
    worker.new_devices.wait()
    assert services.store.device(unseen_device)["online"] == 1  # the event itself is kept
    assert services.store.device(unseen_device)["label_code"] is None

    worker.handle_event(electron["slug"], status_event(unseen_device))
    worker.new_devices.wait()
    assert services.store.device(unseen_device)["name"] == "pump_7"
    assert services.store.device(unseen_device)["label_code"]


def test_a_slow_read_of_a_new_device_does_not_hold_up_the_event_stream(services, control, electron,
                                                                       unseen_device, offline_device):
    worker = Worker(services)
    seen = []
    worker.on_device_online(lambda product_key, device_id: seen.append(device_id))
    control.add_fault(path="/v1/products/*/devices/*", method="GET", latency=3, times=1)

    started = time.monotonic()
    worker.handle_event(electron["slug"], status_event(unseen_device))
    worker.handle_event(electron["slug"], status_event(offline_device))
    assert time.monotonic() - started < 1.5  # the read runs beside the stream
    assert seen == [unseen_device, offline_device]
    worker.new_devices.wait()
    assert services.store.device(unseen_device)["name"] == "pump_7"
    worker.stop_streams()
