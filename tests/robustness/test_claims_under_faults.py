"""Claims under a storm of cloud faults, and a bff process killed with SIGKILL in the middle of a batch:
nothing is lost, nothing is done twice, and once the storm is over every claim finishes with the
sandbox cloud and bff agreeing on each device's owner."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import LABEL_KEY
from tests.support.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]
PEOPLE, CLAIMS_EACH = 8, 25  # 200 claims; under the per-person hourly limit (operators are exempt anyway)
STORM = (  # first match wins; together about 30 % of the cloud calls fail one way or another
    {"path": "*", "method": "*", "probability": 0.10, "seed": 1, "status": 503},
    {"path": "*", "method": "*", "probability": 0.08, "seed": 2, "status": 429, "retry_after": 1},
    {"path": "*", "method": "*", "probability": 0.07, "seed": 3, "drop": "after"},  # done, never heard
    {"path": "*", "method": "*", "probability": 0.06, "seed": 4, "drop": "before"},
)


def claim_rows(store) -> list[dict]:
    return list(store.db.query("SELECT * FROM claims ORDER BY id"))


def finish_everything(claims, clock, *, rounds: int = 40) -> None:
    """The worker after the storm: retries whatever is due, with time moving on."""
    for _ in range(rounds):
        if not claims.store.db.execute(
                "SELECT 1 FROM claims WHERE state IN ('requested', 'waiting_for_device')").fetchone():
            return
        clock.advance(3600)
        claims.retry_due()


def assert_cloud_and_bff_agree(store, control, people_and_devices) -> None:
    for user_id, device_id in people_and_devices:
        username = store.shadow_customer(user_id, store.device(device_id)["product_key"])["username"]
        assert control.device(device_id)["owner"] == username, device_id
        assert store.device(device_id)["owner"] == username, device_id


@pytest.fixture
def people(accounts):
    return [accounts.user_for_phone(f"+1201555{4000 + n:04d}") for n in range(PEOPLE)]


def test_a_fault_storm_loses_nothing_and_doubles_nothing(claims, control, store, clock, new_devices, people, tag):
    devices = new_devices(PEOPLE * CLAIMS_EACH)
    plan = [(people[n % PEOPLE].id, device_id) for n, device_id in enumerate(devices)]
    for device_id in devices:
        claims.devices.find(device_id)  # bff knows them (as after an import); the storm hits the claims
    for fault in STORM:
        control.add_fault(**fault)
    for user_id, device_id in plan:
        claims.request_claim(user_id, device_id, channel="api", tag=tag(device_id))
    faulted = sum(fault["hits"] for fault in control.faults())
    control.clear_faults()
    finish_everything(claims, clock)

    rows = claim_rows(store)
    assert len(rows) == len(plan)  # one claim per request: none lost, none doubled
    assert sorted((row["user_id"], row["device_id"]) for row in rows) == sorted(plan)
    assert {row["state"] for row in rows} == {"claimed"}, [r for r in rows if r["state"] != "claimed"][:3]
    assert_cloud_and_bff_agree(store, control, plan)
    assert faulted > len(plan) // 5  # the storm really hit


def test_kill_9_in_the_middle_of_a_batch_then_restart_loses_nothing(
        claims, control, store, clock, new_devices, people, sandbox, products):
    devices = new_devices(30)
    plan = [(people[n % 3].id, device_id) for n, device_id in enumerate(devices)]
    for user_id, device_id in plan:
        claims.devices.find(device_id)  # bff knows the devices (as after an import)
    control.add_fault(path="/v1/devices", method="POST", latency=0.3)  # slow claims: the kill lands mid-batch
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.robustness.claim_batch_process", json.dumps({
            "database": str(store.path), "api_url": sandbox.base_url, "label_key": LABEL_KEY,
            "products": [{"key": p.key, "client_id": p.client_id, "client_secret": p.client_secret}
                         for p in products],
            "claims": plan})],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: len(claim_rows(store)) >= 8, timeout=30)
        process.kill()  # SIGKILL mid-batch: no clean-up of any kind
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    control.clear_faults()
    started = {(row["user_id"], row["device_id"]) for row in claim_rows(store)}
    assert 8 <= len(started) < len(plan)

    # The restart: the worker finishes what was started (leases expire), the batch is sent again.
    clock.advance(3600)
    claims.retry_due()
    for user_id, device_id in plan:
        claims.request_claim(user_id, device_id, channel="api", operator=True)
    finish_everything(claims, clock)

    rows = claim_rows(store)
    assert sorted((row["user_id"], row["device_id"]) for row in rows) == sorted(plan)  # one each
    assert {row["state"] for row in rows} == {"claimed"}
    assert_cloud_and_bff_agree(store, control, plan)
