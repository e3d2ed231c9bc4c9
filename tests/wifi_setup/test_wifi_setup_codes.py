"""Claim codes from the setup service, as the page, the API and the SMS `CODE` command ask for them."""
from __future__ import annotations

import hashlib

import pytest

from bff import errors
from bff.config import ProductCredentials
from bff.wifi_setup.service import CODES_PER_USER_PER_HOUR


@pytest.fixture
def second_wifi_product(services):
    """A second Wi-Fi (P1) product, known from the product cache (never asked of the cloud)."""
    services.particle.products["widget-wifi"] = ProductCredentials("widget-wifi", "client", "secret")
    services.store.save_product_info("widget-wifi", id=4242, slug="widget-wifi", name="Widget WiFi",
                                     platform_id=8)


def test_a_code_for_the_only_wifi_product_is_recorded_by_its_hash(wifi_setup, services, person, photon, control):
    issued = wifi_setup.create_claim_code(person.id, None, channel="sms")

    assert len(issued.code) == 63 and issued.product_key == "sandbox-photon"
    assert issued.product_name == photon["name"]
    assert 3500 < issued.expires_at - wifi_setup.clock() <= 3601
    row = services.store.claim_code_row(issued.id)
    assert row["code_hash"] == hashlib.sha256(issued.code.encode()).hexdigest()
    assert issued.code not in str(row) and row["state"] == "open" and row["channel"] == "sms"
    minted = {c["code"]: c for c in control.state()["claim_codes"]}[issued.code]
    assert minted["owner_kind"] == "customer" and minted["product_id"] == photon["id"]


@pytest.mark.parametrize("name", ["sandbox-photon", "SANDBOX PHOTON", "Sandbox_Photon", "9902"])
def test_a_product_is_picked_by_any_of_its_names(wifi_setup, second_wifi_product, name):
    assert wifi_setup.pick_product(name).key == "sandbox-photon"


def test_the_wifi_products_leave_out_cellular_ones(wifi_setup, second_wifi_product):
    assert [(p.key, p.platform) for p in wifi_setup.wifi_products()] == [
        ("sandbox-photon", "photon"), ("widget-wifi", "p1")]


def test_with_several_wifi_products_an_sms_asker_is_told_the_words_to_text(wifi_setup, second_wifi_product, person):
    with pytest.raises(errors.ChooseWifiProduct) as asked:
        wifi_setup.create_claim_code(person.id, None, channel="sms")

    assert asked.value.customer_text == "Please tell us which product. Text CODE sandbox-photon or CODE widget-wifi."
    assert asked.value.names == ["sandbox-photon", "widget-wifi"]


def test_an_unknown_product_name_lists_the_wifi_ones(wifi_setup, person):
    with pytest.raises(errors.ChooseWifiProduct) as asked:
        wifi_setup.create_claim_code(person.id, "toaster", channel="web")
    assert asked.value.customer_text == "We do not know that product. Choose sandbox-photon."


def test_a_cellular_product_is_named_as_such_with_how_to_add_it(wifi_setup, person):
    with pytest.raises(errors.NotAWifiProduct) as refused:
        wifi_setup.create_claim_code(person.id, "sandbox-electron", channel="web")
    assert refused.value.public_message == "Sandbox Electron Tracker is not a Wi-Fi product, so it needs no setup code."
    assert "code on its box" in refused.value.next_step


@pytest.mark.parametrize("channel,next_step", [
    ("web", "To add it, scan the QR code on its box, or type the 12-letter code on its box on the start page."),
    ("sms", "To add it, text CLAIM and the 12-letter code on its box.")])
def test_a_product_set_up_over_bluetooth_is_named_as_such_with_how_to_add_it(wifi_setup, person, channel, next_step):
    with pytest.raises(errors.NotAWifiProduct) as refused:
        wifi_setup.create_claim_code(person.id, "sandbox-p2", channel=channel)
    assert refused.value.public_message == "Sandbox P2 Plug joins Wi-Fi over Bluetooth, so it needs no setup code."
    assert refused.value.next_step == next_step


def test_no_wifi_product_at_all_says_so(wifi_setup, services, person):
    services.particle.products.pop("sandbox-photon")
    with pytest.raises(errors.NoWifiProduct):
        wifi_setup.create_claim_code(person.id, None, channel="sms")


def test_codes_are_rate_limited_per_person(wifi_setup, person, services):
    for _ in range(CODES_PER_USER_PER_HOUR):
        wifi_setup.create_claim_code(person.id, None, channel="web")
    with pytest.raises(errors.TooManyClaimCodes) as stopped:
        wifi_setup.create_claim_code(person.id, None, channel="web")
    assert "wait a few minutes" in stopped.value.customer_text
    other = services.accounts.user_for_phone("+12015550199").id
    assert wifi_setup.create_claim_code(other, None, channel="web").code  # others are not held up


def test_someone_elses_code_is_not_found(wifi_setup, person, services):
    issued = wifi_setup.create_claim_code(person.id, None, channel="web")
    other = services.accounts.user_for_phone("+12015550199").id
    with pytest.raises(errors.SetupCodeNotFound):
        wifi_setup.status(issued.id, other)
    with pytest.raises(errors.SetupCodeNotFound):
        wifi_setup.report_device(issued.id, other, "0123456789abcdef01234567")


def test_a_reported_device_id_must_be_one(wifi_setup, person):
    issued = wifi_setup.create_claim_code(person.id, None, channel="web")
    with pytest.raises(errors.InvalidDeviceId):
        wifi_setup.report_device(issued.id, person.id, "not a device")
    status = wifi_setup.report_device(issued.id, person.id, " 0123456789ABCDEF01234567 ")
    assert status.reported_device_id == "0123456789abcdef01234567"
