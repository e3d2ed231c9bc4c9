"""`/ops/asks`: asks the owner left unanswered for 7 days, listed for support (linked from the claims
list); Give or Keep, each asked first, decided through `LifecycleService.decide_ask` (the device moved
in the cloud, the asker texted, the audit log written); field crews may not see or decide them."""
from __future__ import annotations

import re

import pytest

from bff.ownership.texts import DECIDED_TEXTS

from tests.support import OTHER_PHONE, PHONE
from tests.support.pages import csrf_token, page_text

WEEK_AND_A_DAY = 8 * 24 * 3600


@pytest.fixture
def owner(services):
    return services.accounts.user_for_phone(PHONE)


@pytest.fixture
def asker(services):
    return services.accounts.user_for_phone(OTHER_PHONE)


@pytest.fixture
def silent_ask(services, owner, asker, online_device):
    """The owner's device, asked for by the asker; the owner said nothing for 8 days (the worker
    ended the ask): the ask's offer id."""
    claim = services.claims.request_claim(owner.id, online_device, channel="test", operator=True)
    assert claim.state == "claimed"
    lifecycle = services.lifecycle
    offer = lifecycle.ask_owner(asker, online_device, channel="web")
    real_clock = lifecycle.clock
    lifecycle.clock = lambda: real_clock() + WEEK_AND_A_DAY
    try:
        assert lifecycle.expire_offers() == 1
    finally:
        lifecycle.clock = real_clock
    assert [o.id for o in lifecycle.open_asks_for_operators()] == [offer.id]
    return offer.id


def cloud_owner_is(control, services, person, device_id) -> bool:
    customer = services.store.shadow_customer(person.id, services.store.device(device_id)["product_key"])
    return customer is not None and control.device(device_id)["owner"] == customer["username"]


def decided_texts(services) -> list[str]:
    """The texts telling the asker what an operator decided."""
    return [t["body"] for t in services.sms.outbox(to=OTHER_PHONE) if t["purpose"] == "offer_ask_decided"]


def decide(browser, offer_id: int, answer: str, *, confirmed: bool):
    data = {"csrf_token": csrf_token(browser.get("/ops/asks")), "offer_id": str(offer_id), "answer": answer}
    if confirmed:
        data["confirmed"] = "yes"
    return browser.post("/ops/asks/decide", data=data)


def test_the_list_shows_each_silent_ask_with_masked_phones_and_the_claims_list_links_to_it(
        desk, silent_ask, online_device, services):
    page = desk.get("/ops/asks")
    text = page_text(page)

    assert page.status_code == 200
    assert online_device in text and "••• ••• 0123" in text and "••• ••• 0124" in text
    assert PHONE not in page.text and "555-0124" not in page.text  # support sees phones masked
    assert 'value="give"' in page.text and 'value="keep"' in page.text
    assert "Asks nobody answered: 1" in page_text(desk.get("/ops/claims"))
    assert 'href="/ops/asks"' in desk.get("/ops/claims").text


def test_an_empty_list_says_so(desk):
    assert "No ask is waiting for a decision." in page_text(desk.get("/ops/asks"))
    assert "Asks nobody answered: 0" in page_text(desk.get("/ops/claims"))


def test_give_asks_first_then_moves_the_device_to_the_asker_texts_them_and_is_audited(
        desk, silent_ask, online_device, services, control, owner, asker):
    asking = decide(desk, silent_ask, "give", confirmed=False)

    assert asking.status_code == 200 and "to the person who asked?" in page_text(asking)
    assert 'name="confirmed" value="yes"' in asking.text and f'value="{silent_ask}"' in asking.text
    assert cloud_owner_is(control, services, owner, online_device)
    assert services.audit.entries(action="ask.decide") == []

    done = decide(desk, silent_ask, "give", confirmed=True)

    assert done.status_code == 303 and done.headers["Location"].endswith("/ops/asks")
    assert cloud_owner_is(control, services, asker, online_device)
    assert services.lifecycle.offer(silent_ask).state == "accepted"
    [entry] = services.audit.entries(action="ask.decide")
    assert (entry.actor_login, entry.result, entry.device_id, entry.person_id) == ("desk", "ok", online_device,
                                                                                    asker.id)
    assert re.search(r"yes: move \d+", entry.detail)
    assert decided_texts(services) == [DECIDED_TEXTS[True].format(device=services.devices.short_name(online_device))]
    after = desk.get("/ops/asks")
    assert "was given to the person who asked" in page_text(after)
    assert "No ask is waiting for a decision." in page_text(after)


def test_keep_ends_the_ask_and_the_device_stays(boss, silent_ask, online_device, services, control, owner):
    assert "Keep" in page_text(decide(boss, silent_ask, "keep", confirmed=False))

    assert decide(boss, silent_ask, "keep", confirmed=True).status_code == 303

    assert cloud_owner_is(control, services, owner, online_device)
    assert services.lifecycle.offer(silent_ask).state == "declined"
    assert [(e.actor_login, e.result) for e in services.audit.entries(action="ask.decide")] == [("boss", "ok")]
    assert decided_texts(services) == [DECIDED_TEXTS[False].format(device=services.devices.short_name(online_device))]
    assert "stays with its owner" in page_text(boss.get("/ops/asks"))


def test_a_second_decision_is_refused_in_plain_words_and_audited(desk, silent_ask, services):
    decide(desk, silent_ask, "keep", confirmed=True)

    again = decide(desk, silent_ask, "give", confirmed=True)

    assert again.status_code == 303
    assert "This offer is no longer open." in page_text(desk.get("/ops/asks"))
    assert [e.result for e in services.audit.entries(action="ask.decide")] == ["refused", "ok"]


def test_a_give_after_the_device_changed_hands_is_refused(desk, silent_ask, online_device, services, owner,
                                                         control):
    services.lifecycle.remove(owner, online_device, channel="test")
    page = desk.get("/ops/asks")
    assert "no longer owns it" in page_text(page) and 'value="give"' not in page.text

    decide(desk, silent_ask, "give", confirmed=True)

    assert control.device(online_device)["owner"] is None
    assert services.lifecycle.offer(silent_ask).state == "expired"
    assert [e.result for e in services.audit.entries(action="ask.decide")] == ["refused"]


def test_no_ask_chosen_or_not_an_ask_changes_nothing(desk, services, silent_ask):
    for data in ({}, {"offer_id": "x", "answer": "give"}, {"offer_id": str(silent_ask), "answer": "maybe"},
                 {"offer_id": "999999", "answer": "give"}):
        token = csrf_token(desk.get("/ops/asks"))
        response = desk.post("/ops/asks/decide", data={"csrf_token": token, "confirmed": "yes", **data})
        assert response.status_code == 303
    assert "Choose an ask from the list" in page_text(desk.get("/ops/asks"))
    assert services.lifecycle.offer(silent_ask).state == "expired"


def test_field_crews_may_neither_see_nor_decide_asks(crew, silent_ask, services):
    assert crew.get("/ops/asks").status_code == 403
    token = csrf_token(crew.get("/ops/field"))
    refused = crew.post("/ops/asks/decide", data={"csrf_token": token, "offer_id": str(silent_ask),
                                                  "answer": "give", "confirmed": "yes"})
    assert refused.status_code == 403
    assert services.lifecycle.offer(silent_ask).state == "expired"
    assert services.audit.entries(action="ask.decide") == []


def test_seeing_asks_needs_the_claims_permission_and_deciding_the_fix_permission(app):
    assert app.view_functions["ops.asks"].ops_permission == "claims"
    assert app.view_functions["ops.decide_ask"].ops_permission == "fix"
