"""The claims service keeps every time on its own clock (`clock=`), all the way down to the rows it
writes: a test (or a replay) that moves the clock sees claims move with it, never the wall time.

The FakeClock here is set a day ahead of the wall clock, so a time taken from the wall shows.
"""
from __future__ import annotations

import pytest

from bff.claims.service import LEASE_SECONDS, OFFLINE_RETRY_SECONDS

DAY = 24 * 3600


@pytest.fixture
def ahead(clock):
    clock.advance(DAY)
    return clock


def test_a_claim_done_at_once_is_stamped_by_the_services_clock(claims, person, online_device, tag, store, ahead):
    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert (claim.created_at, claim.updated_at, claim.finished_at) == (ahead.now,) * 3
    assert claim.attempts == 1
    assert store.device(online_device)["updated_at"] == ahead.now  # bff's record of the new owner


def test_a_waiting_claim_is_stamped_and_scheduled_by_the_services_clock(claims, person, offline_device, tag,
                                                                        store, control, ahead):
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    row = store.claim_row(claim.id)
    assert (row["created_at"], row["updated_at"], row["finished_at"]) == (ahead.now, ahead.now, None)
    assert row["next_attempt_at"] == ahead.now + OFFLINE_RETRY_SECONDS[0]

    control.power(offline_device, True)
    ahead.advance(OFFLINE_RETRY_SECONDS[0])
    assert claims.retry_due() == 1  # due by the service's clock (a day ahead of the wall)

    row = store.claim_row(claim.id)
    assert (row["state"], row["attempts"]) == ("claimed", 2)
    assert row["updated_at"] == row["finished_at"] == row["notified_at"] == ahead.now


def test_the_lease_runs_on_the_services_clock(claims, person, offline_device, tag, store, control, ahead,
                                              monkeypatch):
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    control.power(offline_device, True)
    seen = {}
    real_claim_device = claims.particle.claim_device

    def claim_device(*args):
        seen["leased_until"] = store.claim_row(claim.id)["leased_until"]
        return real_claim_device(*args)

    monkeypatch.setattr(claims.particle, "claim_device", claim_device)
    claims.device_online(claim.product_key, offline_device)

    assert seen == {"leased_until": ahead.now + LEASE_SECONDS}
    assert claims.claim(claim.id).succeeded


def test_a_device_bff_already_saw_on_the_persons_account_is_already_yours(claims, person, online_device, tag,
                                                                        store, particle, control):
    """E.g. the device arrived through Wi-Fi setup, or bff's reconcile saw it: no claim of it yet."""
    product_key = claims.devices.find(online_device).product_key
    username = particle.ensure_customer(product_key, person.id)
    particle.claim_device(product_key, username, online_device)
    store.upsert_device(online_device, owner=username)
    control.clear_requests()

    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert (claim.state, claim.outcome, claim.succeeded) == ("claimed", "already_yours", True)
    assert claim.title == "This device is already yours"
    assert [r["path"] for r in control.requests(method="POST")] == ["/v1/devices"]  # confirmed with the cloud
