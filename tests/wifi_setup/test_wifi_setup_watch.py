"""Watching codes: what counts as an arrival, setup tokens for Particle's setup libraries, texts."""
from __future__ import annotations

import pytest
import requests

from bff.wifi_setup.watch import EXPIRY_GRACE_SECONDS
from bff.worker import Worker

from tests.support import OPERATOR_PHONE, OTHER_PHONE, PHONE
from tests.support.polling import wait_until


def test_a_device_the_person_already_had_does_not_count_as_arriving(
        worker, api_client, new_photon, listen, wifi, control, wifi_setup, clock):
    first = api_client.post("/api/v1/claim-codes", {}).get_json()
    device_id = new_photon()
    listen(device_id).run(first["claim_code"], wifi["ssid"], wifi["password"])
    assert wait_until(lambda: api_client.get(f"/api/v1/claim-codes/{first['id']}").get_json()["state"] == "arrived")

    second = api_client.post("/api/v1/claim-codes", {}).get_json()
    control.power(device_id, False)
    control.power(device_id, True)  # their old Photon restarts while they set up another one
    wifi_setup.device_online("sandbox-photon", device_id)
    clock.advance(60)
    wifi_setup.check_open_codes()

    assert api_client.get(f"/api/v1/claim-codes/{second['id']}").get_json()["state"] == "open"


def test_a_device_owned_before_the_code_was_made_does_not_count_as_arriving(
        worker, api_client, control, photon, services, wifi_setup, clock):
    device_id = control.create_device("photon", photon["id"], online=True)["id"]
    user = services.accounts.user_for_phone(PHONE, create=False)
    username = services.particle.ensure_customer("sandbox-photon", user.id)
    services.particle.claim_device("sandbox-photon", username, device_id)  # theirs, not by bff's setup
    code = api_client.post("/api/v1/claim-codes", {}).get_json()

    control.power(device_id, False)
    control.power(device_id, True)
    wifi_setup.device_online("sandbox-photon", device_id)
    clock.advance(60)
    wifi_setup.check_open_codes()

    assert api_client.get(code["status_url"]).get_json()["state"] == "open"


def test_a_code_that_runs_out_unused_says_so_and_texts_only_sms_askers(wifi_setup, services, clock, api_client):
    by_api = api_client.post("/api/v1/claim-codes", {}).get_json()
    user = services.accounts.user_for_phone(PHONE, create=False)
    by_sms = wifi_setup.create_claim_code(user.id, None, channel="sms")

    clock.advance(3600 + EXPIRY_GRACE_SECONDS + 1)
    assert wifi_setup.check_open_codes() == 2

    for code_id in (by_api["id"], by_sms.id):
        status = wifi_setup.status(code_id, user.id)
        assert status.state == "expired" and status.diagnosis.code == "code_expired"
    texts = [m for m in services.sms.outbox(to=PHONE) if m["purpose"] == "setup_expired"]
    assert len(texts) == 1 and "Text CODE for a new code" in texts[0]["body"]


def test_a_setup_token_works_for_the_customer_and_its_setup_is_followed(
        worker, api_client, new_photon, listen, wifi, sandbox, photon):
    issued = api_client.post("/api/v1/setup-token", {})
    assert issued.status_code == 201
    body = issued.get_json()
    assert 0 < body["expires_in"] <= 900 and body["product"]["id"] == photon["id"]
    assert photon["client_secret"] not in issued.get_data(as_text=True)

    # What Particle's setup library does with it: mint its own claim code, hand it over SoftAP.
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    minted = requests.post(f"{sandbox.base_url}/v1/products/{photon['id']}/device_claims", headers=headers,
                           timeout=10)
    assert minted.status_code == 200, minted.text
    device_id = new_photon()
    listen(device_id).run(minted.json()["claim_code"], wifi["ssid"], wifi["password"])

    assert wait_until(lambda: api_client.get(body["status_url"]).get_json()["state"] == "arrived", timeout=5)
    assert api_client.get(body["status_url"]).get_json()["device_id"] == device_id


def test_the_workers_tick_runs_the_periodic_check(services, wifi_setup, api_client, new_photon, listen, wifi, control,
                                                   clock):
    idle = Worker(services)  # not started: no event streams, only what one tick does
    code = api_client.post("/api/v1/claim-codes", {}).get_json()
    device_id = new_photon()
    listen(device_id).run(code["claim_code"], wifi["ssid"], wifi["password"])
    assert wait_until(lambda: control.device(device_id)["owner"])
    clock.advance(60)

    idle.tick()

    assert api_client.get(code["status_url"]).get_json()["state"] == "arrived"


@pytest.mark.parametrize("rescheduling_fails", [False, True])
def test_one_code_whose_check_raises_does_not_stop_the_others(wifi_setup, services, clock, monkeypatch, caplog,
                                                              rescheduling_fails):
    phones = [PHONE, OTHER_PHONE, OPERATOR_PHONE]
    users = [services.accounts.user_for_phone(phone) for phone in phones]
    codes = [wifi_setup.create_claim_code(user.id, None, channel="sms") for user in users]
    broken = codes[1]  # checked second: the third must still be looked at
    store = services.store
    shadow_customer, schedule = store.shadow_customer, store.schedule_claim_code_check

    def shadow_customer_breaks(user_id, product_key):
        if user_id == users[1].id:
            raise RuntimeError("injected failure")
        return shadow_customer(user_id, product_key)

    def scheduling_breaks(code_id, at):
        if code_id == broken.id:
            raise RuntimeError("injected failure")
        return schedule(code_id, at)

    monkeypatch.setattr(store, "shadow_customer", shadow_customer_breaks)
    if rescheduling_fails:
        monkeypatch.setattr(store, "schedule_claim_code_check", scheduling_breaks)
    clock.advance(3600 + EXPIRY_GRACE_SECONDS + 1)

    assert wifi_setup.check_open_codes() == 3

    states = [wifi_setup.status(code.id, user.id).state for code, user in zip(codes, users)]
    assert states == ["expired", "open", "expired"]
    texted = [phone for phone in phones
              if any(m["purpose"] == "setup_expired" for m in services.sms.outbox(to=phone))]
    assert texted == [PHONE, OPERATOR_PHONE]
    logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR" and r.exc_info]
    assert f"claim code {broken.id}: check failed" in logged
    assert (f"claim code {broken.id}: the next check could not be scheduled" in logged) == rescheduling_fails

    monkeypatch.undo()  # the trouble is over: the next round closes it too
    assert wifi_setup.check_open_codes() == 1
    assert wifi_setup.status(broken.id, users[1].id).state == "expired"
