"""kill -9 of a bff process in the middle of a move; after a restart the worker's `resume_moves`
finishes it, and the sandbox cloud and bff agree on the owner."""
from __future__ import annotations

import dataclasses
import fnmatch
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ownership.helpers import bff_owner, cloud_owner, events_of, username_of
from tests.support import OTHER_PHONE
from tests.support.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]
HANG_SECONDS = 4.0
# where the process hangs: (fault path, method, the bff state that shows it is in that call)
KILL_POINTS = {
    "unclaim": ("/v1/products/*/devices/*/owner", "DELETE", "requested"),
    "claim": ("/v1/devices", "POST", "released"),
}


@pytest.mark.parametrize("kill_point", sorted(KILL_POINTS))
def test_kill_9_in_the_middle_of_a_move_then_resume_agrees_with_the_cloud(
        kill_point, lifecycle, owns, store, control, claims, products, sandbox, person, other_person,
        online_device, clock):
    path, method, state = KILL_POINTS[kill_point]
    owns(person, online_device)
    offer = lifecycle.give(person, online_device, OTHER_PHONE, channel="sms")
    control.add_fault(path=path, method=method, latency=HANG_SECONDS, times=1)
    control.clear_requests()
    process = _accept_in_another_process(store, sandbox, products, other_person.id, offer.id)
    try:
        assert wait_until(lambda: _in_the_hanging_call(store, online_device, state), timeout=10)
        time.sleep(0.5)  # inside the hanging call
        process.kill()  # SIGKILL: no clean-up of any kind
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert not _handled(control, path, method)  # killed before the cloud answered
    assert wait_until(lambda: _handled(control, path, method), timeout=HANG_SECONDS + 5)  # the cloud did it
    [move] = store.moves_of_device(online_device)
    assert move["state"] == state and move["leased_until"] > clock()  # left half done, leased

    # the dead process's leases have run out (they were taken on its own wall clock, which may be
    # seconds past this test's clock when the process was slow to start)
    held = [move["leased_until"]] + [c["leased_until"] or 0 for c in store.claims_of_device(online_device, limit=5)]
    clock.now = max(held) + 1
    assert lifecycle.resume_moves() == 1
    claims.retry_due()  # a claim the dead process had begun is finished by the worker too
    assert store.move_row(move["id"])["state"] == "done"
    receiver = username_of(store, other_person, online_device)
    assert cloud_owner(control, online_device) == bff_owner(store, online_device) == receiver
    assert len(events_of(store, "device.given")) == 1
    assert lifecycle.offer(offer.id).state == "accepted"
    assert lifecycle.resume_moves() == 0


def _accept_in_another_process(store, sandbox, products, user_id, offer_id) -> subprocess.Popen:
    config = {"database": store.path, "api_url": sandbox.base_url, "user_id": user_id, "offer_id": offer_id,
              "products": [dataclasses.asdict(product) for product in products]}
    return subprocess.Popen([sys.executable, "-m", "tests.ownership.move_process", json.dumps(config)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _move_state(store, device_id):
    rows = store.moves_of_device(device_id)
    return rows[0]["state"] if rows else None


def _in_the_hanging_call(store, device_id, state):
    """The process wrote what comes just before the hanging call: the move row (unclaim next), or the
    new owner's claim row (the claim call next)."""
    if _move_state(store, device_id) != state:
        return False
    return state == "requested" or store.open_claim_of_device(device_id) is not None


def _handled(control, path, method):
    return any(fnmatch.fnmatchcase(row["path"], path) for row in control.requests(method=method))
