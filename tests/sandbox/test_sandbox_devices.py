"""User device routes: claim rules, get, rename, unclaim, serial numbers."""
DEVICE_FIELDS = {"id", "name", "owner", "last_ip_address", "last_heard", "last_handshake_at",
                 "product_id", "online", "connected", "platform_id", "cellular", "notes",
                 "functions", "variables", "status", "serial_number", "system_firmware_version"}


def test_claim_an_online_product_device_as_customer(api):
    username, token = api.new_customer()
    device = api.device()
    response = api.post("/v1/devices", token, json={"id": device["id"].upper(), "request_transfer": False})
    assert response.status_code == 200
    assert response.json() == {"ok": True, "deviceID": device["id"], "claimed": True}
    body = api.get(f"/v1/devices/{device['id']}", token).json()
    assert DEVICE_FIELDS <= set(body)
    assert body["owner"] == username and body["cellular"] is True
    assert body["iccid"].startswith("89") and len(body["imei"]) == 15
    assert body["product_id"] == 9901 and body["platform_id"] == 10 and body["online"] is True


def test_claim_with_a_form_body_and_claiming_twice_is_fine(api):
    _, token = api.new_customer()
    device = api.device()
    assert api.post("/v1/devices", token, data={"id": device["id"]}).status_code == 200
    assert api.post("/v1/devices", token, data={"id": device["id"]}).json()["claimed"] is True


def test_someone_elses_device(api):
    _, alice = api.new_customer()
    _, bob = api.new_customer()
    device = api.device()
    api.post("/v1/devices", alice, json={"id": device["id"]})
    response = api.post("/v1/devices", bob, json={"id": device["id"]})
    assert response.status_code == 403
    assert response.json() == {"errors": ["That belongs to someone else."]}
    transfer = api.post("/v1/devices", bob, json={"id": device["id"], "request_transfer": True})
    assert transfer.status_code == 200 and len(transfer.json()["transfer_id"]) == 24


def test_unknown_device_and_other_products_device_are_not_found(api):
    _, token = api.new_customer()
    for device_id in ("1234567890", "0" * 24, api.device("photon")["id"]):
        response = api.post("/v1/devices", token, json={"id": device_id})
        assert response.status_code == 404
        assert response.json() == {"ok": False, "errors": ["device not found"]}


def test_offline_product_device_is_refused_with_empty_body_by_default(api):
    _, token = api.new_customer()
    device = api.device(online=False)
    response = api.post("/v1/devices", token, json={"id": device["id"]})
    assert response.status_code == 400 and response.json() == {}
    api.options(offline_claim_body="errors")
    response = api.post("/v1/devices", token, json={"id": device["id"]})
    assert response.json() == {"ok": False, "errors": ["Device is offline"]}


def test_offline_product_device_can_be_claimed_when_the_option_is_off(api):
    _, token = api.new_customer()
    device = api.device(online=False)
    api.options(require_online_to_claim=False)
    assert api.post("/v1/devices", token, json={"id": device["id"]}).json()["claimed"] is True


def test_offline_developer_device_is_always_refused(api):
    user = api.user_token()
    api.options(require_online_to_claim=False)
    device = api.device(product=None, online=False)
    assert api.post("/v1/devices", user, json={"id": device["id"]}).status_code == 400
    api.power(device["id"], True)
    assert api.post("/v1/devices", user, json={"id": device["id"]}).json()["claimed"] is True
    assert [d["id"] for d in api.get("/v1/devices", user).json()] == [device["id"]]


def test_product_tokens_cannot_claim(api):
    device = api.device()
    response = api.post("/v1/devices", api.product_token(), json={"id": device["id"]})
    assert response.status_code == 403


def test_missing_id(api):
    _, token = api.new_customer()
    response = api.post("/v1/devices", token, json={})
    assert response.status_code == 400 and response.json()["ok"] is False


def test_rename_notes_and_nothing_to_do(api):
    _, token = api.new_customer()
    device = api.device()
    api.post("/v1/devices", token, json={"id": device["id"]})
    renamed = api.put(f"/v1/devices/{device['id']}", token, json={"name": "kitchen"}).json()
    assert renamed["id"] == device["id"] and renamed["name"] == "kitchen" and "updated_at" in renamed
    noted = api.put(f"/v1/devices/{device['id']}", token, data={"notes": "by the door"}).json()
    assert noted["notes"] == "by the door"
    assert api.get("/v1/devices/kitchen", token).json()["id"] == device["id"]
    nothing = api.put(f"/v1/devices/{device['id']}", token, json={"colour": "red"})
    assert nothing.status_code == 400 and nothing.json()["error"] == "Nothing to do?"


def test_rename_unknown_or_foreign_is_permission_denied(api):
    _, token = api.new_customer()
    device = api.device()
    for device_id in (device["id"], "f" * 24):
        response = api.put(f"/v1/devices/{device_id}", token, json={"name": "mine"})
        assert response.status_code == 403
        assert response.json()["error"] == "Permission Denied"


def test_unclaim_by_owner_and_by_product(api):
    _, token = api.new_customer()
    device = api.device()
    api.post("/v1/devices", token, json={"id": device["id"]})
    assert api.delete(f"/v1/devices/{device['id']}", token).json() == {"ok": True}
    assert api.device_state(device["id"])["owner"] is None
    api.post("/v1/devices", token, json={"id": device["id"]})
    assert api.delete(f"/v1/devices/{device['id']}", api.product_token()).json() == {"ok": True}
    assert api.get("/v1/devices", token).json() == []


def test_product_token_reads_product_devices_on_the_user_route(api):
    device = api.device()
    assert api.get(f"/v1/devices/{device['id']}", api.product_token()).status_code == 200
    assert api.get(f"/v1/devices/{device['id']}", api.product_token("photon")).status_code == 403


def test_serial_number_lookup(api):
    device = api.device()
    body = api.get(f"/v1/serial_numbers/{device['serial_number'].lower()}", api.user_token()).json()
    assert body["ok"] is True and body["deviceID"] == device["id"] == body["device_id"]
    assert body["iccid"] == device["iccid"] and body["platform_id"] == 10
    assert api.get("/v1/serial_numbers/NOPE", api.user_token()).status_code == 404
    _, customer = api.new_customer()
    assert api.get(f"/v1/serial_numbers/{device['serial_number']}", customer).status_code == 403


def test_serial_number_lookups_are_limited_to_fifty_an_hour(api):
    token = api.product_token()
    for _ in range(50):
        assert api.get("/v1/serial_numbers/NOPE", token).status_code == 404
    limited = api.get("/v1/serial_numbers/NOPE", token)
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    api.advance(3601)
    assert api.get("/v1/serial_numbers/NOPE", token).status_code == 404


def test_ping(api):
    _, token = api.new_customer()
    device = api.device()
    api.post("/v1/devices", token, json={"id": device["id"]})
    assert api.put(f"/v1/devices/{device['id']}/ping", token).json() == {"online": True, "ok": True}
