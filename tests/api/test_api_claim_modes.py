"""The JSON API in both ownership modes (README "Ownership modes"): claims by QR tag and by box code;
in product mode, Wi-Fi setup codes and setup tokens are refused with a clear error code, and so is a
claim the cloud refuses the product's API user (a missing scope)."""
from __future__ import annotations

import pytest

from bff import labels
from bff.config import PRODUCT_MODE, ProductCredentials

from tests.support import LABEL_KEY


def test_a_claim_by_qr_tag_and_by_box_code(api_client, services, person, online_device, offline_device, owners,
                                           ownership_mode):
    tag = labels.qr_tag(LABEL_KEY, online_device)
    by_tag = api_client.post("/api/v1/claims", {"device_id": online_device, "tag": tag}).get_json()
    code = services.devices.find(offline_device).label_code
    by_code = api_client.post("/api/v1/claims", {"device_id": offline_device, "label_code": code}).get_json()

    assert by_tag["state"] == "claimed"
    assert by_code["state"] == ("claimed" if ownership_mode == PRODUCT_MODE else "waiting_for_device")
    owners.check(services.store, online_device, person.id)
    if ownership_mode == PRODUCT_MODE:
        owners.check(services.store, offline_device, person.id)
    listed = {d["device_id"] for d in api_client.get("/api/v1/devices").get_json()["devices"]}
    assert online_device in listed


@pytest.mark.app_settings(OWNERSHIP_MODE=PRODUCT_MODE)
def test_setup_codes_and_tokens_say_they_need_customers_mode(api_client, photon):
    for path in ("/api/v1/claim-codes", "/api/v1/setup-token"):
        for body in ({}, {"product": photon["slug"]}):
            refused = api_client.post(path, body)
            error = refused.get_json()["error"]
            assert (refused.status_code, error["code"]) == (409, "needs_customers_mode")
            assert "needs no setup code" in error["message"]
            assert "QR code on its box" in error["next_step"]


@pytest.mark.app_settings(OWNERSHIP_MODE=PRODUCT_MODE)
def test_a_claim_refused_to_the_api_user_has_its_own_code_and_no_cloud_words(api_client, services, control,
                                                                             online_device, electron):
    limited = control.create_api_user(electron["slug"], ["devices:list", "products:get", "events:get"])
    services.particle.products[electron["slug"]] = ProductCredentials(electron["slug"], mode=PRODUCT_MODE,
                                                                      api_token=limited["token"])
    tag = labels.qr_tag(LABEL_KEY, online_device)

    refused = api_client.post("/api/v1/claims", {"device_id": online_device, "tag": tag})

    error = refused.get_json()["error"]
    assert (refused.status_code, error["code"]) == (502, "cloud_permission_missing")
    assert "setting on our side" in error["message"] and "contact the seller" in error["next_step"]
    assert "scope" not in refused.get_data(as_text=True)  # the operators' words stay with operators
