"""Product device routes: import result arrays, list filters/sorting/paging, get, update, remove."""
ARRAYS = ["updatedDeviceIds", "existingDeviceIds", "nonmemberDeviceIds", "invalidDeviceIds",
          "protectedDeviceIds"]


def test_import_one_id(api):
    device = api.device(product=None, online=False)
    response = api.post("/v1/products/9901/devices", api.product_token(), json={"id": device["id"].upper()})
    body = response.json()
    assert response.status_code == 200
    assert body == {"updated": 1, "updatedDeviceIds": [device["id"].upper()], "existingDeviceIds": [],
                    "nonmemberDeviceIds": [], "invalidDeviceIds": [], "protectedDeviceIds": []}
    assert api.device_state(device["id"])["product_id"] == 9901


def test_import_sorts_every_identifier_into_its_array(api):
    fresh = api.device(product=None, online=False)
    by_serial = api.device(product=None, online=False)
    by_iccid = api.device(product=None, online=False)
    by_imei = api.device(product=None, online=False)
    existing = api.device()
    photon = api.device("photon", product=None)
    team_owned = api.device("electron", product=None)
    api.post("/v1/devices", api.user_token(), json={"id": team_owned["id"]})  # a team member's
    ids = [fresh["id"], by_serial["serial_number"], by_iccid["iccid"], by_imei["imei"],
           team_owned["id"], existing["id"], photon["id"], "not-a-device"]
    body = api.post("/v1/products/sandbox-electron/devices", api.product_token(), json={"ids": ids}).json()
    assert body["updated"] == 5
    assert body["updatedDeviceIds"] == ids[:5]
    assert body["existingDeviceIds"] == [existing["id"]]
    assert body["invalidDeviceIds"] == [photon["id"], "not-a-device"]
    assert body["nonmemberDeviceIds"] == [] and body["protectedDeviceIds"] == []


def test_import_refuses_devices_of_other_products(api):
    photon_in_product = api.device("photon")
    electron = api.device()
    api.post("/v1/products/9902/devices", api.product_token("photon"), json={"id": electron["id"]})
    body = api.post("/v1/products/9902/devices", api.product_token("photon"),
                    json={"ids": [photon_in_product["id"]]}).json()
    assert body["existingDeviceIds"] == [photon_in_product["id"]]
    other_photon = api.device("photon", product=None)
    other = api.post("/v1/products/9901/devices", api.product_token(), json={"id": other_photon["id"]})
    assert other.json()["invalidDeviceIds"] == [other_photon["id"]]


def test_import_refuses_devices_owned_by_non_members(api, sandbox):
    from bff.sandbox.state import User

    device = api.device(product=None)
    with sandbox.store.write() as state:
        state.users["outsider@example.com"] = User("outsider@example.com", "pw", [])
        state.devices[device["id"]].owner_kind = "user"
        state.devices[device["id"]].owner = "outsider@example.com"
    body = api.post("/v1/products/9901/devices", api.product_token(), json={"id": device["id"]}).json()
    assert body["nonmemberDeviceIds"] == [device["id"]] and body["updated"] == 0


def test_import_a_file_of_identifiers(api):
    first = api.device(product=None, online=False)
    second = api.device(product=None, online=False)
    text = f"{first['id']}\n\n{second['serial_number']}\nunknown-thing\n"
    response = api.post("/v1/products/9901/devices", api.product_token(),
                        files={"file": ("devices.txt", text.encode(), "text/plain")})
    body = response.json()
    assert body["updatedDeviceIds"] == [first["id"], second["serial_number"]]
    assert body["invalidDeviceIds"] == ["unknown-thing"]
    assert set(body) == {"updated", *ARRAYS}


def test_import_with_claim_user(api):
    device = api.device(product=None, online=False)
    developer = api.info["developer"]["username"]
    api.post(f"/v1/products/9901/devices?claim_user={developer}", api.product_token(),
             json={"id": device["id"]})
    assert api.device_state(device["id"])["owner"] == developer


def test_import_nothing_is_a_400(api):
    assert api.post("/v1/products/9901/devices", api.product_token(), json={}).status_code == 400


def test_list_has_devices_customers_and_meta(api):
    username, token = api.new_customer()
    device = api.device()
    api.post("/v1/devices", token, json={"id": device["id"]})
    body = api.get("/v1/products/9901/devices", api.product_token()).json()
    assert set(body) == {"devices", "customers", "meta"}
    assert body["meta"]["total_pages"] == 1
    assert {"id": body["customers"][0]["id"], "username": username} == body["customers"][0]
    listed = next(d for d in body["devices"] if d["id"] == device["id"])
    assert listed["owner"] == username and listed["firmware_product_id"] == 9901
    assert {"groups", "development", "quarantined", "denied", "firmware_version"} <= set(listed)


def test_list_filters(api):
    device = api.device(name="porch_light")
    token = api.product_token()

    def ids(**query):
        return [d["id"] for d in api.get("/v1/products/9901/devices", token, params=query).json()["devices"]]

    assert ids(deviceId=device["id"][3:12].upper()) == [device["id"]]
    assert ids(deviceName="PORCH") == [device["id"]]
    assert ids(serialNumber=device["serial_number"][-6:]) == [device["id"]]
    assert ids(quarantined="true") == []
    assert ids(groups="nowhere") == []


def test_list_sorting_and_pagination(api):
    token = api.product_token()

    def page(**query):
        body = api.get("/v1/products/9901/devices", token, params=query).json()
        return [d["id"] for d in body["devices"]], body["meta"]["total_pages"]

    everything, pages = page(sortAttr="deviceId", sortDir="asc")
    assert everything == sorted(everything) and pages == 1 and len(everything) == 4
    assert page(sortAttr="deviceId", sortDir="desc")[0] == sorted(everything, reverse=True)
    first, pages = page(sortAttr="deviceId", perPage=3)
    assert first == everything[:3] and pages == 2
    second, _ = page(sortAttr="deviceId", per_page=3, page=2)
    assert second == everything[3:]
    newest = api.device()
    assert page()[0][0] == newest["id"]  # default: last connection, newest first
    assert api.get("/v1/products/9901/devices", token, params={"sortAttr": "colour"}).status_code == 400


def test_get_and_update_a_product_device(api):
    device = api.device()
    token = api.product_token()
    body = api.get(f"/v1/products/9901/devices/{device['id']}", token).json()
    assert body["id"] == device["id"] and body["serial_number"] == device["serial_number"]
    update = api.put(f"/v1/products/9901/devices/{device['id']}", token,
                     json={"name": "x1", "development": True, "desired_firmware_version": 3}).json()
    assert (update["name"], update["development"], update["desired_firmware_version"]) == ("x1", True, 3)
    assert api.get(f"/v1/products/9902/devices/{device['id']}", api.product_token("photon")).status_code == 404


def test_remove_from_product_is_204_and_unclaims_customer_devices(api):
    _, customer = api.new_customer()
    device = api.device()
    api.post("/v1/devices", customer, json={"id": device["id"]})
    response = api.delete(f"/v1/products/9901/devices/{device['id']}", api.product_token(),
                          json={"deny": False})
    assert response.status_code == 204 and response.content == b""
    state = api.device_state(device["id"])
    assert state["product_id"] is None and state["owner"] is None


def test_remove_owner_with_the_product_route(api):
    _, customer = api.new_customer()
    device = api.device()
    api.post("/v1/devices", customer, json={"id": device["id"]})
    response = api.delete(f"/v1/products/9901/devices/{device['id']}/owner", api.user_token())
    assert response.json() == {"ok": True}
    assert api.get("/v1/devices", customer).json() == []
    missing = api.delete(f"/v1/products/9901/devices/{'e' * 24}/owner", api.product_token())
    assert missing.status_code == 404 and missing.json()["ok"] is False
