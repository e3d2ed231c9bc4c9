"""Digits of other scripts (Arabic-Indic, full-width, Devanagari) in every phone input of every
channel: read as the digits they are, or refused; never a phantom person stored with them."""
from __future__ import annotations

import pytest

from tests.sms.sms_support import TwilioPhone
from tests.support.fake_twilio import SMS_APP_SETTINGS
from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import csrf_token

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS)

ARABIC = "+1\u0662\u0660\u0661\u0665\u0665\u0665\u0662\u0661\u0661\u0662"  # +1 201 555 2112
FULL_WIDTH = "+1\uff12\uff10\uff11\uff15\uff15\uff15\uff12\uff11\uff11\uff12"
DEVANAGARI = "+1\u0968\u0966\u0967\u096b\u096b\u096b\u0968\u0967\u0967\u0968"
ALL_DIGITS = [ARABIC, FULL_WIDTH, DEVANAGARI]
OPERATOR_PHONE = "+12015550199"


def stored_phones(store) -> list[str]:
    return [row["phone"] for row in store.db.query("SELECT phone FROM users WHERE phone IS NOT NULL")]


def assert_no_phantom(store) -> None:
    for phone in stored_phones(store):
        assert phone.isascii() and phone[1:].isdigit(), f"phantom person {phone!r}"


@pytest.fixture
def twilio_phone(app, client):
    from bff.sms.webhook import webhook_auth_token
    return TwilioPhone(client, webhook_auth_token(app))


@pytest.mark.parametrize("typed", ALL_DIGITS)
def test_web_sign_in(client, store, typed):
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_token(page), "phone": typed})
    assert_no_phantom(store)


@pytest.mark.parametrize("typed", ALL_DIGITS)
def test_api_sign_in(client, store, typed):
    client.post("/api/v1/sign-in/code", json={"phone": typed})
    assert_no_phantom(store)


@pytest.mark.parametrize("typed", ALL_DIGITS)
def test_sms_claim_for_and_give(twilio_phone, services, store, online_device, typed):
    services.store.create_operator_user("crew", "not-a-real-hash", phone=OPERATOR_PHONE)
    code = services.devices.find(online_device).label_code
    twilio_phone.text(f"CLAIM {code} FOR {typed}", phone=OPERATOR_PHONE)
    twilio_phone.text(f"GIVE {code} {typed}", phone="+12015552112")
    twilio_phone.text(f"SHARE {code} {typed}", phone="+12015552112")
    assert_no_phantom(store)


@pytest.mark.parametrize("typed", ALL_DIGITS)
def test_api_give_and_share(api_client, services, store, online_device, tag, typed):
    api_client.post("/api/v1/claims", {"device_id": online_device, "tag": tag(online_device)})
    api_client.post(f"/api/v1/devices/{online_device}/give", {"phone": typed}, check=False)
    api_client.post(f"/api/v1/devices/{online_device}/share", {"phone": typed}, check=False)
    assert_no_phantom(store)


@pytest.mark.parametrize("typed", ALL_DIGITS)
def test_field_mode_and_the_doctor(app, services, store, online_device, typed):
    make_operator(services, "boss", "admin")
    browser = app.test_client()
    ops_sign_in(browser, services, "boss")
    page = browser.get("/ops/field?change=1")
    chosen = browser.post("/ops/field/for", data={"csrf_token": csrf_token(page), "for": "customer", "phone": typed})
    assert chosen.status_code == 303  # read as a good number
    page = browser.get(f"/ops/devices/{online_device}")
    browser.post(f"/ops/devices/{online_device}/give",
                 data={"csrf_token": csrf_token(page), "phone": typed, "confirmed": "yes"})
    assert_no_phantom(store)
    assert "+12015552112" in stored_phones(store)  # read as the digits they are


@pytest.mark.parametrize("typed", ALL_DIGITS)
def test_change_of_number(api_client, store, typed):
    api_client.post("/api/v1/me/number", {"phone": typed}, check=False)
    assert_no_phantom(store)
