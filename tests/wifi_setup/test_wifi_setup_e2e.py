"""End to end: a claim code from the JSON API, a sandbox Photon set up over SoftAP (TCP), and bff
reporting the device as the person's, or saying why not. A worker runs in a thread."""
from __future__ import annotations

from bff.wifi_setup.watch import (
    EXPIRY_GRACE_SECONDS,
    OFFLINE_GRACE_SECONDS,
    SETTLE_SECONDS,
)

from tests.support import PHONE
from tests.support.polling import wait_until


def get_code(api_client) -> dict:
    response = api_client.post("/api/v1/claim-codes", {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def code_state(api_client, code_id: int) -> dict:
    return api_client.get(f"/api/v1/claim-codes/{code_id}").get_json()


def my_device_ids(api_client) -> set[str]:
    return {d["device_id"] for d in api_client.get("/api/v1/devices").get_json()["devices"]}


def test_a_photon_set_up_with_an_api_code_arrives_as_the_persons_device(
        worker, api_client, new_photon, listen, wifi, services, control):
    code = get_code(api_client)
    assert len(code["claim_code"]) == 63 and "device_ids" not in code
    device_id = new_photon()

    listen(device_id).run(code["claim_code"], wifi["ssid"], wifi["password"])

    assert wait_until(lambda: code_state(api_client, code["id"])["state"] == "arrived", timeout=5)
    state = code_state(api_client, code["id"])
    assert state["device_id"] == device_id and state["diagnosis"] is None
    assert state["title"] == "Your device is online and yours"
    assert device_id in my_device_ids(api_client)
    assert control.device(device_id)["owner"] == username_of(services, PHONE)
    assert arrival_texts(services, PHONE) == 1


def username_of(services, phone: str) -> str:
    """The person's shadow customer in the Photon product."""
    user = services.accounts.user_for_phone(phone, create=False)
    return services.store.shadow_customer(user.id, "sandbox-photon")["username"]


def arrival_texts(services, phone: str) -> int:
    return sum("is online and on your account" in m["body"] for m in services.sms.outbox(to=phone))


def test_a_wrong_wifi_password_is_diagnosed_and_the_same_code_works_once_it_is_right(
        worker, api_client, new_photon, listen, wifi, clock, wifi_setup, control):
    code = get_code(api_client)
    device_id = new_photon()
    softap = listen(device_id)

    softap.run(code["claim_code"], wifi["ssid"], "not-the-password")
    assert wait_until(lambda: control.device(device_id)["listening"])  # back in listening mode
    reported = api_client.put(f"/api/v1/claim-codes/{code['id']}/device", {"device_id": device_id.upper()})
    assert reported.status_code == 200 and reported.get_json()["reported_device_id"] == device_id
    clock.advance(OFFLINE_GRACE_SECONDS + 1)
    wifi_setup.check_open_codes()

    state = code_state(api_client, code["id"])
    assert state["state"] == "open" and state["diagnosis"]["code"] == "never_online"
    assert "Wi-Fi name and password" in state["next_step"]

    softap.run(code["claim_code"], wifi["ssid"], wifi["password"])
    assert wait_until(lambda: code_state(api_client, code["id"])["state"] == "arrived", timeout=5)
    assert code_state(api_client, code["id"])["diagnosis"] is None


def test_an_expired_code_does_not_claim_and_bff_says_it_ran_out(
        worker, api_client, new_photon, listen, wifi, clock, wifi_setup, control, services):
    code = get_code(api_client)
    device_id = new_photon()
    control.advance_clock(3601)  # the cloud's hour is over
    clock.advance(3600 + EXPIRY_GRACE_SECONDS + 1)

    listen(device_id).run(code["claim_code"], wifi["ssid"], wifi["password"])
    assert wait_until(lambda: control.device(device_id)["online"])
    wifi_setup.check_open_codes()

    state = code_state(api_client, code["id"])
    assert state["state"] == "expired" and state["done"]
    assert state["diagnosis"]["code"] == "code_expired"
    assert "Get a new code" in state["next_step"]
    assert control.device(device_id)["owner"] is None
    assert device_id not in my_device_ids(api_client)
    assert arrival_texts(services, PHONE) == 0


def test_a_device_someone_else_owns_moves_to_the_person_with_a_fresh_code(
        worker, api_client, other_api_client, new_photon, listen, wifi, services, control):
    device_id = new_photon()
    theirs = get_code(other_api_client)
    listen(device_id).run(theirs["claim_code"], wifi["ssid"], wifi["password"])
    assert wait_until(lambda: code_state(other_api_client, theirs["id"])["state"] == "arrived", timeout=5)

    mine = get_code(api_client)
    softap = listen(device_id)
    assert softap.device_id() == (device_id, True)  # c=1: a setup app asks "claim it?" and goes on
    softap.run(mine["claim_code"], wifi["ssid"], wifi["password"])

    assert wait_until(lambda: code_state(api_client, mine["id"])["state"] == "arrived", timeout=5)
    assert control.device(device_id)["owner"] == username_of(services, PHONE)
    assert device_id in my_device_ids(api_client)


def test_a_device_that_stays_on_someone_elses_account_is_diagnosed(
        worker, api_client, other_api_client, new_photon, listen, wifi, clock, wifi_setup, control):
    device_id = new_photon()
    theirs = get_code(other_api_client)
    listen(device_id).run(theirs["claim_code"], wifi["ssid"], wifi["password"])
    assert wait_until(lambda: code_state(other_api_client, theirs["id"])["state"] == "arrived", timeout=5)
    mine = get_code(api_client)

    softap = listen(device_id)
    api_client.put(f"/api/v1/claim-codes/{mine['id']}/device", {"device_id": device_id})
    softap.run(None, wifi["ssid"], wifi["password"])  # the person said no to "claim it?"
    assert wait_until(lambda: control.device(device_id)["online"])
    clock.advance(SETTLE_SECONDS + 1)
    wifi_setup.check_open_codes()

    state = code_state(api_client, mine["id"])
    assert state["state"] == "open" and state["diagnosis"]["code"] == "owned_by_other"
    assert "someone else's account" in state["message"]
    assert device_id not in my_device_ids(api_client)


def test_a_device_that_is_not_in_the_product_is_diagnosed(
        worker, api_client, new_photon, listen, wifi, clock, wifi_setup, control):
    code = get_code(api_client)
    device_id = new_photon(product=None)  # a Photon the seller never added to the product

    listen(device_id).run(code["claim_code"], wifi["ssid"], wifi["password"])
    assert wait_until(lambda: control.device(device_id)["online"])
    api_client.put(f"/api/v1/claim-codes/{code['id']}/device", {"device_id": device_id})
    wifi_setup.check_open_codes()

    state = code_state(api_client, code["id"])
    assert state["diagnosis"]["code"] == "not_in_product"
    assert control.device(device_id)["owner"] is None

    clock.advance(3600 + EXPIRY_GRACE_SECONDS + 1)
    wifi_setup.check_open_codes()
    state = code_state(api_client, code["id"])
    assert state["state"] == "expired" and state["diagnosis"]["code"] == "not_in_product"


def test_without_the_worker_the_periodic_check_finds_the_device(
        api_client, new_photon, listen, wifi, clock, wifi_setup, services, control):
    code = get_code(api_client)
    device_id = new_photon()
    listen(device_id).run(code["claim_code"], wifi["ssid"], wifi["password"])  # no event is followed
    assert wait_until(lambda: control.device(device_id)["owner"])

    assert wifi_setup.check_open_codes() == 0  # not due yet: the first look is a little later
    clock.advance(60)
    assert wifi_setup.check_open_codes() == 1

    state = code_state(api_client, code["id"])
    assert state["state"] == "arrived" and state["device_id"] == device_id
    assert device_id in my_device_ids(api_client)
    assert arrival_texts(services, PHONE) == 1
    clock.advance(60)
    assert wifi_setup.check_open_codes() == 0  # nothing open any more; no second text
    assert arrival_texts(services, PHONE) == 1


def test_a_device_online_all_along_does_not_tell_whose_it_is(
        worker, api_client, other_api_client, new_photon, listen, wifi, clock, wifi_setup):
    """A typed device ID must not reveal who owns a device that did not come online for this setup."""
    device_id = new_photon()
    theirs = get_code(other_api_client)
    listen(device_id).run(theirs["claim_code"], wifi["ssid"], wifi["password"])
    assert wait_until(lambda: code_state(other_api_client, theirs["id"])["state"] == "arrived", timeout=5)
    clock.advance(600)
    mine = get_code(api_client)

    api_client.put(f"/api/v1/claim-codes/{mine['id']}/device", {"device_id": device_id})
    clock.advance(OFFLINE_GRACE_SECONDS + 1)
    wifi_setup.check_open_codes()

    state = code_state(api_client, mine["id"])
    assert state["diagnosis"]["code"] == "never_online" and "someone else" not in str(state)
