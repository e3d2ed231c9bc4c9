"""Remove and give against the sandbox cloud: the cloud owner checked in the sandbox's state."""
from __future__ import annotations

import threading

import pytest

from bff import errors
from tests.ownership.helpers import (PUBLIC_URL, THIRD_PHONE, bff_owner, cloud_owner, events_of, texts_to,
                                     username_of)
from tests.support import OTHER_PHONE, PHONE


# -- remove ----------------------------------------------------------------------------------------


def test_remove_unclaims_in_the_cloud_and_in_bff_keeps_the_label_and_emits_released(
        lifecycle, owns, store, control, person, online_device, claims, other_person):
    owns(person, online_device)
    label_code = store.device(online_device)["label_code"]
    move = lifecycle.remove(person, online_device, channel="sms")
    assert move.done and move.kind == "remove"
    assert cloud_owner(control, online_device) is None and bff_owner(store, online_device) is None
    assert store.device(online_device)["label_code"] == label_code
    assert events_of(store, "device.released") == [
        {"device_id": online_device, "product": store.device(online_device)["product_key"],
         "from_person_id": person.id, "to_person_id": None, "channel": "sms", "kind": "remove"}]
    claim = claims.request_claim(other_person.id, online_device, channel="web", label_code=label_code)
    assert claim.state == "claimed"  # the same box label works for the next owner


def test_only_the_owner_may_remove(lifecycle, owns, control, person, other_person, online_device, store):
    owns(person, online_device)
    with pytest.raises(errors.NotTheOwner):
        lifecycle.remove(other_person, online_device, channel="web")
    assert cloud_owner(control, online_device) == username_of(store, person, online_device)
    assert store.moves_of_device(online_device) == []


def test_remove_is_refused_while_a_claim_of_the_device_is_open(lifecycle, owns, store, control, person,
                                                                other_person, online_device):
    owns(person, online_device)
    store.insert_claim(device_id=online_device, product_key=store.device(online_device)["product_key"],
                       user_id=other_person.id, channel="web", actor_user_id=None)
    control.clear_requests()
    with pytest.raises(errors.DeviceBusy) as refused:
        lifecycle.remove(person, online_device, channel="web")
    assert refused.value.next_step == "Wait until that is done, then try again."
    assert control.requests(method="DELETE") == [] and store.moves_of_device(online_device) == []


def test_cloud_trouble_keeps_the_move_open_and_the_worker_finishes_it(lifecycle, owns, store, control, person,
                                                                      online_device, clock):
    owns(person, online_device)
    control.add_fault(path="/v1/products/*/devices/*/owner", method="DELETE", status=503)
    move = lifecycle.remove(person, online_device, channel="web")
    assert move.open and move.state == "requested" and "CloudUnavailable" in move.last_error
    assert bff_owner(store, online_device) == cloud_owner(control, online_device) is not None
    control.clear_faults()
    assert lifecycle.resume_moves() == 0  # not due yet
    clock.advance(10)
    assert lifecycle.resume_moves() == 1
    assert lifecycle.moves.move(move.id).done
    assert bff_owner(store, online_device) is None and cloud_owner(control, online_device) is None
    assert len(events_of(store, "device.released")) == 1


def test_a_move_the_cloud_refuses_fails_plainly_and_nothing_moves(lifecycle, owns, store, control, person,
                                                                 online_device):
    owns(person, online_device)
    control.add_fault(path="/v1/products/*/devices/*/owner", method="DELETE", status=404)
    with pytest.raises(errors.MoveFailed):
        lifecycle.remove(person, online_device, channel="web")
    [move] = store.moves_of_device(online_device)
    assert move["state"] == "failed" and move["last_error"]
    assert bff_owner(store, online_device) == cloud_owner(control, online_device) is not None
    assert events_of(store, "device.released") == []


# -- give ------------------------------------------------------------------------------------------


def test_give_texts_the_receiver_once_and_yes_moves_the_device(lifecycle, owns, store, control, person,
                                                               other_person, online_device):
    owns(person, online_device)
    offer = lifecycle.give(person, online_device, OTHER_PHONE, channel="sms")
    assert lifecycle.give(person, online_device, OTHER_PHONE, channel="web") == offer  # a repeat
    [question] = texts_to(store, OTHER_PHONE)
    assert "YES" in question and "NO" in question and f"{PUBLIC_URL}/offers/{offer.id}" in question
    assert PHONE not in question and len(question) <= 160
    answer = lifecycle.answer(other_person, True)
    assert answer.accepted and answer.move.done and answer.offer.state == "accepted"
    receiver = username_of(store, other_person, online_device)
    assert cloud_owner(control, online_device) == bff_owner(store, online_device) == receiver
    assert [(e["from_person_id"], e["to_person_id"]) for e in events_of(store, "device.given")] == [
        (person.id, other_person.id)]
    assert texts_to(store, PHONE)[-1].startswith("The person took the device")
    assert OTHER_PHONE not in texts_to(store, PHONE)[-1]


def test_no_to_a_give_keeps_the_device_and_tells_the_giver(lifecycle, owns, store, control, person,
                                                           other_person, online_device):
    owns(person, online_device)
    lifecycle.give(person, online_device, OTHER_PHONE, channel="sms")
    answer = lifecycle.answer(other_person, False)
    assert not answer.accepted and answer.offer.state == "declined" and answer.move is None
    assert cloud_owner(control, online_device) == username_of(store, person, online_device)
    assert "said no" in texts_to(store, PHONE)[-1]


def test_give_to_ones_own_number_is_refused(lifecycle, owns, person, online_device, store):
    owns(person, online_device)
    for own in (PHONE, "(201) 555-0123"):
        with pytest.raises(errors.OwnNumber):
            lifecycle.give(person, online_device, own, channel="sms")
    assert store.open_offers_of_device(online_device) == []


@pytest.mark.parametrize("phone", ["12", "not a phone", "+1 555", ""])
def test_give_to_an_invalid_number_is_refused(lifecycle, owns, person, online_device, store, phone):
    owns(person, online_device)
    with pytest.raises(errors.InvalidPhoneNumber):
        lifecycle.give(person, online_device, phone, channel="sms")
    assert store.open_offers_of_device(online_device) == []


def test_a_give_to_a_new_number_makes_a_new_person(lifecycle, owns, accounts, person, online_device):
    owns(person, online_device)
    assert accounts.user_for_phone(THIRD_PHONE, create=False) is None
    offer = lifecycle.give(person, online_device, THIRD_PHONE, channel="sms")
    assert offer.other_user_id == accounts.user_for_phone(THIRD_PHONE, create=False).id


def test_a_second_give_to_another_phone_is_refused_until_the_first_is_cancelled(
        lifecycle, owns, store, person, other_person, third_person, online_device):
    owns(person, online_device)
    first = lifecycle.give(person, online_device, OTHER_PHONE, channel="sms")
    with pytest.raises(errors.AlreadyOffered):
        lifecycle.give(person, online_device, THIRD_PHONE, channel="sms")
    with pytest.raises(errors.OfferNotFound):
        lifecycle.cancel_offer(other_person, first.id)  # only the giver may cancel
    assert lifecycle.cancel_offer(person, first.id).state == "cancelled"
    assert "withdrawn" in texts_to(store, OTHER_PHONE)[-1]
    with pytest.raises(errors.NothingToAnswer):
        lifecycle.answer(other_person, True)
    with pytest.raises(errors.OfferClosed):
        lifecycle.accept(other_person, first.id)
    assert lifecycle.give(person, online_device, THIRD_PHONE, channel="sms").other_user_id == third_person.id


def test_only_the_owner_may_give(lifecycle, owns, person, other_person, online_device):
    owns(person, online_device)
    with pytest.raises(errors.NotTheOwner):
        lifecycle.give(other_person, online_device, THIRD_PHONE, channel="sms")


def test_give_during_a_pending_claim_is_refused_and_accepting_waits_for_it(
        lifecycle, owns, store, control, person, other_person, third_person, online_device):
    owns(person, online_device)
    product_key = store.device(online_device)["product_key"]
    open_claim = lambda: store.insert_claim(device_id=online_device, product_key=product_key,  # noqa: E731
                                            user_id=third_person.id, channel="web", actor_user_id=None)
    claim_id = open_claim()
    with pytest.raises(errors.DeviceBusy):
        lifecycle.give(person, online_device, OTHER_PHONE, channel="sms")
    assert store.cancel_claim(claim_id, last_error="test")
    offer = lifecycle.give(person, online_device, OTHER_PHONE, channel="sms")
    claim_id = open_claim()
    with pytest.raises(errors.DeviceBusy):
        lifecycle.answer(other_person, True)
    assert lifecycle.offer(offer.id).open  # CHOICE: the offer stays open
    assert store.moves_of_device(online_device) == []
    assert store.cancel_claim(claim_id, last_error="test")
    assert lifecycle.answer(other_person, True).move.done
    assert cloud_owner(control, online_device) == username_of(store, other_person, online_device)


def test_two_accepts_at_once_one_wins_the_other_is_told_plainly(lifecycle, owns, store, control, person,
                                                                other_person, online_device):
    owns(person, online_device)
    offer = lifecycle.give(person, online_device, OTHER_PHONE, channel="sms")
    start, results = threading.Barrier(2), []

    def accept():
        start.wait()
        try:
            results.append(lifecycle.accept(other_person, offer.id))
        except errors.BffError as error:
            results.append(error)

    threads = [threading.Thread(target=accept) for _ in range(2)]
    [thread.start() for thread in threads]
    [thread.join(timeout=30) for thread in threads]
    answers = [r for r in results if not isinstance(r, errors.BffError)]
    refusals = [r for r in results if isinstance(r, errors.BffError)]
    assert len(answers) == 1 and answers[0].move.done
    assert [type(r) for r in refusals] == [errors.OfferClosed]
    assert refusals[0].public_message == "This offer is no longer open."
    assert len(store.moves_of_device(online_device)) == 1 and len(events_of(store, "device.given")) == 1
    assert cloud_owner(control, online_device) == username_of(store, other_person, online_device)


def test_an_offer_expires_after_7_days_and_the_giver_is_told(lifecycle, owns, store, person, other_person,
                                                            online_device, clock):
    owns(person, online_device)
    offer = lifecycle.give(person, online_device, OTHER_PHONE, channel="sms")
    clock.advance(7 * 24 * 3600 - 1)
    assert lifecycle.expire_offers() == 0 and [q.offer.id for q in lifecycle.open_questions(other_person)] == [offer.id]
    clock.advance(2)
    with pytest.raises(errors.NothingToAnswer):
        lifecycle.answer(other_person, True)
    with pytest.raises(errors.OfferClosed):
        lifecycle.accept(other_person, offer.id)
    assert lifecycle.expire_offers() == 1 and lifecycle.expire_offers() == 0
    assert lifecycle.offer(offer.id).state == "expired"
    assert "within 7 days" in texts_to(store, PHONE)[-1]


def test_a_question_a_crash_left_untexted_is_texted_by_the_worker(lifecycle, owns, store, person, other_person,
                                                                 online_device, clock):
    owns(person, online_device)
    offer = lifecycle.give(person, online_device, OTHER_PHONE, channel="sms")
    store.db.execute("UPDATE offers SET notified_at = NULL WHERE id = ?", [offer.id])  # as if the text was lost
    assert lifecycle.text_unsent_questions() == 0  # too new: the request may still be texting
    clock.advance(61)
    assert lifecycle.text_unsent_questions() == 1 and lifecycle.text_unsent_questions() == 0
    assert len(texts_to(store, OTHER_PHONE)) == 2


def test_while_a_device_moves_to_someone_only_they_can_claim_it(store, claims, particle, person, other_person,
                                                                 third_person, online_device, owns, clock):
    """Between the unclaim and the receiver's claim, a third person holding the label is refused."""
    owns(person, online_device)
    label_code = store.device(online_device)["label_code"]
    particle.unclaim_device(store.device(online_device)["product_key"], online_device)  # the move's first step
    with store.transaction():
        store.db.execute(
            "INSERT INTO moves (device_id, product_key, kind, from_user_id, to_user_id, state, attempts, "
            "created_at, updated_at) VALUES (?, ?, 'give', ?, ?, 'released', 0, ?, ?)",
            [online_device, store.device(online_device)["product_key"], person.id, other_person.id,
             clock(), clock()])
    with pytest.raises(errors.ClaimInProgressElsewhere):
        claims.request_claim(third_person.id, online_device, channel="web", label_code=label_code)
    assert store.open_claim_of_device(online_device) is None
    assert claims.request_claim(other_person.id, online_device, channel="ops", operator=True).state == "claimed"
