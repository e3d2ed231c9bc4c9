"""The customer pages after the first claim, with the Flask test client against the sandbox cloud:
remove, give (and the offer page: accept, decline, cancel), ask the owner from the QR landing,
share (accept, stop sharing, leave). The cloud's owner is read in the sandbox's state; texts in
the outbox; confirmation and the form token are required; only the people in an offer see it."""
from __future__ import annotations

import re

import pytest

from bff import errors
from bff.web.offer_words import OFFER_WORDS

from tests.support import OTHER_PHONE, PHONE
from tests.support.pages import claim, csrf_token, landing_path, login_next, page_text, signed_in_client
from tests.web.sign_in import read_code, send_code, ask_for_code

THIRD_PHONE = "+12015550166"


# -- helpers ---------------------------------------------------------------------------------------


@pytest.fixture
def other(app, other_person):
    """A browser signed in as `other_person` (OTHER_PHONE)."""
    return signed_in_client(app, other_person)


@pytest.fixture
def third(app, services):
    """A browser signed in as a third person (THIRD_PHONE), in no offer."""
    return signed_in_client(app, services.accounts.user_for_phone(THIRD_PHONE))


def owns(client, device_id: str) -> str:
    """The client's person claims the device on its landing (the real web claim)."""
    response = claim(client, device_id, follow=True)
    assert "This device is yours" in page_text(response), page_text(response)
    return device_id


def post(client, path: str, data: dict | None = None, *, token_from: str = "/devices", follow: bool = False):
    """Send a form as the browser does: the token read from a page the person has open."""
    token = csrf_token(client.get(token_from))
    return client.post(path, data={"csrf_token": token, **(data or {})}, follow_redirects=follow)


def cloud_owner(control, device_id: str):
    return control.device(device_id)["owner"]


def username(services, person, device_id: str):
    customer = services.store.shadow_customer(person.id, services.store.device(device_id)["product_key"])
    return customer and customer["username"]


def texts_to(services, phone: str) -> list[str]:
    """The texts sent to `phone`, newest first."""
    return [message["body"] for message in services.sms.outbox(to=phone)]


def offer_id_in(text: str) -> int:
    return int(re.search(r"/offers/(\d+)", text).group(1))


def device_item(response, device_id: str) -> str:
    """The HTML of a device's line on My devices ('' when it is not listed)."""
    found = re.search(rf'<li id="device-{device_id}".*?</li>\s*(?=<li id="device-|</ul>)',
                      response.get_data(as_text=True), re.S)
    return found.group(0) if found else ""


def my_device_ids(client) -> list[str]:
    return [device["device_id"] for device in client.get("/devices.json").get_json()["devices"]]


def give(client, device_id: str, phone: str = OTHER_PHONE):
    """Give on the page: the number, then the confirmation."""
    form = f"/devices/{device_id}/give"
    post(client, form, {"phone": phone}, token_from=form)
    return post(client, form, {"phone": phone, "confirm": "yes"}, token_from=form)


# -- remove ------------------------------------------------------------------------------------------


def test_remove_asks_first_then_unclaims_in_the_cloud(app, member, services, control, person, online_device):
    owns(member, online_device)
    item = device_item(member.get("/devices"), online_device)
    assert f'href="/devices/{online_device}/remove"' in item and "Give to someone" in item and "Share" in item

    page = member.get(f"/devices/{online_device}/remove")
    assert page.status_code == 200
    text = page_text(page)
    assert "What will happen" in text and "next owner can add it with that code" in text

    unconfirmed = post(member, f"/devices/{online_device}/remove", token_from=f"/devices/{online_device}/remove")
    assert unconfirmed.status_code == 400 and "Nothing was changed" in page_text(unconfirmed)
    assert cloud_owner(control, online_device) == username(services, person, online_device)

    done = post(member, f"/devices/{online_device}/remove", {"confirm": "yes"},
                token_from=f"/devices/{online_device}/remove", follow=True)
    assert done.request.path == "/devices"
    assert "is no longer on your account" in page_text(done)
    assert cloud_owner(control, online_device) is None
    assert services.store.device(online_device)["owner"] is None
    assert my_device_ids(member) == [] and device_item(done, online_device) == ""


def test_every_form_needs_its_token(app, member, other, services, control, person, online_device):
    owns(member, online_device)
    owner = username(services, person, online_device)
    for path, data in ((f"/devices/{online_device}/remove", {"confirm": "yes"}),
                       (f"/devices/{online_device}/give", {"phone": OTHER_PHONE, "confirm": "yes"}),
                       (f"/devices/{online_device}/share", {"phone": OTHER_PHONE})):
        forged = member.post(path, data=data)
        assert forged.status_code == 400 and "reload the page" in page_text(forged).lower(), path
    tag = re.search(r"k=(\w+)", landing_path(online_device)).group(1)
    assert other.post(f"/d/{online_device}/ask", data={"k": tag}).status_code == 400
    assert cloud_owner(control, online_device) == owner
    assert texts_to(services, OTHER_PHONE) == []


def test_only_the_owner_sees_remove_give_and_share(member, other, control, services, person, online_device):
    owns(member, online_device)
    for path in ("remove", "give", "share"):
        assert other.get(f"/devices/{online_device}/{path}").status_code == 403
    refused = post(other, f"/devices/{online_device}/remove", {"confirm": "yes"})
    assert refused.status_code == 403 and "This device is not on your account" in page_text(refused)
    assert cloud_owner(control, online_device) == username(services, person, online_device)


# -- give, and the offer page ----------------------------------------------------------------------------


def test_give_asks_first_then_the_receiver_accepts_on_the_offer_page(
        member, other, services, control, person, other_person, online_device):
    owns(member, online_device)
    form = f"/devices/{online_device}/give"
    confirm = post(member, form, {"phone": "(201) 555-0124"}, token_from=form)
    assert confirm.status_code == 200
    assert "Give" in page_text(confirm) and "+1 201-555-0124" in page_text(confirm)
    assert "What will happen" in page_text(confirm)
    assert texts_to(services, OTHER_PHONE) == []  # nothing happens before the confirmation
    assert services.lifecycle.open_questions(other_person) == []

    given = post(member, form, {"phone": "(201) 555-0124", "confirm": "yes"}, token_from=form, follow=True)
    assert given.request.path == "/devices" and "It stays yours until they accept" in page_text(given)
    [question] = texts_to(services, OTHER_PHONE)
    assert "Someone wants to give you the device" in question and "http://bff.test/offers/" in question
    offer_id = offer_id_in(question)
    assert "Offered to another number" in device_item(member.get("/devices"), online_device)

    inbox = other.get("/devices")
    assert "Someone wants to give you the device" in page_text(inbox)
    page = other.get(f"/offers/{offer_id}")
    assert page.status_code == 200
    assert "Someone wants to give you a device" in page_text(page)
    assert "Accept" in page_text(page) and "Decline" in page_text(page)

    accepted = post(other, f"/offers/{offer_id}/accept", token_from=f"/offers/{offer_id}", follow=True)
    assert accepted.request.path == f"/offers/{offer_id}"
    assert "is yours now" in page_text(accepted) and "See it in My devices" in page_text(accepted)
    assert cloud_owner(control, online_device) == username(services, other_person, online_device)
    assert my_device_ids(other) == [online_device] and my_device_ids(member) == []
    assert any("The person took the device" in text for text in texts_to(services, PHONE))
    again = post(other, f"/offers/{offer_id}/accept", token_from=f"/offers/{offer_id}")
    assert again.status_code == 409 and errors.OfferClosed.public_message in page_text(again)


def test_the_receiver_declines(member, other, services, control, person, online_device):
    owns(member, online_device)
    give(member, online_device)
    offer_id = offer_id_in(texts_to(services, OTHER_PHONE)[0])
    declined = post(other, f"/offers/{offer_id}/decline", token_from=f"/offers/{offer_id}", follow=True)
    assert "You said no to the device" in page_text(declined)
    assert "Accept" not in page_text(declined)
    assert services.lifecycle.offer(offer_id).state == "declined"
    assert cloud_owner(control, online_device) == username(services, person, online_device)
    assert "The person said no to the device" in texts_to(services, PHONE)[0]
    assert "Offered to another number" not in device_item(member.get("/devices"), online_device)


def test_the_giver_cancels_and_the_offer_can_no_longer_be_accepted(
        member, other, services, control, person, online_device):
    owns(member, online_device)
    give(member, online_device)
    offer_id = offer_id_in(texts_to(services, OTHER_PHONE)[0])
    mine = member.get(f"/offers/{offer_id}")
    assert "Cancel the offer" in page_text(mine) and "Accept" not in page_text(mine)

    cancelled = post(member, f"/offers/{offer_id}/cancel", follow=True)  # the Cancel on My devices
    assert "This offer was withdrawn" in page_text(cancelled)
    assert services.lifecycle.offer(offer_id).state == "cancelled"
    assert "was withdrawn" in texts_to(services, OTHER_PHONE)[0]
    page = other.get(f"/offers/{offer_id}")
    assert "This offer was withdrawn" in page_text(page) and "Accept" not in page_text(page)
    late = post(other, f"/offers/{offer_id}/accept", token_from=f"/offers/{offer_id}")
    assert late.status_code == 409
    assert cloud_owner(control, online_device) == username(services, person, online_device)


def test_only_the_people_in_an_offer_see_it(app, member, other, third, client, services, online_device):
    owns(member, online_device)
    give(member, online_device)
    offer_id = offer_id_in(texts_to(services, OTHER_PHONE)[0])
    assert third.get(f"/offers/{offer_id}").status_code == 404
    assert third.get(f"/offers/{offer_id + 1000}").status_code == 404
    stolen = post(third, f"/offers/{offer_id}/accept")
    assert stolen.status_code == 404 and services.lifecycle.offer(offer_id).open
    assert post(member, f"/offers/{offer_id}/accept").status_code == 404  # the giver cannot answer it
    assert post(other, f"/offers/{offer_id}/cancel").status_code == 404  # nor the receiver cancel it

    anonymous = client.get(f"/offers/{offer_id}")
    assert anonymous.status_code in (302, 303)
    assert login_next(anonymous.headers["Location"]) == f"/offers/{offer_id}"


def test_the_texted_link_works_after_signing_in(app, member, services, online_device):
    owns(member, online_device)
    give(member, online_device)
    path = f"/offers/{offer_id_in(texts_to(services, OTHER_PHONE)[0])}"
    browser = app.test_client()
    ask_for_code(browser, phone="(201) 555-0124", next_path=path)
    signed_in = send_code(browser, read_code(services, OTHER_PHONE), next_path=path)
    assert signed_in.status_code in (302, 303) and signed_in.headers["Location"].endswith(path)
    assert "Someone wants to give you a device" in page_text(browser.get(path))


def test_a_give_to_a_bad_or_own_number_says_what_to_do(member, services, person, online_device):
    owns(member, online_device)
    form = f"/devices/{online_device}/give"
    bad = post(member, form, {"phone": "12"}, token_from=form)
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    own = post(member, form, {"phone": PHONE}, token_from=form)
    assert own.status_code == 409 and errors.OwnNumber.public_message in page_text(own)
    assert texts_to(services, PHONE) == [] and services.lifecycle.open_questions(person) == []


# -- ask the owner, from the QR landing --------------------------------------------------------------


def test_a_refused_claim_offers_to_ask_the_owner_who_gives_it_on_the_page(
        member, other, services, control, person, other_person, online_device):
    owns(member, online_device)
    refused = claim(other, online_device, follow=True)
    text = page_text(refused)
    assert "Ask the owner to give it to you" in text
    assert text.index("Ask the owner") < text.index("Type the code from the box") < text.rindex("contact the seller")
    tag = re.search(r'name="k" value="(\w+)"', refused.get_data(as_text=True)).group(1)

    forged = post(other, f"/d/{online_device}/ask", {"k": "x" * 16}, token_from=landing_path(online_device))
    assert forged.status_code == 403 and texts_to(services, PHONE) == []  # no proof, no ask

    asked = post(other, f"/d/{online_device}/ask", {"k": tag}, token_from=landing_path(online_device), follow=True)
    assert "We asked the owner. We will text you their answer." in page_text(asked)
    assert asked.request.path.startswith("/offers/") and "Withdraw my ask" in page_text(asked)
    chosen_name = services.store.device(online_device)["name"]
    assert chosen_name not in asked.get_data(as_text=True)  # the asker sees the product, not the owner's name
    assert services.devices.product_name(services.store.device(online_device)["product_key"]) in page_text(asked)
    ask_text = texts_to(services, PHONE)[0]
    assert ask_text.startswith("Someone asks for your device") and "2015550124" not in ask_text

    inbox = member.get("/devices")
    assert "Someone asks for your device" in page_text(inbox)
    offer_id = int(re.search(r'id="question-(\d+)"', inbox.get_data(as_text=True)).group(1))
    given = post(member, f"/offers/{offer_id}/accept", follow=True)
    assert "You gave the device" in page_text(given)
    assert cloud_owner(control, online_device) == username(services, other_person, online_device)
    assert texts_to(services, OTHER_PHONE)[0].startswith("Good news: the owner gave you the device")
    assert my_device_ids(other) == [online_device]


def test_no_ask_offered_for_a_device_nobody_owns_and_asking_says_just_claim(member, services, online_device):
    landing = member.get(landing_path(online_device))
    assert "Ask the owner" not in page_text(landing)
    tag = re.search(r'name="k" value="(\w+)"', landing.get_data(as_text=True)).group(1)
    response = post(member, f"/d/{online_device}/ask", {"k": tag}, token_from=landing_path(online_device))
    assert response.status_code == 409
    assert errors.NoOwnerToAsk.public_message in page_text(response)
    assert f'action="/d/{online_device}/claim"' in response.get_data(as_text=True)  # then just claim it


def test_the_owner_keeps_it_and_stops_asks(member, other, services, control, person, online_device):
    owns(member, online_device)
    claim(other, online_device)
    tag = re.search(r"k=(\w+)", landing_path(online_device)).group(1)
    post(other, f"/d/{online_device}/ask", {"k": tag}, token_from=landing_path(online_device))
    stopped = post(member, f"/devices/{online_device}/asks/stop", follow=True)
    assert "We will pass on no more asks" in page_text(stopped) and "Take asks again" in page_text(stopped)
    assert "wants to keep it" in texts_to(services, OTHER_PHONE)[0]
    again = post(other, f"/d/{online_device}/ask", {"k": tag}, token_from=landing_path(online_device))
    assert again.status_code == 403 and errors.AsksStopped.public_message in page_text(again)
    assert "contact the seller" in page_text(again).lower()
    assert cloud_owner(control, online_device) == username(services, person, online_device)


# -- share -----------------------------------------------------------------------------------------


def share_with_other(member, other, services, device_id: str) -> int:
    """The owner shares on the page; the invitee accepts on the offer page. The share's id."""
    form = f"/devices/{device_id}/share"
    shared = post(member, form, {"phone": OTHER_PHONE}, token_from=form, follow=True)
    assert "an invite to see" in page_text(shared)
    invite = texts_to(services, OTHER_PHONE)[0]
    assert "wants to share it with you" in invite
    offer_id = offer_id_in(invite)
    assert "You are invited to see the device" in page_text(other.get("/devices"))
    accepted = post(other, f"/offers/{offer_id}/accept", follow=True)
    assert "is shared with you" in page_text(accepted)
    item = device_item(member.get("/devices"), device_id)
    assert "Shared with ••• 0124" in item and "Stop sharing" in item
    return int(re.search(r"/shares/(\d+)/end", item).group(1))


def test_a_shared_device_shows_in_my_devices_and_cannot_be_removed(
        member, other, services, control, person, online_device):
    owns(member, online_device)
    share_with_other(member, other, services, online_device)
    listed = other.get("/devices")
    item = device_item(listed, online_device)
    assert "Shared with you by their owner" in item and "Leave" in item
    assert "/remove" not in item and "/give" not in item and "/share" not in item
    data = other.get("/devices.json").get_json()
    assert [(d["device_id"], d["shared"]) for d in data["devices"]] == [(online_device, True)]

    assert other.get(f"/devices/{online_device}/remove").status_code == 403
    refused = post(other, f"/devices/{online_device}/remove", {"confirm": "yes"})
    assert refused.status_code == 403 and errors.SharedUserOnly.public_message in page_text(refused)
    assert cloud_owner(control, online_device) == username(services, person, online_device)
    assert member.get("/devices.json").get_json()["devices"][0]["shares"][0]["with"] == "••• 0124"


def test_the_owner_stops_sharing(member, other, services, online_device):
    owns(member, online_device)
    share_id = share_with_other(member, other, services, online_device)
    stopped = post(member, f"/shares/{share_id}/end", follow=True)
    assert "no longer sees the device" in page_text(stopped)
    assert "Shared with" not in device_item(stopped, online_device)
    assert my_device_ids(other) == []
    assert "is no longer shared with you" in texts_to(services, OTHER_PHONE)[0]
    assert post(other, f"/shares/{share_id}/end").status_code == 404


def test_the_shared_person_leaves(member, other, services, online_device):
    owns(member, online_device)
    share_with_other(member, other, services, online_device)
    left = post(other, f"/devices/{online_device}/leave", follow=True)
    assert "off your list" in page_text(left) and my_device_ids(other) == []
    assert "Shared with" not in device_item(member.get("/devices"), online_device)
    assert my_device_ids(member) == [online_device]


# -- the words -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(OFFER_WORDS))
def test_no_offer_page_words_speak_sms(key):
    assert not any("Text STATUS" in part or "Reply" in part for part in OFFER_WORDS[key]), key
