"""The /sandbox/ control API: devices, Wi-Fi, options, clock, faults, request log, state, reset."""
import re

import pytest
import requests

from bff.sandbox.demo import DEVICES as DEMO_DEVICES

from .sandbox_client import wait_for


@pytest.mark.parametrize("platform,platform_id,cellular", [
    ("electron", 10, True), ("photon", 6, False), ("p1", 8, False), ("argon", 12, False),
    ("boron", 13, True)])
def test_create_devices_of_every_platform(api, platform, platform_id, cellular):
    device = api.device(platform, product=None, online=False)
    assert re.fullmatch(r"[0-9a-f]{24}", device["id"]) and device["platform_id"] == platform_id
    assert len(device["serial_number"]) == 15
    if cellular:
        assert re.fullmatch(r"89\d{17,18}", device["iccid"]) and re.fullmatch(r"\d{15}", device["imei"])
    else:
        assert device["iccid"] is None and device["mac_wifi"]


def test_create_device_errors(api):
    assert api.post("/sandbox/devices", json={"platform": "toaster"}).status_code == 400
    mismatch = api.post("/sandbox/devices", json={"platform": "photon", "product": "sandbox-electron"})
    assert mismatch.status_code == 400
    assert api.post("/sandbox/devices", json={"platform": "electron", "product": 1}).status_code == 404


def test_demo_data(api):
    state = api.state()
    products = {p["platform_id"]: p for p in state["products"]}
    assert set(products) == {6, 10, 13, 32} and all(":" not in p["client_id"] for p in products.values())
    electrons = [d for d in state["devices"] if d["product_id"] == 9901]
    photons = [d for d in state["devices"] if d["product_id"] == 9902]
    assert {d["online"] for d in electrons} == {True, False} and len(photons) >= 2
    assert all(d["owner"] is None for d in state["devices"])
    assert api.get("/sandbox/demo").json() == api.info
    assert api.info["wifi"][0]["security"] == 4194308


def test_reset_keeps_clients_and_forgets_everything_else(api, sandbox):
    api.new_customer()
    api.device()
    token = api.product_token()
    api.post("/sandbox/faults", json={"path": "/nowhere", "status": 500})
    before = sandbox.demo_info()
    assert api.post("/sandbox/reset").json()["ok"] is True
    assert sandbox.demo_info() == before
    state = api.state()
    assert state["customers"] == [] and len(state["devices"]) == len(DEMO_DEVICES) and state["tokens"] == {}
    assert api.get("/v1/products/9901", token).status_code == 401
    assert api.get("/sandbox/faults").json() == []


def test_power_gives_status_and_unknown_device_is_404(api):
    device = api.device(online=False)
    assert api.power(device["id"], True)["online"] is True
    assert api.device_state(device["id"])["last_handshake_at"]
    assert api.post(f"/sandbox/devices/{'0' * 24}/online").status_code == 404


def test_wifi_networks(api):
    assert api.post("/sandbox/wifi", json={"ssid": "Cafe", "password": "", "security": 0}).status_code == 201
    networks = api.post("/sandbox/wifi", json={"ssid": "Home", "password": "pw",
                                               "security": "wpa2_aes"}).json()
    assert {n["ssid"]: n["security"] for n in networks} == {"SandboxWiFi": 4194308, "Cafe": 0, "Home": 4194308}
    assert api.post("/sandbox/wifi", json={"password": "x"}).status_code == 400


def test_options_validation(api):
    assert api.get("/sandbox/options").json()["require_online_to_claim"] is True
    assert api.put("/sandbox/options", json={"nonsense": 1}).status_code == 400
    assert api.put("/sandbox/options", json={"sse_keepalive": 0}).status_code == 400
    assert api.options(require_online_to_claim=False)["require_online_to_claim"] is False


def test_clock_moves_forward_only(api):
    before = api.get("/sandbox/clock").json()
    after = api.post("/sandbox/clock", json={"advance": 86400}).json()
    assert after["offset"] == before["offset"] + 86400 and after["now"] > before["now"]
    assert api.post("/sandbox/clock", json={"advance": -1}).status_code == 400


def test_fault_status_on_a_path_and_method_a_number_of_times(api):
    token = api.user_token()
    fault = api.post("/sandbox/faults", json={"path": "/v1/devices", "method": "GET",
                                              "status": 503, "times": 2}).json()
    assert fault["id"] and fault["times"] == 2
    first = api.get("/v1/devices", token)
    assert first.status_code == 503 and first.json() == {"ok": False, "error": "Service Unavailable"}
    assert api.post("/v1/device_claims", token).status_code == 200  # other method untouched
    assert api.get("/v1/devices", token).status_code == 503
    assert api.get("/v1/devices", token).status_code == 200
    assert api.get("/sandbox/faults").json() == []


def test_fault_429_has_retry_after_and_json(api):
    api.post("/sandbox/faults", json={"path": "/oauth/token", "status": 429, "retry_after": 7})
    response = api.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.json()["error"] == "too_many_requests"


def test_fault_with_a_glob_and_a_custom_body(api):
    api.post("/sandbox/faults", json={"path": "/v1/products/*/customers", "status": 500,
                                      "body": {"error": "boom"}})
    product = api.product()
    response = api.post("/v1/products/9901/customers", auth=(product["client_id"], product["client_secret"]),
                        data={"email": "x", "no_password": "true"})
    assert response.status_code == 500 and response.json() == {"error": "boom"}
    assert api.delete("/sandbox/faults").json() == {"ok": True}
    assert api.new_customer()


def test_fault_latency(api):
    api.post("/sandbox/faults", json={"path": "/v1/devices", "latency": 0.2, "times": 1})
    api.get("/v1/devices", api.user_token())
    entry = [e for e in api.log() if e["path"] == "/v1/devices"][-1]
    assert entry["duration_ms"] >= 200 and entry["fault"]


def test_dropped_connection_before_handling(api):
    _, token = api.new_customer()
    device = api.device()
    api.post("/sandbox/faults", json={"path": "/v1/devices", "method": "POST", "drop": True, "times": 1})
    with pytest.raises(requests.ConnectionError):
        api.post("/v1/devices", token, json={"id": device["id"]})
    assert api.device_state(device["id"])["owner"] is None


def test_dropped_connection_after_handling_still_did_the_work(api):
    username, token = api.new_customer()
    device = api.device()
    api.post("/sandbox/faults", json={"path": "/v1/devices", "method": "POST", "drop": "after"})
    with pytest.raises(requests.ConnectionError):
        api.post("/v1/devices", token, json={"id": device["id"]})
    assert api.device_state(device["id"])["owner"] == username
    entry = [e for e in api.log() if e["path"] == "/v1/devices"][-1]
    assert entry["status"] == 200 and entry["dropped"] is True


def test_remove_one_fault_and_bad_faults(api):
    fault = api.post("/sandbox/faults", json={"status": 500}).json()
    assert api.delete(f"/sandbox/faults/{fault['id']}").json() == {"ok": True}
    assert api.delete(f"/sandbox/faults/{fault['id']}").status_code == 404
    assert api.post("/sandbox/faults", json={"path": "/x"}).status_code == 400
    assert api.post("/sandbox/faults", json={"status": 42}).status_code == 400


def test_request_log_shows_calls_without_secrets(api):
    username, token = api.new_customer()
    api.get("/v1/devices", params={"access_token": token, "x": "1"})
    api.post("/oauth/token", auth=("particle", "particle"),
             data={"grant_type": "password", **api.info["developer"]})
    log = api.log()
    assert all(not e["path"].startswith("/sandbox") for e in log)
    create, listing, login = log[-3:]
    assert create["credential"]["kind"] == "client" and create["params"]["no_password"] == "true"
    assert create["status"] == 201 and create["method"] == "POST"
    assert listing["credential"] == {"kind": "customer", "username": username, "product_id": 9901}
    assert listing["query"] == {"access_token": "[redacted]", "x": "1"}
    assert login["params"]["password"] == "[redacted]"
    text = str(log)
    assert token not in text and api.info["developer"]["password"] not in text
    assert api.product()["client_secret"] not in text
    assert api.get("/sandbox/requests", params={"since": login["id"]}).json() == []
    assert api.delete("/sandbox/requests").json() == {"ok": True} and api.log() == []


def test_state_shows_owners_online_and_claim_codes(api):
    username, token = api.new_customer()
    device = api.device()
    api.post("/v1/devices", token, json={"id": device["id"]})
    code = api.post("/v1/products/9901/device_claims", token).json()["claim_code"]
    state = api.state()
    shown = next(d for d in state["devices"] if d["id"] == device["id"])
    assert shown["owner"] == username and shown["online"] is True
    assert any(c["code"] == code and not c["expired"] for c in state["claim_codes"])
    assert state["tokens"]["customer"] == 1
    assert token not in str(state)


def test_recent_events(api):
    device = api.device(online=False)
    api.power(device["id"], True)
    wait_for(lambda: any(e["coreid"] == device["id"] for e in api.get("/sandbox/events").json()))


def test_a_product_holds_a_device_back_and_an_import_approves_it(api):
    device = api.device("electron")
    product, token = api.product("electron"), api.product_token("electron")
    path = f"/v1/products/{product['slug']}/devices"

    held = api.put(f"/sandbox/devices/{device['id']}", json={"quarantined": True})

    assert held.status_code == 200 and held.json()["quarantined"] is True and held.json()["denied"] is False
    seen = api.get(f"{path}/{device['id']}", token).json()
    assert (seen["quarantined"], seen["denied"]) == (True, False)
    listed = api.get(path, token, params={"quarantined": "true"}).json()["devices"]
    assert [d["id"] for d in listed] == [device["id"]]
    approved = api.post(path, token, json={"id": device["id"]}).json()
    assert approved["updatedDeviceIds"] == [device["id"]] and approved["existingDeviceIds"] == []
    assert api.get(f"{path}/{device['id']}", token).json()["quarantined"] is False
    assert api.post(path, token, json={"id": device["id"]}).json()["existingDeviceIds"] == [device["id"]]


def test_holding_a_device_back_needs_a_flag_and_a_product(api):
    loose = api.device("electron", product=None)
    assert api.put(f"/sandbox/devices/{loose['id']}", json={}).status_code == 400
    assert api.put(f"/sandbox/devices/{loose['id']}", json={"denied": True}).status_code == 409
    assert api.put("/sandbox/devices/" + "0" * 24, json={"denied": True}).status_code == 404
