"""Support's fixes on an open claim (bff/claims/fixes.py): retry now, cancel with a reason texted to
the person; never on a finished claim, never while someone else is trying it; every call audited."""
from __future__ import annotations

import pytest

from bff import errors
from bff.claims.fixes import CANCELLED_PURPOSE
from bff.claims.service import LEASE_SECONDS
from bff.claims.texts import CANCEL_REASONS

from tests.support import OPERATOR_PHONE, PHONE
from tests.support.ops import PASSWORD


@pytest.fixture
def support(operators):
    return operators.create(None, "desk", PASSWORD, role="support", phone=OPERATOR_PHONE)


@pytest.fixture
def waiting_claim(claims, person, offline_device, tag):
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    assert claim.state == "waiting_for_device"
    return claim


def audit_of(audit, action):
    return [(entry.result, entry.actor_login, entry.device_id, entry.person_id)
            for entry in audit.entries(action=action)]


def test_retry_now_finishes_a_claim_whose_device_came_online(claims, control, waiting_claim, support, audit):
    control.power(waiting_claim.device_id, True)
    after = claims.retry_now(waiting_claim.id, actor=support)
    assert after.state == "claimed"
    assert audit_of(audit, "claim.retry") == [("ok", "desk", waiting_claim.device_id, waiting_claim.user_id)]


def test_retry_now_of_a_claim_being_tried_is_refused_and_not_run(claims, store, clock, waiting_claim, support,
                                                                  audit, sandbox):
    assert store.lease_claim(waiting_claim.id, seconds=LEASE_SECONDS, now=clock())  # the worker has it
    attempts = store.claim_row(waiting_claim.id)["attempts"]
    with pytest.raises(errors.ClaimBusy):
        claims.retry_now(waiting_claim.id, actor=support)
    assert store.claim_row(waiting_claim.id)["attempts"] == attempts
    assert audit_of(audit, "claim.retry")[0][0] == "refused"


def test_a_finished_claim_cannot_be_retried_or_cancelled(claims, person, online_device, tag, support, audit):
    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    assert claim.state == "claimed"
    with pytest.raises(errors.ClaimNotOpen):
        claims.retry_now(claim.id, actor=support)
    with pytest.raises(errors.ClaimNotOpen):
        claims.cancel(claim.id, actor=support, reason="replaced")
    assert [r for r, *_ in audit_of(audit, "claim.retry") + audit_of(audit, "claim.cancel")] == ["refused"] * 2


def test_cancel_ends_the_claim_and_texts_the_reason_once(claims, store, sms, waiting_claim, support, audit):
    after = claims.cancel(waiting_claim.id, actor=support, reason="wrong_device")
    assert (after.state, after.done) == ("cancelled", True)
    assert after.title == "This claim was stopped"
    assert store.open_claim_of_device(waiting_claim.device_id) is None  # the device may be claimed again
    texts = [m for m in sms.outbox(to=PHONE) if m["purpose"] == CANCELLED_PURPOSE]
    assert len(texts) == 1 and CANCEL_REASONS["wrong_device"] in texts[0]["body"]
    assert len(texts[0]["body"]) <= 160
    assert "desk" in store.claim_row(waiting_claim.id)["last_error"]
    assert audit_of(audit, "claim.cancel") == [("ok", "desk", waiting_claim.device_id, waiting_claim.user_id)]
    claims.retry_due()  # the worker leaves a cancelled claim alone
    assert claims.claim(waiting_claim.id).state == "cancelled"


def test_cancel_while_the_claim_is_being_tried_is_refused(claims, store, clock, sms, waiting_claim, support):
    store.lease_claim(waiting_claim.id, seconds=LEASE_SECONDS, now=clock())
    with pytest.raises(errors.ClaimBusy):
        claims.cancel(waiting_claim.id, actor=support, reason="replaced")
    assert claims.claim(waiting_claim.id).state == "waiting_for_device"
    assert [m for m in sms.outbox(to=PHONE) if m["purpose"] == CANCELLED_PURPOSE] == []


def test_cancel_needs_a_known_reason(claims, waiting_claim, support):
    with pytest.raises(errors.OpsError):
        claims.cancel(waiting_claim.id, actor=support, reason="because I said so")
    assert claims.claim(waiting_claim.id).state == "waiting_for_device"


@pytest.mark.parametrize("reason", sorted(CANCEL_REASONS))
def test_every_cancel_text_fits_one_sms(claims, waiting_claim, reason):
    from bff.claims.texts import CANCELLED_TEXT
    text = CANCELLED_TEXT.format(device="X" * 24, reason=CANCEL_REASONS[reason])
    assert len(text) <= 160 and text.isascii()


def test_a_claim_for_a_customer_is_audited_with_its_outcome(claims, person, online_device, support, audit):
    claims.request_claim_for(person.id, online_device, operator_id=support.id, channel="field")
    [entry] = audit.entries(action="claim.for")
    assert (entry.actor_login, entry.actor_role, entry.result) == ("desk", "support", "ok")
    assert entry.detail.startswith("field: claim") and entry.person_id == person.id


def test_a_refused_claim_for_a_customer_is_audited_too(claims, person, support, audit):
    with pytest.raises(errors.BffError) as refused:
        claims.request_claim_for(person.id, "0123456789ABCDEF01234567", operator_id=support.id, channel="sms")
    [entry] = audit.entries(action="claim.for")
    assert (entry.result, entry.actor_login, entry.person_id) == ("refused", "desk", person.id)
    assert entry.device_id == "0123456789abcdef01234567"  # the device asked for, as typed
    assert entry.detail == f"sms: {refused.value.detail}"  # why, for whoever reads the log


def test_a_refused_claim_for_by_serial_alone_is_audited_without_a_device(claims, person, support, audit):
    with pytest.raises(errors.BffError):
        claims.request_claim_for(person.id, None, operator_id=support.id, channel="sms", serial="P046AB0000NOSUCH")
    [entry] = audit.entries(action="claim.for")
    assert (entry.result, entry.device_id, entry.person_id) == ("refused", None, person.id)
