"""Claiming by serial number or ICCID (bff/claims/serials.py), against the sandbox cloud.

The rule: operators and field crews may claim by a serial number or ICCID alone; a customer only
with the box's label code (which decides the device; the serial must be the same device's).
Resolution: bff's records, then the kept look-ups (hits and misses), then the cloud's look-up,
which bff spends sparingly (its own budget below the cloud's 50 an hour)."""
from __future__ import annotations

import pytest

from bff import errors
from bff.claims import serials
from bff.claims.service import ClaimsService
from bff.sms import texts
from bff.sms.webhook import webhook_auth_token

from tests.sms.sms_support import TwilioPhone
from tests.support import LABEL_KEY, OPERATOR_PHONE, PHONE
from tests.support.fake_twilio import SMS_APP_SETTINGS

LOOKUP = "/v1/serial_numbers/"
UNKNOWN_SERIAL = "P0ZZZZZZZZZZZZZ"  # 15 characters, like Particle's, on no device


@pytest.fixture
def claims(store, particle, sms, audit, accounts, clock) -> ClaimsService:
    """The claims service with the rate counters (the look-up budget) in SQLite."""
    return ClaimsService(store, particle, sms, label_key=LABEL_KEY, audit=audit, clock=clock,
                         rate_limit=accounts.hit_rate_limit)


@pytest.fixture
def operator(accounts):
    return accounts.create_operator("crew", "correct horse battery", role="field")


def lookups(control) -> list[dict]:
    return [r for r in control.requests() if r["path"].startswith(LOOKUP)]


def sandbox_serial(control, device_id: str) -> str:
    return control.device(device_id)["serial_number"]


# -- operators: the serial number or ICCID alone ---------------------------------------------------


def test_an_operator_claims_by_a_serial_number_from_an_import(claims, store, control, operator, person,
                                                             online_device, electron):
    store.upsert_device(online_device, product_key=electron["slug"], serial_number="IMPORTED-SN-0042")
    control.clear_requests()
    claim, outcome = claims.request_claim_for(person.id, None, operator_id=operator.id, channel="sms",
                                              serial="imported sn 0042")
    assert (claim.device_id, outcome) == (online_device, "claimed")
    assert control.device(online_device)["owner"] == store.shadow_customer(person.id, electron["slug"])["username"]
    assert lookups(control) == []  # bff's own records first: no look-up spent


def test_an_operator_claims_by_iccid_from_the_cloud_read(claims, control, operator, person, online_device):
    claims.devices.find(online_device)  # bff reads the device once (as the worker's reconcile does)
    iccid = control.device(online_device)["iccid"]
    claim, outcome = claims.request_claim_for(person.id, None, operator_id=operator.id, channel="field", serial=iccid)
    assert (claim.device_id, outcome) == (online_device, "claimed")
    assert lookups(control) == []


def test_an_unknown_serial_is_looked_up_in_the_cloud_once_then_kept(claims, store, control, operator, person,
                                                                    online_device, electron):
    serial = sandbox_serial(control, online_device)
    assert store.device(online_device) is None
    claim, _ = claims.request_claim_for(person.id, None, operator_id=operator.id, channel="sms", serial=serial)
    assert claim.device_id == online_device
    assert len(lookups(control)) == 1
    assert store.device(online_device)["serial_number"] == serial

    store.upsert_device(online_device, serial_number=None)  # the records forget it: the kept hit answers
    control.clear_requests()
    assert claims.device_for_serial(serial.lower()).device_id == online_device
    assert lookups(control) == []


def test_misses_are_kept_for_a_while(claims, control, clock, particle):
    products = len(particle.product_keys())
    with pytest.raises(errors.SerialNotFound):
        claims.device_for_serial(UNKNOWN_SERIAL)
    assert len(lookups(control)) == products  # each product asked once
    with pytest.raises(errors.SerialNotFound):
        claims.device_for_serial(UNKNOWN_SERIAL)
    assert len(lookups(control)) == products  # the kept miss answers
    clock.advance(serials.MISS_SECONDS + 1)
    with pytest.raises(errors.SerialNotFound):
        claims.device_for_serial(UNKNOWN_SERIAL)
    assert len(lookups(control)) == 2 * products


def test_bff_keeps_within_its_look_up_budget(claims, control, particle, monkeypatch):
    products = len(particle.product_keys())
    monkeypatch.setattr(serials, "LOOKUPS_PER_HOUR", products)
    with pytest.raises(errors.SerialNotFound):
        claims.device_for_serial(UNKNOWN_SERIAL)
    with pytest.raises(errors.SerialLookupsUsedUp) as caught:
        claims.device_for_serial("P0YYYYYYYYYYYYY")
    assert len(lookups(control)) == products  # the one over the budget never reached the cloud
    assert "device ID or the box code" in caught.value.next_step


def test_the_clouds_429_is_the_same_plain_answer_and_not_kept(claims, control, store, particle):
    control.add_fault(status=429, retry_after=60, path=LOOKUP + "*", method="GET")
    with pytest.raises(errors.SerialLookupsUsedUp):
        claims.device_for_serial(UNKNOWN_SERIAL)
    assert all(store.serial_lookup(UNKNOWN_SERIAL, key) is None for key in particle.product_keys())


def test_an_iccid_is_never_looked_up_in_the_cloud(claims, control):
    with pytest.raises(errors.SerialNotFound):
        claims.device_for_serial("8901260000000000001")
    assert lookups(control) == []


# -- customers: only with the label code ------------------------------------------------------------


def test_a_customer_cannot_claim_by_serial_alone(claims, store, control, person, online_device, electron):
    serial = sandbox_serial(control, online_device)
    store.upsert_device(online_device, product_key=electron["slug"], serial_number=serial)
    with pytest.raises(errors.SerialNeedsLabelCode):
        claims.request_claim(person.id, None, channel="api", serial=serial)
    with pytest.raises(errors.SerialNeedsLabelCode):  # a QR tag does not stand in for the label code
        claims.request_claim(person.id, online_device, channel="api", serial=serial, tag="x")
    assert control.device(online_device)["owner"] is None


def test_a_customer_claims_with_the_label_code_and_a_matching_serial(claims, control, person, online_device):
    code = claims.devices.find(online_device).label_code
    control.clear_requests()
    claim = claims.request_claim(person.id, None, channel="api", label_code=code,
                                 serial=sandbox_serial(control, online_device))
    assert claim.device_id == online_device and claim.succeeded
    assert lookups(control) == []  # a customer's request never spends a look-up


def test_a_serial_of_another_device_is_refused(claims, control, person, online_device, offline_device):
    code = claims.devices.find(online_device).label_code
    with pytest.raises(errors.SerialNotOnThisDevice):
        claims.request_claim(person.id, None, channel="api", label_code=code,
                             serial=sandbox_serial(control, offline_device))
    assert control.device(online_device)["owner"] is None


# -- the channels ---------------------------------------------------------------------------------------


@pytest.mark.app_settings(**SMS_APP_SETTINGS)
def test_sms_claim_by_serial_operator_alone_customer_refused(app, client, services, control, online_device):
    services.store.create_operator_user("crew", "not-a-real-hash", phone=OPERATOR_PHONE)
    phone = TwilioPhone(client, webhook_auth_token(app))
    serial = sandbox_serial(control, online_device)

    refused = phone.text(f"CLAIM {serial}", phone=PHONE).text
    assert refused.endswith(texts.CLAIM_SERIAL_NEXT) and "alone is not enough" in refused
    assert lookups(control) == []

    done = phone.text(f"CLAIM {serial} FOR {PHONE}", phone=OPERATOR_PHONE).text
    assert done.startswith("Done"), done
    owner = services.store.shadow_customer(services.store.user_by_phone(PHONE)["id"],
                                           services.devices.find(online_device).product_key)["username"]
    assert control.device(online_device)["owner"] == owner


def test_api_claim_by_serial_needs_the_label_code(api_client, services, control, online_device):
    serial = sandbox_serial(control, online_device)
    alone = api_client.post("/api/v1/claims", json={"serial_number": serial})
    assert alone.status_code == 400 and alone.get_json()["error"]["code"] == "missing_field"
    no_code = api_client.post("/api/v1/claims", json={"serial_number": serial, "tag": "abc"})
    assert no_code.status_code == 400 and no_code.get_json()["error"]["code"] == "label_code_needed"
    code = services.devices.find(online_device).label_code
    wrong = api_client.post("/api/v1/claims", json={"iccid": "8901260000000000001", "label_code": code})
    assert wrong.status_code == 403
    done = api_client.post("/api/v1/claims", json={"serial_number": serial, "label_code": code})
    assert done.status_code == 200 and done.get_json()["device_id"] == online_device


def test_the_start_page_tells_a_customer_to_type_the_label_code(client, control, online_device):
    from tests.support.pages import csrf_token
    page = client.get("/")
    reply = client.post("/", data={"csrf_token": csrf_token(page), "code": sandbox_serial(control, online_device)})
    assert reply.status_code == 422
    assert "alone is not enough" in reply.get_data(as_text=True)
    assert lookups(control) == []
