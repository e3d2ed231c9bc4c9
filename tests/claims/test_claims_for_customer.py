"""Operators claiming for a customer (`request_claim_for`), a request's outcome (`outcome_for`), the one
text a person who waited gets (`mark_claim_notified`), and the claim rate limit in the service."""
from __future__ import annotations

import pytest

from bff import errors
from bff.claims.service import CLAIMED_FOR_CUSTOMER_PURPOSE, CLAIMS_PER_USER_PER_HOUR, ClaimsService
from bff.claims.texts import CLAIMED_FOR_YOU_TEXTS

from tests.support import LABEL_KEY, OPERATOR_PHONE, PHONE

CLAIM_CALL = {"path": "/v1/devices", "method": "POST"}


@pytest.fixture
def operator_id(store) -> int:
    return store.create_operator_user("crew", "not-a-real-hash", phone=OPERATOR_PHONE)


def texts_to(sms, phone: str) -> list[dict]:
    """The stored texts to `phone` (every column: purpose, claim_id, ...), oldest first."""
    return list(reversed(sms.store.outbound_messages(to_phone=phone, limit=50)))


def name_of(claims, device_id: str) -> str:
    return claims.devices.short_name(device_id)


# -- an operator claims for a customer ---------------------------------------------------------------------


def test_a_new_claim_for_a_customer_is_texted_to_them_once(claims, person, operator_id, online_device, store,
                                                           clock, sms):
    claim, outcome = claims.request_claim_for(person.id, online_device.upper(), operator_id=operator_id,
                                              channel="sms")

    assert (claim.user_id, claim.state, outcome) == (person.id, "claimed", "claimed")
    assert store.claim_row(claim.id)["actor_user_id"] == operator_id
    [text] = texts_to(sms, PHONE)
    assert text["body"] == CLAIMED_FOR_YOU_TEXTS["claimed"].format(device=name_of(claims, online_device))
    assert (text["purpose"], text["claim_id"]) == (CLAIMED_FOR_CUSTOMER_PURPOSE, claim.id)
    assert texts_to(sms, OPERATOR_PHONE) == []

    clock.advance(5)  # the operator sends it again
    again, outcome = claims.request_claim_for(person.id, online_device, operator_id=operator_id, channel="sms")

    assert (again.id, outcome) == (claim.id, "already_yours")
    assert len(texts_to(sms, PHONE)) == 1


def test_a_claim_for_a_customer_that_waits_is_texted_then_its_end_is_texted(claims, person, operator_id,
                                                                            offline_device, control, clock,
                                                                            sms):
    claim, outcome = claims.request_claim_for(person.id, offline_device, operator_id=operator_id, channel="ops")
    assert outcome == "waiting"
    name = name_of(claims, offline_device)
    assert [t["body"] for t in texts_to(sms, PHONE)] == [CLAIMED_FOR_YOU_TEXTS["waiting"].format(device=name)]

    clock.advance(5)
    again, outcome = claims.request_claim_for(person.id, offline_device, operator_id=operator_id, channel="ops")
    assert (again.id, outcome) == (claim.id, "waiting") and len(texts_to(sms, PHONE)) == 1

    control.power(offline_device, True)
    claims.device_online(claim.product_key, offline_device)
    bodies = [t["body"] for t in texts_to(sms, PHONE)]
    assert len(bodies) == 2 and bodies[1].startswith("Good news:")


def test_a_refused_claim_for_a_customer_is_not_texted(claims, person, other_person, operator_id, online_device,
                                                      tag, sms):
    claims.request_claim(other_person.id, online_device, channel="web", tag=tag(online_device))

    claim, outcome = claims.request_claim_for(person.id, online_device, operator_id=operator_id, channel="sms")

    assert (claim.state, outcome) == ("refused", "refused")
    assert texts_to(sms, PHONE) == []


def test_a_claim_for_a_customer_without_a_phone_texts_nobody(claims, user_id, operator_id, online_device, sms):
    claim, outcome = claims.request_claim_for(user_id, online_device, operator_id=operator_id, channel="ops")

    assert outcome == "claimed" and claim.succeeded
    assert sms.outbox() == []


# -- the outcome of one request -----------------------------------------------------------------------------


def test_a_success_recorded_before_the_request_is_already_yours(claims, person, online_device, offline_device,
                                                                tag, control, electron):
    claimed = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    waiting = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))

    assert claims.outcome_for(claimed, asked_at=claimed.created_at) == "claimed"  # this request made it
    assert claims.outcome_for(claimed, asked_at=claimed.created_at + 1) == "already_yours"
    assert claims.outcome_for(waiting, asked_at=waiting.created_at + 1) == "waiting"  # not a success

    control.add_fault(status=503, **CLAIM_CALL)
    third = control.demo_devices(electron["id"], online=True)[0]["id"]
    requested = claims.request_claim(person.id, third, channel="web", tag=tag(third))
    assert claims.outcome_for(requested, asked_at=requested.created_at + 1) == "requested"


# -- one text for a person who was told to wait -----------------------------------------------------------


def test_a_claim_finished_at_once_sends_no_text(claims, person, online_device, tag, store, sms):
    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert claim.succeeded and sms.outbox() == []
    assert store.claim_row(claim.id)["notified_at"] is None


def test_a_person_told_to_wait_gets_exactly_one_text_when_it_ends(claims, person, offline_device, tag, store,
                                                                  control, clock, sms):
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    control.power(offline_device, True)
    clock.advance(7)

    claims.device_online(claim.product_key, offline_device)
    claims.device_online(claim.product_key, offline_device)  # the event again (a reconnect)
    clock.advance(3600)
    claims.retry_due()

    [text] = texts_to(sms, PHONE)
    assert (text["purpose"], text["claim_id"]) == ("claim_claimed", claim.id)
    assert name_of(claims, offline_device) in text["body"]
    assert store.claim_row(claim.id)["notified_at"] == clock.now - 3600


def test_no_text_when_someone_else_already_told_the_person(claims, person, offline_device, tag, store,
                                                           control, sms):
    """Whoever marks the claim notified first sends the one text; the others send nothing."""
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    assert store.mark_claim_notified(claim.id)

    control.power(offline_device, True)
    claims.device_online(claim.product_key, offline_device)

    assert claims.claim(claim.id).succeeded
    assert sms.outbox() == []


def test_a_person_without_a_phone_is_not_texted(claims, user_id, offline_device, tag, control, sms):
    claim = claims.request_claim(user_id, offline_device, channel="api", tag=tag(offline_device))
    control.power(offline_device, True)
    claims.device_online(claim.product_key, offline_device)

    assert claims.claim(claim.id).succeeded and sms.outbox() == []


# -- the rate limit ----------------------------------------------------------------------------------------


class Limiter:
    """A rate limiter that records what it was asked and says "over" once `over` is set."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int, float]] = []
        self.over = False

    def __call__(self, key: str, *, limit: int, window_seconds: float) -> bool:
        self.asked.append((key, limit, window_seconds))
        return self.over


@pytest.fixture
def limiter() -> Limiter:
    return Limiter()


@pytest.fixture
def limited_claims(store, particle, sms, clock, limiter) -> ClaimsService:
    return ClaimsService(store, particle, sms, label_key=LABEL_KEY, rate_limit=limiter, clock=clock)


def test_each_new_claim_counts_against_the_persons_hourly_limit(limited_claims, limiter, person, other_person,
                                                                online_device, offline_device, tag):
    assert CLAIMS_PER_USER_PER_HOUR == 30
    limited_claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    limited_claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))  # a repeat
    with pytest.raises(errors.ClaimRefused):
        limited_claims.request_claim(person.id, offline_device, channel="web", tag="wrong")  # no proof
    limited_claims.request_claim(other_person.id, offline_device, channel="web", tag=tag(offline_device))

    assert len(limiter.asked) == 2  # only new claims count
    (mine, *limits), (theirs, *same) = limiter.asked
    assert limits == same == [30, 3600]
    assert mine != theirs  # each person has their own count


def test_over_the_limit_no_claim_is_stored_and_the_cloud_is_not_asked(limited_claims, limiter, person,
                                                                      online_device, tag, store, control):
    limiter.over = True
    control.clear_requests()

    with pytest.raises(errors.TooManyClaimAttempts) as stopped:
        limited_claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert stopped.value.customer_text.startswith("You have tried to add many devices in a short time.")
    assert store.claims_of_user(person.id) == []
    assert control.requests(**CLAIM_CALL) == []


def test_operators_claims_are_not_limited(limited_claims, limiter, person, operator_id, online_device,
                                          offline_device, store):
    limiter.over = True

    own = limited_claims.request_claim(operator_id, online_device, channel="sms", operator=True)
    for_customer, _ = limited_claims.request_claim_for(person.id, offline_device, operator_id=operator_id,
                                                       channel="sms")

    assert own.succeeded and for_customer.state == "waiting_for_device"
    assert limiter.asked == []


def test_the_limit_over_the_real_counter_is_thirty_an_hour(store, particle, sms, clock, accounts, person,
                                                           online_device, tag, control):
    """With the accounts service's counters: 30 new claims in an hour go through, the 31st does not."""
    claims = ClaimsService(store, particle, sms, label_key=LABEL_KEY, rate_limit=accounts.hit_rate_limit,
                           clock=clock)
    clock.now = (clock.now // 3600) * 3600 + 60  # a minute into an hour
    control.power(online_device, False)
    for _ in range(CLAIMS_PER_USER_PER_HOUR):  # a waiting claim that failed is asked for again
        claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
        store.update_claim(claim.id, state="failed", outcome="failed", now=clock.now)

    with pytest.raises(errors.TooManyClaimAttempts):
        claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    clock.advance(3600 - 61)
    with pytest.raises(errors.TooManyClaimAttempts):
        claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    clock.advance(1)  # the next hour
    assert claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device)).id


def test_a_claim_for_a_customer_delayed_by_cloud_trouble_says_so_not_switch_it_on(
        claims, person, operator_id, online_device, control, sms):
    """The device is on: the cloud is the trouble, so the customer's text says that, not "switched on"."""
    control.add_fault(status=503, **CLAIM_CALL)

    claim, outcome = claims.request_claim_for(person.id, online_device, operator_id=operator_id, channel="sms")

    assert (claim.state, outcome) == ("requested", "requested")
    [text] = texts_to(sms, PHONE)
    assert text["body"] == CLAIMED_FOR_YOU_TEXTS["requested"].format(device=name_of(claims, online_device))
    assert "trouble reaching the device cloud" in text["body"] and "switched on" not in text["body"]
    assert text["body"].endswith("we will keep trying and text you.")
