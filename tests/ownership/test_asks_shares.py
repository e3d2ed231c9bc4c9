"""Ask the owner, share, and YES/NO numbering against the sandbox cloud."""
from __future__ import annotations

import pytest

from bff import errors
from tests.ownership.helpers import THIRD_PHONE, bff_owner, cloud_owner, events_of, texts_to, username_of
from tests.support import OTHER_PHONE, PHONE


# -- ask the owner ---------------------------------------------------------------------------------


def test_ask_texts_the_owner_and_yes_moves_the_device_to_the_asker(lifecycle, owns, store, control, person,
                                                                   other_person, online_device):
    owns(person, online_device)
    offer = lifecycle.ask_owner(other_person, online_device, channel="web")
    assert lifecycle.ask_owner(other_person, online_device, channel="sms") == offer  # a repeat
    [question] = texts_to(store, PHONE)
    assert question.startswith(f"Someone asks for your device {offer.device_name}. Reply YES to give it to them "
                               "or NO to keep it.") and OTHER_PHONE not in question
    answer = lifecycle.answer(person, True)
    assert answer.move.done and answer.move.kind == "ask"
    assert cloud_owner(control, online_device) == bff_owner(store, online_device) == username_of(
        store, other_person, online_device)
    assert "the owner gave you" in texts_to(store, OTHER_PHONE)[-1] and PHONE not in texts_to(store, OTHER_PHONE)[-1]
    assert [e["kind"] for e in events_of(store, "device.given")] == ["ask"]


def test_no_to_an_ask_keeps_the_device_and_the_asker_is_told(lifecycle, owns, store, control, person,
                                                             other_person, online_device):
    owns(person, online_device)
    lifecycle.ask_owner(other_person, online_device, channel="web")
    assert not lifecycle.answer(person, False).accepted
    assert cloud_owner(control, online_device) == username_of(store, person, online_device)
    assert texts_to(store, OTHER_PHONE) == [
        f"The owner of the device {store.device(online_device)['name'] or '...' + online_device[-6:]} wants to "
        "keep it. Contact the seller if you need help."]


def test_asks_are_refused_without_owner_for_the_owner_and_when_stopped(lifecycle, owns, store, person,
                                                                       other_person, third_person, online_device):
    with pytest.raises(errors.NoOwnerToAsk):
        lifecycle.ask_owner(other_person, online_device, channel="web")
    owns(person, online_device)
    with pytest.raises(errors.AlreadyYours):
        lifecycle.ask_owner(person, online_device, channel="web")
    lifecycle.ask_owner(other_person, online_device, channel="web")
    with pytest.raises(errors.NotTheOwner):
        lifecycle.stop_asks(other_person, online_device)
    assert lifecycle.stop_asks(person, online_device) == 1  # the open ask is declined
    assert "wants to keep it" in texts_to(store, OTHER_PHONE)[-1]
    with pytest.raises(errors.AsksStopped):
        lifecycle.ask_owner(third_person, online_device, channel="web")
    lifecycle.allow_asks(person, online_device)
    assert lifecycle.ask_owner(third_person, online_device, channel="web").open


def test_asks_are_rate_limited_per_device(lifecycle, owns, accounts, person, online_device):
    owns(person, online_device)
    askers = [accounts.user_for_phone(f"+1201555{7000 + n}") for n in range(4)]
    for asker in askers[:3]:
        lifecycle.ask_owner(asker, online_device, channel="web")
    with pytest.raises(errors.TooManyAsks):
        lifecycle.ask_owner(askers[3], online_device, channel="web")


def test_an_unanswered_ask_goes_to_operators_who_decide_it_audited(lifecycle, owns, store, control, audit, person,
                                                                  other_person, online_device, clock, desk):
    owns(person, online_device)
    offer = lifecycle.ask_owner(other_person, online_device, channel="web")
    assert lifecycle.open_asks_for_operators() == []
    clock.advance(7 * 24 * 3600 + 1)
    assert lifecycle.expire_offers() == 1
    assert "did not answer in 7 days" in texts_to(store, OTHER_PHONE)[-1]
    assert [ask.id for ask in lifecycle.open_asks_for_operators()] == [offer.id]
    decided = lifecycle.decide_ask(desk, offer.id, True)
    assert decided.state == "accepted" and decided.decided_by == desk.id
    assert cloud_owner(control, online_device) == username_of(store, other_person, online_device)
    assert lifecycle.open_asks_for_operators() == []
    with pytest.raises(errors.OfferClosed):
        lifecycle.decide_ask(desk, offer.id, False)
    assert [(e.result, e.actor_login) for e in audit.entries(action="ask.decide")] == [("refused", "desk"),
                                                                                      ("ok", "desk")]


# -- share -----------------------------------------------------------------------------------------


def test_share_invite_yes_shows_the_device_to_the_invitee_who_may_not_remove_give_or_share(
        lifecycle, owns, store, control, person, other_person, online_device, claims):
    owns(person, online_device)
    offer = lifecycle.share(person, online_device, OTHER_PHONE, channel="sms")
    assert "share it with you" in texts_to(store, OTHER_PHONE)[-1]
    lifecycle.answer(other_person, True)
    assert [(s.owner_user_id, s.user_id) for s in lifecycle.shares_of(online_device)] == [(person.id, other_person.id)]
    assert [d.device_id for d in lifecycle.shared_with(other_person.id)] == [online_device]
    assert [(d.device_id, d.shared) for d in claims.devices.devices_of(other_person.id)] == [(online_device, True)]
    assert [(d.device_id, d.shared) for d in claims.devices.devices_of(person.id)] == [(online_device, False)]
    assert claims.devices.owned_devices(other_person.id) == []  # owned_devices keeps its meaning
    for refused in (lambda: lifecycle.remove(other_person, online_device, channel="sms"),
                    lambda: lifecycle.give(other_person, online_device, THIRD_PHONE, channel="sms"),
                    lambda: lifecycle.share(other_person, online_device, THIRD_PHONE, channel="sms")):
        with pytest.raises(errors.SharedUserOnly) as error:
            refused()
        assert error.value.public_message.startswith("This device is shared with you")
    with pytest.raises(errors.AlreadyShared):
        lifecycle.share(person, online_device, OTHER_PHONE, channel="sms")
    assert cloud_owner(control, online_device) == username_of(store, person, online_device)
    assert [(e["from_person_id"], e["to_person_id"]) for e in events_of(store, "device.shared")] == [
        (person.id, other_person.id)]
    assert lifecycle.offer(offer.id).state == "accepted"


def test_unshare_and_leave_end_a_share(lifecycle, owns, store, person, other_person, third_person, online_device):
    owns(person, online_device)
    for phone, invitee in ((OTHER_PHONE, other_person), (THIRD_PHONE, third_person)):
        lifecycle.share(person, online_device, phone, channel="sms")
        lifecycle.answer(invitee, True)
    with pytest.raises(errors.NotTheOwner):
        lifecycle.unshare(third_person, online_device, OTHER_PHONE)
    lifecycle.unshare(person, online_device, OTHER_PHONE)
    assert texts_to(store, OTHER_PHONE)[-1].endswith("is no longer shared with you. You do not need to do anything.")
    lifecycle.leave_share(third_person, online_device)
    assert lifecycle.shares_of(online_device) == [] and lifecycle.shared_with(other_person.id) == []
    with pytest.raises(errors.NotShared):
        lifecycle.leave_share(third_person, online_device)
    with pytest.raises(errors.NotShared):
        lifecycle.unshare(person, online_device, OTHER_PHONE)
    assert [e["to_person_id"] for e in events_of(store, "device.unshared")] == [other_person.id, third_person.id]


def test_remove_during_a_share_ends_the_share(lifecycle, owns, store, control, person, other_person,
                                              third_person, online_device):
    owns(person, online_device)
    lifecycle.share(person, online_device, OTHER_PHONE, channel="sms")
    lifecycle.answer(other_person, True)
    invite = lifecycle.share(person, online_device, THIRD_PHONE, channel="sms")  # still open
    assert lifecycle.remove(person, online_device, channel="web").done
    assert cloud_owner(control, online_device) is None
    assert lifecycle.shares_of(online_device) == [] and lifecycle.shared_with(other_person.id) == []
    assert [e["to_person_id"] for e in events_of(store, "device.unshared")] == [other_person.id]
    assert texts_to(store, OTHER_PHONE)[-1].endswith("is no longer shared with you. You do not need to do anything.")
    assert lifecycle.offer(invite.id).state == "cancelled" and "withdrawn" in texts_to(store, THIRD_PHONE)[-1]


# -- YES / NO --------------------------------------------------------------------------------------


def test_several_open_questions_are_numbered_newest_first(lifecycle, owns, store, control, person, other_person,
                                                          new_devices):
    devices = [owns(person, device_id) for device_id in new_devices(3)]
    offers = [lifecycle.give(person, devices[0], OTHER_PHONE, channel="sms"),
              lifecycle.share(person, devices[1], OTHER_PHONE, channel="sms"),
              lifecycle.give(person, devices[2], OTHER_PHONE, channel="sms")]
    questions = lifecycle.open_questions(other_person)
    assert [(q.number, q.offer.id) for q in questions] == [(1, offers[2].id), (2, offers[1].id), (3, offers[0].id)]
    with pytest.raises(errors.WhichQuestion) as which:
        lifecycle.answer(other_person, True)
    assert which.value.public_message.startswith("You have 3 open questions: 1 take the device")
    assert len(which.value.customer_text) <= 160
    with pytest.raises(errors.WhichQuestion):
        lifecycle.answer(other_person, True, 4)
    assert lifecycle.answer(other_person, True, 3).offer.id == offers[0].id
    assert cloud_owner(control, devices[0]) == username_of(store, other_person, devices[0])
    assert lifecycle.answer(other_person, False, 1).offer.id == offers[2].id
    assert lifecycle.answer(other_person, True).offer.id == offers[1].id  # the one left
    with pytest.raises(errors.NothingToAnswer):
        lifecycle.answer(other_person, True)
    with pytest.raises(errors.NothingToAnswer):
        lifecycle.answer(person, False)  # the giver has nothing to answer


def test_gives_and_shares_are_limited_per_person(lifecycle, owns, person, new_devices, store, clock):
    """Each give or share texts a number: a few an hour per person, then a plain refusal."""
    from bff.ownership.offers import INVITES_PER_HOUR

    devices = [owns(person, device_id) for device_id in new_devices(INVITES_PER_HOUR + 1)]
    for n, device_id in enumerate(devices[:INVITES_PER_HOUR]):
        (lifecycle.give if n % 2 else lifecycle.share)(person, device_id, f"+1201555{3000 + n:04d}", channel="api")
    with pytest.raises(errors.TooManyInvites):
        lifecycle.share(person, devices[-1], "+12015553999", channel="api")
    assert store.open_offer("share", devices[-1], store.user_by_phone("+12015553999")["id"]
                            if store.user_by_phone("+12015553999") else -1) is None
