"""The JSON API after the first claim, end to end against the sandbox cloud: remove, give, share, ask
the owner, offers and their answers. Every reply is checked against /api/v1/openapi.json (ApiClient);
the cloud's owner is read from the sandbox; refusals are pinned by status and code; nobody's phone
number reaches the other side."""
from __future__ import annotations

import pytest

from tests.support import OTHER_PHONE, PHONE
from tests.support.api_client import ApiClient

THIRD_PHONE = "+12015550166"
UNCLAIM = {"path": "/v1/products/*/devices/*/owner", "method": "DELETE"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"] and error["next_step"]
    return error


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def no_phone_of(response, *phones: str) -> None:
    """None of these numbers, whole or in national form, is in the reply."""
    text = response.get_data(as_text=True)
    for phone in phones:
        assert phone not in text and phone[2:] not in text, (phone, text)


@pytest.fixture
def third_api_client(api_client_for) -> ApiClient:
    return api_client_for(THIRD_PHONE)


@pytest.fixture
def owned(api_client, online_device, tag) -> str:
    """A device PHONE claimed through the API (online: claimed at once)."""
    claim = ok(api_client.post("/api/v1/claims", {"device_id": online_device, "tag": tag(online_device)}))
    assert claim["state"] == "claimed"
    return online_device


@pytest.fixture
def cloud_owner(control, services):
    """`cloud_owner(device_id)`: whose shadow customer owns the device in the sandbox: a phone, or None."""
    def owner(device_id: str) -> str | None:
        username = control.device(device_id)["owner"]
        if username is None:
            return None
        row = services.store.device(device_id)
        for phone in (PHONE, OTHER_PHONE, THIRD_PHONE):
            person = services.accounts.user_for_phone(phone, create=False)
            customer = person and services.store.shadow_customer(person.id, row["product_key"])
            if customer and customer["username"] == username:
                return phone
        return f"someone else: {username}"
    return owner


def device_ids(client) -> dict[str, bool]:
    """The caller's devices from GET /api/v1/devices: {device_id: shared}."""
    return {d["device_id"]: d["shared"] for d in ok(client.get("/api/v1/devices"))["devices"]}


# -- remove ----------------------------------------------------------------------------------------------


def test_remove_unclaims_in_the_cloud_and_the_label_works_for_the_next_owner(api_client, other_api_client, owned,
                                                                              cloud_owner, tag):
    assert cloud_owner(owned) == PHONE and device_ids(api_client) == {owned: False}

    move = ok(api_client.delete(f"/api/v1/devices/{owned}"))

    assert move["kind"] == "remove" and move["state"] == "done" and move["done"] and move["device_id"] == owned
    assert cloud_owner(owned) is None and device_ids(api_client) == {}
    again = ok(other_api_client.post("/api/v1/claims", {"device_id": owned, "tag": tag(owned)}))
    assert again["state"] == "claimed" and cloud_owner(owned) == OTHER_PHONE


def test_a_remove_the_cloud_cannot_take_now_is_202_and_the_device_is_busy_meanwhile(api_client, owned, control,
                                                                                    cloud_owner, services):
    control.add_fault(**UNCLAIM, status=503)

    move = ok(api_client.delete(f"/api/v1/devices/{owned}"), 202)

    assert move["state"] == "requested" and not move["done"] and cloud_owner(owned) == PHONE
    assert_error(api_client.post(f"/api/v1/devices/{owned}/give", {"phone": OTHER_PHONE}), 409, "device_busy")
    assert_error(api_client.delete(f"/api/v1/devices/{owned}"), 409, "device_busy")
    control.clear_faults()
    services.lifecycle.moves.clock = lambda: services.lifecycle.clock() + 3600  # the backoff is over
    assert services.lifecycle.resume_moves() == 1
    assert cloud_owner(owned) is None and device_ids(api_client) == {}


def test_a_cloud_refusal_of_a_remove_is_a_502_and_nothing_moved(api_client, owned, control, cloud_owner):
    control.add_fault(**UNCLAIM, status=403)

    assert_error(api_client.delete(f"/api/v1/devices/{owned}"), 502, "move_failed")

    assert cloud_owner(owned) == PHONE and device_ids(api_client) == {owned: False}


def test_only_the_owner_removes(api_client, other_api_client, owned, cloud_owner):
    assert_error(other_api_client.delete(f"/api/v1/devices/{owned}"), 403, "not_the_owner")
    assert_error(api_client.delete("/api/v1/devices/not-a-device"), 400, "invalid_device_id")
    assert cloud_owner(owned) == PHONE


# -- give ------------------------------------------------------------------------------------------------


def test_give_then_accept_moves_the_device_to_the_receiver(api_client, other_api_client, owned, cloud_owner,
                                                           services):
    offered = api_client.post(f"/api/v1/devices/{owned}/give", {"phone": "(201) 555-0124"})
    offer = ok(offered)
    no_phone_of(offered, OTHER_PHONE)
    assert (offer["kind"], offer["state"], offer["role"], offer["device_id"]) == ("give", "open", "giver", owned)
    assert offer["can_cancel"] and not offer["can_answer"] and offer["expires_in"] > 6 * 86400
    assert ok(api_client.post(f"/api/v1/devices/{owned}/give", {"phone": OTHER_PHONE}))["id"] == offer["id"]
    assert f"/offers/{offer['id']}" in services.sms.outbox(to=OTHER_PHONE)[0]["body"]

    listed = other_api_client.get("/api/v1/offers")
    no_phone_of(listed, PHONE)
    to_answer = ok(listed)["to_answer"]
    assert [(o["id"], o["role"], o["can_answer"]) for o in to_answer] == [(offer["id"], "receiver", True)]
    assert [o["id"] for o in ok(api_client.get("/api/v1/offers"))["made"]] == [offer["id"]]
    assert ok(api_client.get("/api/v1/offers"))["to_answer"] == []

    accepted = other_api_client.post(f"/api/v1/offers/{offer['id']}/accept")
    answer = ok(accepted)
    no_phone_of(accepted, PHONE)

    assert answer["accepted"] and answer["offer"]["state"] == "accepted" and answer["message"]
    assert answer["move"]["kind"] == "give" and answer["move"]["done"]
    assert ok(api_client.get(f"/api/v1/offers/{offer['id']}"))["move_id"] == answer["move"]["id"]
    assert cloud_owner(owned) == OTHER_PHONE
    assert device_ids(other_api_client) == {owned: False} and device_ids(api_client) == {}
    assert ok(api_client.get("/api/v1/offers"))["made"] == []
    assert_error(other_api_client.post(f"/api/v1/offers/{offer['id']}/accept"), 409, "offer_closed")


def test_decline_and_cancel_end_a_give_and_nothing_moves(api_client, other_api_client, owned, cloud_owner):
    first = ok(api_client.post(f"/api/v1/devices/{owned}/give", {"phone": OTHER_PHONE}))
    declined = ok(other_api_client.post(f"/api/v1/offers/{first['id']}/decline"))
    assert not declined["accepted"] and declined["move"] is None and declined["offer"]["state"] == "declined"

    second = ok(api_client.post(f"/api/v1/devices/{owned}/give", {"phone": OTHER_PHONE}))
    assert second["id"] != first["id"]
    assert_error(other_api_client.post(f"/api/v1/offers/{second['id']}/cancel"), 404, "offer_not_found")
    cancelled = ok(api_client.post(f"/api/v1/offers/{second['id']}/cancel"))
    assert cancelled["state"] == "cancelled" and not cancelled["can_cancel"]
    assert_error(other_api_client.post(f"/api/v1/offers/{second['id']}/accept"), 409, "offer_closed")
    assert_error(api_client.post(f"/api/v1/offers/{second['id']}/cancel"), 409, "offer_closed")
    assert cloud_owner(owned) == PHONE and device_ids(other_api_client) == {}


def test_someone_outside_an_offer_gets_404_everywhere(api_client, other_api_client, third_api_client, owned):
    offer = ok(api_client.post(f"/api/v1/devices/{owned}/give", {"phone": OTHER_PHONE}))
    for method, path in [("GET", ""), ("POST", "/accept"), ("POST", "/decline"), ("POST", "/cancel")]:
        assert_error(third_api_client.call(method, f"/api/v1/offers/{offer['id']}{path}"), 404, "offer_not_found")
    assert_error(api_client.post(f"/api/v1/offers/{offer['id']}/accept"), 404, "offer_not_found")  # not the giver's
    assert ok(third_api_client.get("/api/v1/offers")) == {"to_answer": [], "made": []}
    assert ok(other_api_client.get(f"/api/v1/offers/{offer['id']}"))["state"] == "open"


def test_give_refusals_say_why(api_client, other_api_client, owned, online_device):
    give = f"/api/v1/devices/{owned}/give"
    assert_error(api_client.post(give, {"phone": PHONE}), 409, "refused")  # one's own number
    assert_error(api_client.post(give, {"phone": "12"}), 400, "invalid_phone")
    assert_error(api_client.post(give, {}), 400, "missing_field")
    assert_error(api_client.post(give, {"phone": 12015550124}), 400, "invalid_field")
    assert_error(other_api_client.post(give, {"phone": THIRD_PHONE}), 403, "not_the_owner")
    ok(api_client.post(give, {"phone": OTHER_PHONE}))
    assert_error(api_client.post(give, {"phone": THIRD_PHONE}), 409, "already_offered")


# -- share -----------------------------------------------------------------------------------------------


def test_a_shared_device_is_listed_for_the_shared_person_who_may_not_remove_give_or_share_it(
        api_client, other_api_client, third_api_client, owned, cloud_owner):
    invite = ok(api_client.post(f"/api/v1/devices/{owned}/share", {"phone": OTHER_PHONE}))
    assert (invite["kind"], invite["role"]) == ("share", "owner")
    assert ok(other_api_client.get(f"/api/v1/offers/{invite['id']}"))["role"] == "invitee"
    assert device_ids(other_api_client) == {}

    answer = ok(other_api_client.post(f"/api/v1/offers/{invite['id']}/accept"))

    assert answer["accepted"] and answer["move"] is None
    assert device_ids(other_api_client) == {owned: True} and device_ids(api_client) == {owned: False}
    assert cloud_owner(owned) == PHONE  # the cloud owner stays the owner's shadow customer
    refused = assert_error(other_api_client.delete(f"/api/v1/devices/{owned}"), 403, "not_the_owner")
    assert "shared with you" in refused["message"]
    assert_error(other_api_client.post(f"/api/v1/devices/{owned}/give", {"phone": THIRD_PHONE}), 403, "not_the_owner")
    assert_error(other_api_client.post(f"/api/v1/devices/{owned}/share", {"phone": THIRD_PHONE}), 403, "not_the_owner")
    assert_error(other_api_client.post(f"/api/v1/devices/{owned}/asks/block"), 403, "not_the_owner")
    assert cloud_owner(owned) == PHONE and device_ids(other_api_client) == {owned: True}
    assert_error(api_client.post(f"/api/v1/devices/{owned}/share", {"phone": OTHER_PHONE}), 409, "already_shared")

    owners_view = api_client.get(f"/api/v1/devices/{owned}/shares")
    [share] = ok(owners_view)["shares"]
    assert not share["shared_with_you"] and share["shared_with"] == "••• 0124"
    no_phone_of(owners_view, OTHER_PHONE)
    shared_view = other_api_client.get(f"/api/v1/devices/{owned}/shares")
    assert ok(shared_view)["shares"] == [{**share, "shared_with_you": True, "shared_with": None}]
    no_phone_of(shared_view, PHONE)
    assert_error(third_api_client.get(f"/api/v1/devices/{owned}/shares"), 403, "not_the_owner")
    assert_error(third_api_client.delete(f"/api/v1/devices/{owned}/shares/{share['id']}"), 403, "not_the_owner")


def test_the_shared_person_or_the_owner_ends_a_share(api_client, other_api_client, third_api_client, owned):
    shares = {}
    for client, phone in ((other_api_client, OTHER_PHONE), (third_api_client, THIRD_PHONE)):
        invite = ok(api_client.post(f"/api/v1/devices/{owned}/share", {"phone": phone}))
        ok(client.post(f"/api/v1/offers/{invite['id']}/accept"))
        shares[phone] = ok(client.get(f"/api/v1/devices/{owned}/shares"))["shares"][0]["id"]
    assert len(ok(api_client.get(f"/api/v1/devices/{owned}/shares"))["shares"]) == 2

    left = other_api_client.delete(f"/api/v1/devices/{owned}/shares/{shares[OTHER_PHONE]}")
    assert ok(left) == {"id": shares[OTHER_PHONE], "ended": True}
    assert device_ids(other_api_client) == {}
    assert_error(other_api_client.delete(f"/api/v1/devices/{owned}/shares/{shares[THIRD_PHONE]}"), 403,
                 "not_the_owner")  # someone else's share of a device no longer shared with them
    assert_error(third_api_client.delete(f"/api/v1/devices/{owned}/shares/{shares[OTHER_PHONE]}"), 404, "not_shared")

    ok(api_client.delete(f"/api/v1/devices/{owned}/shares/{shares[THIRD_PHONE]}"))
    assert device_ids(third_api_client) == {} and ok(api_client.get(f"/api/v1/devices/{owned}/shares"))["shares"] == []
    assert_error(api_client.delete(f"/api/v1/devices/{owned}/shares/{shares[THIRD_PHONE]}"), 404, "not_shared")


# -- ask the owner ---------------------------------------------------------------------------------------


def test_ask_with_the_qr_tag_then_the_owner_accepts_and_the_device_moves(api_client, other_api_client, owned,
                                                                         tag, cloud_owner, services):
    asked = other_api_client.post(f"/api/v1/devices/{owned}/ask", {"tag": tag(owned)})
    ask = ok(asked)
    no_phone_of(asked, PHONE)
    assert (ask["kind"], ask["role"], ask["can_cancel"], ask["can_answer"]) == ("ask", "asker", True, False)
    assert any("asks for your device" in t["body"] for t in services.sms.outbox(to=PHONE))
    assert not any(OTHER_PHONE[2:] in t["body"] for t in services.sms.outbox(to=PHONE))
    assert [o["id"] for o in ok(other_api_client.get("/api/v1/offers"))["made"]] == [ask["id"]]
    question = ok(api_client.get("/api/v1/offers"))["to_answer"]
    assert [(o["id"], o["role"], o["can_answer"]) for o in question] == [(ask["id"], "owner", True)]

    answer = ok(api_client.post(f"/api/v1/offers/{ask['id']}/accept"))

    assert answer["move"]["kind"] == "ask" and answer["move"]["done"]
    assert cloud_owner(owned) == OTHER_PHONE and device_ids(other_api_client) == {owned: False}


def test_ask_with_the_label_code_and_the_owner_says_no(api_client, other_api_client, owned, services, cloud_owner):
    label_code = services.store.device(owned)["label_code"]
    ask = ok(other_api_client.post(f"/api/v1/devices/{owned}/ask", {"label_code": label_code}))
    assert ok(api_client.post(f"/api/v1/offers/{ask['id']}/decline"))["offer"]["state"] == "declined"
    assert ok(other_api_client.get(f"/api/v1/offers/{ask['id']}"))["state"] == "declined"
    assert cloud_owner(owned) == PHONE


def test_an_ask_needs_the_proof_of_holding_the_box(api_client, other_api_client, owned, new_devices, services, tag):
    ask = f"/api/v1/devices/{owned}/ask"
    other_device = new_devices(1)[0]
    services.devices.find(other_device)
    assert_error(other_api_client.post(ask, {}), 400, "missing_field")
    assert_error(other_api_client.post(ask, {"tag": "guess"}), 403, "claim_refused")
    assert_error(other_api_client.post(ask, {"tag": tag(other_device)}), 403, "claim_refused")
    assert_error(other_api_client.post(ask, {"label_code": services.store.device(other_device)["label_code"]}), 403,
                 "claim_refused")
    assert_error(other_api_client.post(ask, {"label_code": "ABCD"}), 400, "bad_label_code")
    assert_error(api_client.post(ask, {"tag": tag(owned)}), 409, "refused")  # already yours
    assert ok(api_client.get("/api/v1/offers"))["to_answer"] == []


def test_the_owner_stops_asks_and_open_ones_are_declined(api_client, other_api_client, third_api_client, owned, tag):
    ask = ok(other_api_client.post(f"/api/v1/devices/{owned}/ask", {"tag": tag(owned)}))

    assert ok(api_client.post(f"/api/v1/devices/{owned}/asks/block")) == {"asks_stopped": True, "declined": 1}

    assert ok(other_api_client.get(f"/api/v1/offers/{ask['id']}"))["state"] == "declined"
    assert_error(third_api_client.post(f"/api/v1/devices/{owned}/ask", {"tag": tag(owned)}), 403, "asks_stopped")
    assert_error(third_api_client.post(f"/api/v1/devices/{owned}/asks/block"), 403, "not_the_owner")
    assert ok(api_client.delete(f"/api/v1/devices/{owned}/asks/block"))["asks_stopped"] is False
    assert ok(third_api_client.post(f"/api/v1/devices/{owned}/ask", {"tag": tag(owned)}))["state"] == "open"


def test_asks_for_one_device_are_limited_per_day(api_client, other_api_client, owned, tag):
    for _ in range(3):
        ask = ok(other_api_client.post(f"/api/v1/devices/{owned}/ask", {"tag": tag(owned)}))
        ok(api_client.post(f"/api/v1/offers/{ask['id']}/decline"))
    assert_error(other_api_client.post(f"/api/v1/devices/{owned}/ask", {"tag": tag(owned)}), 429, "too_many_asks")
