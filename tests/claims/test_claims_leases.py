"""One attempt at a time per claim: the lease, a lease left by a crash, a crash inside an attempt,
and two requests racing to store the claim. Times come from the test's FakeClock."""
from __future__ import annotations

import logging
import threading

import pytest

from bff import errors
from bff.claims.service import LEASE_SECONDS

CLAIM_CALL = {"path": "/v1/devices", "method": "POST"}


def waiting_claim(claims, person, offline_device, tag, control):
    """A claim of an offline device, waiting; the device then comes online (the claim is due later)."""
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    assert claim.state == "waiting_for_device"
    control.power(offline_device, True)
    control.clear_requests()
    return claim


# -- the lease -------------------------------------------------------------------------------------------


def test_a_claim_another_attempt_holds_is_not_tried_and_calls_no_cloud(claims, person, offline_device, tag,
                                                                     control, store, clock):
    claim = waiting_claim(claims, person, offline_device, tag, control)
    assert store.lease_claim(claim.id, seconds=LEASE_SECONDS, now=clock.now)  # the worker is trying it
    attempts = store.claim_row(claim.id)["attempts"]

    assert claims.attempt(claim.id) is False
    claims.device_online(claim.product_key, offline_device)  # the online event, meanwhile

    assert control.requests() == []
    row = store.claim_row(claim.id)
    assert (row["state"], row["attempts"]) == ("waiting_for_device", attempts)


def test_a_lease_left_by_a_crash_expires_and_the_workers_retry_takes_over(claims, person, offline_device, tag,
                                                                          control, store, clock):
    assert LEASE_SECONDS == 30
    claim = waiting_claim(claims, person, offline_device, tag, control)
    clock.advance(60)  # the retry is due
    assert store.lease_claim(claim.id, seconds=LEASE_SECONDS, now=clock.now)  # then the process dies

    clock.advance(LEASE_SECONDS - 1)
    assert claims.retry_due() == 0 and claims.attempt(claim.id) is False
    assert control.requests(**CLAIM_CALL) == []

    clock.advance(1)
    assert claims.retry_due() == 1
    assert claims.claim(claim.id).succeeded
    assert len(control.requests(**CLAIM_CALL)) == 1


def test_an_attempt_holds_the_lease_while_it_calls_the_cloud(claims, person, offline_device, tag, control,
                                                            store, clock, monkeypatch):
    claim = waiting_claim(claims, person, offline_device, tag, control)
    real_claim_device = claims.particle.claim_device
    seen = {}

    def claim_device(product_key, username, device_id):
        seen["leased_until"] = store.claim_row(claim.id)["leased_until"]
        seen["second attempt"] = claims.attempt(claim.id)  # e.g. the online event, at the same moment
        return real_claim_device(product_key, username, device_id)

    monkeypatch.setattr(claims.particle, "claim_device", claim_device)
    clock.advance(60)

    assert claims.retry_due() == 1
    assert seen == {"leased_until": clock.now + LEASE_SECONDS, "second attempt": False}
    row = store.claim_row(claim.id)
    assert (row["state"], row["attempts"], row["leased_until"]) == ("claimed", 2, None)


# -- a crash inside an attempt ------------------------------------------------------------------------------


def test_a_crash_inside_an_attempt_is_recorded_on_the_claim_and_lets_go(claims, person, online_device, tag,
                                                                       store, clock, control, monkeypatch,
                                                                       caplog):
    def claim_device(product_key, username, device_id):
        raise KeyError("a bug")

    monkeypatch.setattr(claims.particle, "claim_device", claim_device)

    with caplog.at_level(logging.ERROR, logger="bff.claims.service"):
        claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert (claim.state, claim.outcome, claim.done) == ("failed", "failed", True)
    assert (claim.message, claim.next_step) == (errors.BffError.public_message, errors.BffError.next_step)
    row = store.claim_row(claim.id)
    assert row["last_error"].startswith("BffError: ") and "KeyError('a bug')" in row["last_error"]  # for operators
    assert (row["leased_until"], row["finished_at"], row["next_attempt_at"]) == (None, clock.now, None)
    [record] = [r for r in caplog.records if r.name == "bff.claims.service"]
    assert record.exc_info and f"claim {claim.id}" in record.getMessage()

    monkeypatch.undo()  # the bug is fixed: a new request makes a new claim, which succeeds
    again = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    assert again.id != claim.id and again.succeeded


def test_a_crash_in_a_later_attempt_lets_go_and_tells_the_person(claims, person, offline_device, tag, store,
                                                                 control, clock, sms, monkeypatch):
    claim = waiting_claim(claims, person, offline_device, tag, control)

    def claim_device(product_key, username, device_id):
        raise RuntimeError("a bug")

    monkeypatch.setattr(claims.particle, "claim_device", claim_device)
    clock.advance(60)

    assert claims.retry_due() == 1
    row = store.claim_row(claim.id)
    assert (row["state"], row["leased_until"]) == ("failed", None)
    [text] = sms.outbox()
    assert text["purpose"] == "claim_failed"


# -- two requests racing to store the claim --------------------------------------------------------------


def test_a_request_that_loses_the_race_returns_the_winners_claim(claims, person, online_device, tag, store,
                                                                 control, monkeypatch):
    """Both requests found no claim; the other one stored its claim first (SQLite refuses ours)."""
    real_insert = store.insert_claim
    won = {}

    def insert_claim(**row):
        won["id"] = real_insert(**{**row, "channel": "sms"})  # the other request, a moment earlier
        return real_insert(**row)

    monkeypatch.setattr(store, "insert_claim", insert_claim)
    control.clear_requests()

    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert won["id"] is not None and claim.id == won["id"]
    assert (claim.channel, claim.state, claim.attempts) == ("sms", "requested", 0)  # the winner tries it
    assert [row["id"] for row in store.claims_of_user(person.id)] == [won["id"]]
    assert control.requests(**CLAIM_CALL) == []


def test_losing_the_race_to_someone_else_is_refused(claims, person, other_person, online_device, tag, store,
                                                    control, monkeypatch):
    real_insert = store.insert_claim

    def insert_claim(**row):
        real_insert(**{**row, "user_id": other_person.id})
        return real_insert(**row)

    monkeypatch.setattr(store, "insert_claim", insert_claim)

    with pytest.raises(errors.ClaimInProgressElsewhere):
        claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    assert store.claims_of_user(person.id) == []


def test_losing_the_race_to_a_claim_that_ended_meanwhile_is_refused(claims, person, online_device, tag, store,
                                                                    control, monkeypatch):
    """The store refused ours, but by the time we look the winner's claim is no longer open and not
    ours: the device is someone else's business, never a second cloud claim."""
    monkeypatch.setattr(store, "insert_claim", lambda **row: None)
    control.clear_requests()

    with pytest.raises(errors.ClaimInProgressElsewhere):
        claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    assert control.requests(**CLAIM_CALL) == []


# -- waiting for the attempt (channels that answer later: bff/sms/commands.py) ----------------------------


def test_attempt_and_wait_tries_a_claim_nobody_tried(claims, person, online_device, tag, control):
    claim = claims.request_claim(person.id, online_device, channel="sms", tag=tag(online_device), attempt=False)
    assert (claim.state, claim.attempts) == ("requested", 0)

    after = claims.attempt_and_wait(claim.id)

    assert after.succeeded and after.attempts == 1 and len(control.requests(**CLAIM_CALL)) == 1


def test_attempt_and_wait_waits_for_the_attempt_another_holds(claims, person, online_device, tag, store, clock,
                                                              control):
    claim = claims.request_claim(person.id, online_device, channel="sms", tag=tag(online_device), attempt=False)
    held = store.lease_claim(claim.id, seconds=LEASE_SECONDS, now=clock.now)  # the worker's attempt is running
    finish = threading.Timer(0.3, lambda: claims._claim_in_cloud(held))  # ... and ends in a moment
    finish.start()

    after = claims.attempt_and_wait(claim.id)

    finish.join()
    assert after.succeeded  # the other attempt's end, not the claim as it was while held
    assert len(control.requests(**CLAIM_CALL)) == 1  # no second attempt


def test_attempt_and_wait_stops_waiting_when_the_lease_runs_out(claims, person, online_device, tag, store, clock):
    claim = claims.request_claim(person.id, online_device, channel="sms", tag=tag(online_device), attempt=False)
    store.lease_claim(claim.id, seconds=LEASE_SECONDS, now=clock.now - LEASE_SECONDS)  # left by a crash

    after = claims.attempt_and_wait(claim.id)

    assert after.state == "requested"  # the worker's retry takes it over; nobody waits for a dead attempt
