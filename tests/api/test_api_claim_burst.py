"""`POST /api/v1/claims` under a burst with the cloud hanging (issue 14, item 2), as SMS does
(tests/sms/test_sms_burst.py): while the cloud is known to be slow the reply is 202 at once and the
attempt still runs; a full pool answers 202 at once and the worker's retry claims the device.
"""
from __future__ import annotations

import pytest

from bff.api.claim_runs import claim_runs_for
from bff.claims.cloud_wait import CloudWait

from tests.support import PHONE
from tests.support.api_client import api_with_deadline, timed_claim
from tests.support.polling import wait_for

HANG = 3.0
DEADLINE = 1.0


@pytest.fixture
def api(app_factory, checker):
    with api_with_deadline(app_factory, checker, DEADLINE, PHONE) as client:
        yield client


def test_a_cloud_known_slow_gets_202_at_once_and_the_attempt_still_runs(api, control, new_devices):
    runs = claim_runs_for(api.app, api.services)
    runs.cloud_wait = CloudWait(trip_after=1, cool_down=60)
    first, second = new_devices(2)
    control.add_fault(path="/v1/devices*", method="POST", latency=HANG, times=2)

    slow, seconds = timed_claim(api, first)  # waited half the deadline with no answer: the breaker opens
    assert slow.status_code == 202 and seconds >= DEADLINE / 2 and runs.cloud_wait.state == "open"
    fast, seconds = timed_claim(api, second)
    assert fast.status_code == 202 and seconds < DEADLINE / 2  # not waited for at all
    for reply in (slow, fast):
        done = wait_for(lambda: (lambda c: c if c["done"] else None)(api.get(reply.get_json()["status_url"]).get_json()),
                        timeout=HANG + 10)
        assert done["state"] == "claimed"


def test_a_full_pool_gets_202_at_once_and_the_worker_retry_claims(api, control, new_devices, monkeypatch):
    runs = claim_runs_for(api.app, api.services)
    monkeypatch.setattr(runs.pool, "try_submit", lambda *args: None)  # no room
    [device] = new_devices(1)
    reply, seconds = timed_claim(api, device)
    assert reply.status_code == 202 and seconds < DEADLINE / 2
    assert api.get(reply.get_json()["status_url"]).get_json()["state"] == "requested"
    assert api.services.claims.retry_due() == 1  # the worker's round
    assert api.get(reply.get_json()["status_url"]).get_json()["state"] == "claimed"
    assert control.device(device)["owner"]
