"""When a claim is tried again, and when it stops: backoff, its caps, the cloud's `retry_after`,
the one-month wait limit, and refused versus failed as the final state.

Every time here comes from the test's FakeClock (`clock`): the service reads no wall time.
"""
from __future__ import annotations

import pytest

from bff import errors
from bff.claims.service import (OFFLINE_RETRY_SECONDS, TROUBLE_ENDS_PASS, TROUBLE_RETRY_SECONDS,
                                WAIT_LIMIT_SECONDS)

from tests.support import PHONE

CLAIM_CALL = {"path": "/v1/devices", "method": "POST"}  # a customer claims a device


def next_try_in(store, clock, claim_id: int) -> float:
    """Seconds from now until the claim's next attempt is due."""
    return store.claim_row(claim_id)["next_attempt_at"] - clock.now


def tried_again_when_due(claims, clock, delay: float) -> None:
    """Nothing is due a second before `delay`; at `delay` the claim is tried once."""
    clock.advance(delay - 1)
    assert claims.retry_due() == 0
    clock.advance(1)
    assert claims.retry_due() == 1


# -- backoff ---------------------------------------------------------------------------------------------


def test_a_waiting_claim_is_retried_from_a_minute_doubling_up_to_an_hour(claims, person, offline_device, tag,
                                                                          store, clock, control, sms):
    first, cap = OFFLINE_RETRY_SECONDS
    assert (first, cap) == (60.0, 3600.0)  # the documented rule: from 1 min, doubling, at most 1 h
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))

    delays = [next_try_in(store, clock, claim.id)]
    for _ in range(7):
        tried_again_when_due(claims, clock, delays[-1])
        delays.append(next_try_in(store, clock, claim.id))

    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    row = store.claim_row(claim.id)
    assert (row["state"], row["outcome"], row["attempts"]) == ("waiting_for_device", "waiting", 8)
    assert (row["public_message"], row["next_step"], row["finished_at"]) == (None, None, None)
    assert row["updated_at"] == clock.now and row["leased_until"] is None  # each attempt lets go
    assert len(control.requests(**CLAIM_CALL)) == 8
    assert sms.outbox(to=PHONE) == []  # waiting is not an end: no text yet


def test_cloud_trouble_is_retried_from_five_seconds_doubling_up_to_ten_minutes(claims, person, online_device,
                                                                               tag, store, clock, control):
    assert TROUBLE_RETRY_SECONDS == (5.0, 600.0)
    control.add_fault(status=503, **CLAIM_CALL)
    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    delays = [next_try_in(store, clock, claim.id)]
    for _ in range(8):
        tried_again_when_due(claims, clock, delays[-1])
        delays.append(next_try_in(store, clock, claim.id))

    assert delays == [5, 10, 20, 40, 80, 160, 320, 600, 600]
    row = store.claim_row(claim.id)
    assert (row["state"], row["outcome"], row["attempts"]) == ("requested", None, 9)
    assert row["last_error"].startswith("CloudUnavailable: ")
    assert claims.claim(claim.id).message == "This is taking a little longer than usual."  # not the error's words

    control.clear_faults()
    tried_again_when_due(claims, clock, 600)
    assert claims.claim(claim.id).succeeded


@pytest.mark.parametrize(("retry_after", "expected"), [(120, 120), (2, 5)])
def test_the_clouds_retry_after_is_honoured_when_longer_than_the_backoff(claims, person, online_device, tag,
                                                                       store, clock, control,
                                                                       retry_after, expected):
    control.add_fault(status=429, retry_after=retry_after, times=1, **CLAIM_CALL)

    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert next_try_in(store, clock, claim.id) == expected
    assert store.claim_row(claim.id)["last_error"].startswith("RateLimited: ")
    tried_again_when_due(claims, clock, expected)
    assert claims.claim(claim.id).succeeded


# -- the one-month limit and the final states ------------------------------------------------------------


def test_a_device_off_for_a_month_ends_the_claim_refused_and_the_person_is_told(claims, person,
                                                                                 offline_device, tag, store,
                                                                                 clock, sms):
    clock.now = float(int(clock.now))  # whole seconds: the month below is exact
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    clock.advance(WAIT_LIMIT_SECONDS - 1)
    assert claims.retry_due() == 1
    assert claims.claim(claim.id).state == "waiting_for_device"  # a second short of a month: still waits

    clock.advance(1)
    claims.attempt(claim.id)  # tried again (still off) exactly a month after the claim

    ended = claims.claim(claim.id)
    assert (ended.state, ended.outcome, ended.done) == ("refused", "refused", True)
    row = store.claim_row(claim.id)
    assert row["next_attempt_at"] is None and row["finished_at"] == clock.now
    assert row["last_error"].startswith("DeviceOffline: ")
    assert claims.retry_due() == 0  # never tried again
    [text] = sms.outbox(to=PHONE)
    assert text["body"].startswith("We could not add your device") and text["purpose"] == "claim_refused"


def test_cloud_trouble_for_a_month_ends_the_claim_failed(claims, person, online_device, tag, store, clock,
                                                         control, sms):
    control.add_fault(status=503, **CLAIM_CALL)
    clock.now = float(int(clock.now))
    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    clock.advance(WAIT_LIMIT_SECONDS - 1)
    assert claims.retry_due() == 1 and claims.claim(claim.id).state == "requested"

    clock.advance(1)
    assert claims.attempt(claim.id)

    ended = claims.claim(claim.id)
    assert (ended.state, ended.outcome) == ("failed", "failed")
    assert (ended.message, ended.next_step) == (errors.CloudUnavailable.public_message,
                                                errors.CloudUnavailable.next_step)
    assert store.claim_row(claim.id)["next_attempt_at"] is None
    [text] = sms.outbox(to=PHONE)
    assert text["body"].startswith("We could not finish adding your device") and text["purpose"] == "claim_failed"


@pytest.mark.parametrize(("error", "final"), [
    (errors.DeviceOwnedByOther(), "refused"),
    (errors.DeviceNotFound(), "refused"),
    (errors.DeviceNotInProduct(), "refused"),
    (errors.Forbidden(), "refused"),
    (errors.ClaimRefused(), "refused"),
    (errors.BadRequest(), "failed"),
    (errors.Unauthorized(), "failed"),
    (errors.NotFound(), "failed"),
    (errors.ProductNotConfigured(), "failed"),
    (errors.BffError(), "failed"),
])
def test_a_final_answer_is_refused_when_the_person_can_act_on_it_and_failed_otherwise(
        claims, person, online_device, tag, store, clock, monkeypatch, error, final):
    """A refusal the person can do something about (wrong device, someone else's) reads "refused";
    anything else (a mistake of ours or of the cloud) "failed". Neither is tried again."""
    def claim_device(product_key, username, device_id):
        raise error

    monkeypatch.setattr(claims.particle, "claim_device", claim_device)

    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert (claim.state, claim.outcome, claim.done) == (final, final, True)
    assert (claim.message, claim.next_step) == (error.public_message, error.next_step)
    row = store.claim_row(claim.id)
    assert row["last_error"] == f"{type(error).__name__}: {error.detail}"
    assert (row["next_attempt_at"], row["finished_at"], row["leased_until"]) == (None, clock.now, None)
    clock.advance(WAIT_LIMIT_SECONDS)
    assert claims.retry_due() == 0


def test_an_operator_sees_the_clouds_own_words_and_the_customer_never_does(claims, person, other_person,
                                                                           online_device, tag, store):
    claims.request_claim(other_person.id, online_device, channel="web", tag=tag(online_device))

    refused = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    last_error = store.claim_row(refused.id)["last_error"]
    assert last_error == "DeviceOwnedByOther: That belongs to someone else."  # the cloud's message
    assert "someone else" not in refused.message + refused.next_step


def test_a_retry_pass_in_a_cloud_outage_ends_after_a_few_troubled_attempts(claims, person, store, clock, control,
                                                                           new_devices, tag):
    devices = new_devices(TROUBLE_ENDS_PASS + 3)
    control.add_fault(status=503, **CLAIM_CALL)
    for device_id in devices:
        claims.request_claim(person.id, device_id, channel="web", tag=tag(device_id))
    clock.advance(TROUBLE_RETRY_SECONDS[0])
    control.clear_requests()

    assert claims.retry_due() == TROUBLE_ENDS_PASS  # the outage is plain: the rest wait for the next tick

    assert len(control.requests(**CLAIM_CALL)) == TROUBLE_ENDS_PASS
    assert len(store.due_claim_ids(now=clock.now)) == 3  # not tried, still due
    control.clear_faults()
    assert claims.retry_due() == 3  # the next tick: the cloud is back, all three claimed
    assert len([d for d in devices if store.device(d)["owner"]]) == 3


def test_only_trouble_in_a_row_ends_the_pass(claims, person, store, clock, control, new_devices, tag,
                                             monkeypatch):
    devices = new_devices(7)
    control.add_fault(status=503, **CLAIM_CALL)
    for device_id in devices:
        claims.request_claim(person.id, device_id, channel="web", tag=tag(device_id))
    clock.advance(TROUBLE_RETRY_SECONDS[0])
    control.clear_faults()
    assert TROUBLE_ENDS_PASS == 3
    troubled_turns, turns = {0, 1, 3, 4, 6}, []  # never 3 in a row: the pass goes through
    in_cloud = claims._claim_in_cloud

    def sometimes_troubled(row):
        turns.append(row["device_id"])
        if len(turns) - 1 in troubled_turns:
            raise errors.CloudUnavailable("injected trouble")
        return in_cloud(row)

    monkeypatch.setattr(claims, "_claim_in_cloud", sometimes_troubled)

    assert claims.retry_due() == 7
    assert sorted(turns) == sorted(devices)
    assert len([d for d in devices if store.device(d)["owner"]]) == 2
