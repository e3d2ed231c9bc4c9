"""Wi-Fi setup in product mode (README "Ownership modes"): a setup code is a claim code minted for a
cloud customer, so a product in product mode gets none; `/setup` says so plainly and what to do
instead (join Wi-Fi without a code, then claim by the box's QR code or label code)."""
from __future__ import annotations

import pytest

from bff.config import PRODUCT_MODE, ProductCredentials

from tests.support.pages import csrf_token, page_text

pytestmark = pytest.mark.app_settings(OWNERSHIP_MODE=PRODUCT_MODE)
WHAT_TO_DO = ("Join it to your Wi-Fi without a code (the setup app works without one). When it is online, scan "
              "the QR code on its box, or type the 12-letter code on its box on the start page.")


def test_the_setup_page_says_setup_codes_need_customers_mode_and_what_to_do(member, photon, control):
    page = member.get("/setup")

    assert page.status_code == 200
    text = page_text(page)
    assert f"{photon['name']} needs no setup code from us. {WHAT_TO_DO}" in text
    assert "Get my setup code" not in text and "We do not sell Wi-Fi devices" not in text
    asked = member.post("/setup/codes", data={"csrf_token": csrf_token(page), "product": photon["slug"]})
    assert asked.status_code == 409 and "needs no setup code from us" in page_text(asked)
    assert control.requests("/v1/products/sandbox-photon/device_claims") == []
    assert control.state()["customers"] == []


def test_a_customers_mode_wifi_product_beside_keeps_its_codes(member, services, photon):
    services.particle.products["widget-wifi"] = ProductCredentials("widget-wifi", "client", "secret")
    services.store.save_product_info("widget-wifi", id=4242, slug="widget-wifi", name="Widget WiFi", platform_id=8)

    text = page_text(member.get("/setup"))

    assert "Get my setup code" in text and "Widget WiFi" in text
    assert f"{photon['name']} needs no setup code from us." in text
