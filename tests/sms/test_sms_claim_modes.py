"""SMS in both ownership modes (README "Ownership modes"): `CLAIM <code>`, an operator's
`CLAIM <code> FOR <phone>`, `NAME` (a rename through the product route), and in product mode a
`CODE` reply that says a setup code needs customers mode and what to do instead."""
from __future__ import annotations

import pytest

from bff import labels
from bff.config import PRODUCT_MODE
from bff.sms import texts

from tests.sms.sms_support import is_one_plain_segment
from tests.support import OPERATOR_PHONE, PHONE
from tests.support.fake_twilio import SMS_APP_SETTINGS

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS)


def person_id(services, phone: str) -> int:
    return services.store.user_by_phone(phone)["id"]


def test_claim_by_text(phone, services, control, online_device, offline_device, label_code, owners,
                       ownership_mode):
    reply = phone.text(f"CLAIM {labels.format_label_code(label_code(online_device))}")
    offline = phone.text(f"CLAIM {label_code(offline_device)}")

    assert reply.text == texts.CLAIMED.format(device=control.device(online_device)["name"])
    owners.check(services.store, online_device, person_id(services, PHONE))
    if ownership_mode == PRODUCT_MODE:  # nothing to wait for
        assert offline.text == texts.CLAIMED.format(device=control.device(offline_device)["name"])
        owners.check(services.store, offline_device, person_id(services, PHONE))
    else:
        assert offline.text != reply.text and is_one_plain_segment(offline.text)


def test_an_operator_claims_for_a_customer_by_text(phone, services, online_device, label_code, operator, owners):
    reply = phone.text(f"CLAIM {label_code(online_device)} FOR {PHONE}", phone=OPERATOR_PHONE)

    assert reply.text.startswith("Done:")
    owners.check(services.store, online_device, person_id(services, PHONE))


def test_a_rename_by_text_goes_through_the_product_route(phone, services, control, online_device, label_code,
                                                         owners):
    code = label_code(online_device)
    phone.text(f"CLAIM {code}")
    control.clear_requests()

    assert phone.text(f"NAME {code} pump house").text == texts.NAME_DONE.format(name="pump_house")

    assert control.device(online_device)["name"] == services.store.device(online_device)["name"] == "pump_house"
    assert [(r["method"], r["path"]) for r in control.requests()] == [
        ("PUT", f"/v1/products/sandbox-electron/devices/{online_device}")]


@pytest.mark.app_settings(**SMS_APP_SETTINGS, OWNERSHIP_MODE=PRODUCT_MODE)
@pytest.mark.parametrize("command", ["CODE", "CODE sandbox-photon"])
def test_code_says_setup_codes_need_customers_mode(phone, command, control):
    reply = phone.text(command)

    assert reply.text.startswith("Sandbox Photon")
    assert "needs no setup code from us" in reply.text and "text CLAIM and the 12-letter code" in reply.text
    assert is_one_plain_segment(reply.text)
    assert not control.requests("/v1/products/sandbox-photon/device_claims")
