"""Claim codes: shape, binding, expiry, single use; Electrons claimed by ICCID/IMEI at connect."""
import re

import pytest

CODE = re.compile(r"^[A-Za-z0-9+/]{63}$")


@pytest.mark.parametrize("body", [{}, {"json": {}}, {"data": {"blank": "okhttp_appeasement"}}])
def test_product_claim_code_shape_with_any_body(api, body):
    _, token = api.new_customer("photon")
    response = api.post("/v1/products/sandbox-photon/device_claims", token, **body)
    assert response.status_code == 200
    assert CODE.match(response.json()["claim_code"]) and response.json()["device_ids"] == []


def test_device_ids_lists_the_callers_devices(api):
    _, token = api.new_customer()
    device = api.device()
    api.post("/v1/devices", token, json={"id": device["id"]})
    body = api.post("/v1/device_claims", token).json()
    assert body["device_ids"] == [device["id"]] and CODE.match(body["claim_code"])


def test_codes_are_distinct_and_bound_to_owner_and_product(api):
    username, token = api.new_customer()
    first = api.post("/v1/products/9901/device_claims", token).json()["claim_code"]
    second = api.post("/v1/products/9901/device_claims", token).json()["claim_code"]
    assert first != second
    code = next(c for c in api.state()["claim_codes"] if c["code"] == first)
    assert (code["owner_kind"], code["owner"], code["product_id"]) == ("customer", username, 9901)


def test_product_route_needs_a_customer_of_that_product(api):
    _, electron_customer = api.new_customer("electron")
    assert api.post("/v1/products/9902/device_claims", electron_customer).status_code == 403
    assert api.post("/v1/products/9902/device_claims", api.product_token("photon")).status_code == 403
    assert api.post("/v1/device_claims", api.product_token()).status_code == 403
    assert api.post("/v1/products/9902/device_claims", api.user_token()).status_code == 200


def test_electron_is_claimed_by_iccid_when_it_connects(api):
    username, token = api.new_customer()
    device = api.device(online=False)
    body = api.post("/v1/products/9901/device_claims", token, json={"iccid": device["iccid"]}).json()
    assert body["claim_code"] == device["iccid"]
    assert api.device_state(device["id"])["owner"] is None
    api.power(device["id"], True)
    state = api.device_state(device["id"])
    assert state["owner"] == username and state["last_claim_ack"] == "spark/device/claim/ok"
    assert [d["id"] for d in api.get("/v1/devices", token).json()] == [device["id"]]


def test_electron_is_claimed_by_imei_with_a_form_body(api):
    username, token = api.new_customer()
    device = api.device(online=False)
    assert api.post("/v1/device_claims", token, data={"imei": device["imei"]}).json()["claim_code"] == device["imei"]
    api.power(device["id"], True)
    assert api.device_state(device["id"])["owner"] == username


def test_claim_codes_are_single_use(api):
    username, token = api.new_customer()
    device = api.device(online=False)
    api.post("/v1/products/9901/device_claims", token, json={"iccid": device["iccid"]})
    api.power(device["id"], True)
    assert api.delete(f"/v1/devices/{device['id']}", token).json() == {"ok": True}
    api.power(device["id"], False)
    api.power(device["id"], True)
    assert api.device_state(device["id"])["owner"] is None
    used = next(c for c in api.state()["claim_codes"] if c["code"] == device["iccid"])
    assert used["used_at"] and used["device_id"] == device["id"]


def test_claim_codes_expire_after_one_hour(api):
    _, token = api.new_customer()
    late = api.device(online=False)
    early = api.device(online=False)
    api.post("/v1/products/9901/device_claims", token, json={"iccid": late["iccid"]})
    api.post("/v1/products/9901/device_claims", token, json={"iccid": early["iccid"]})
    api.advance(3590)
    api.power(early["id"], True)
    api.advance(11)
    api.power(late["id"], True)
    assert api.device_state(early["id"])["owner"] is not None
    assert api.device_state(late["id"])["owner"] is None


def test_asking_again_for_an_iccid_gives_it_to_the_newest_creator(api):
    _, first = api.new_customer()
    second_name, second = api.new_customer()
    device = api.device(online=False)
    api.post("/v1/products/9901/device_claims", first, json={"iccid": device["iccid"]})
    api.post("/v1/products/9901/device_claims", second, json={"iccid": device["iccid"]})
    api.power(device["id"], True)
    assert api.device_state(device["id"])["owner"] == second_name


def test_a_customers_code_does_not_claim_another_products_device(api):
    _, token = api.new_customer("electron")
    device = api.device(product=None, online=False)
    api.post("/v1/device_claims", token, json={"iccid": device["iccid"]})
    api.power(device["id"], True)
    assert api.device_state(device["id"])["owner"] is None


def test_a_users_code_claims_a_developer_device(api):
    user = api.user_token()
    device = api.device(product=None, online=False)
    api.post("/v1/device_claims", user, json={"iccid": device["iccid"]})
    api.power(device["id"], True)
    assert api.device_state(device["id"])["owner"] == api.info["developer"]["username"]


def test_a_claim_code_claims_a_device_someone_else_owns(api):
    _, first = api.new_customer()
    second_name, second = api.new_customer()
    device = api.device()
    api.post("/v1/devices", first, json={"id": device["id"]})
    api.power(device["id"], False)
    api.post("/v1/products/9901/device_claims", second, json={"iccid": device["iccid"]})
    api.power(device["id"], True)
    assert api.device_state(device["id"])["owner"] == second_name
