"""The worker: finishes waiting claims on the device's online event, reconciles, beats."""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from bff.worker import HEARTBEAT_NAME, Worker

from tests.support import PHONE
from tests.support.polling import wait_until


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
