"""API users: created through Particle's team routes or the control API, limited to a product or
an org and to scopes, refused beyond them with Particle's answers (docs/particle.md#api-users);
product devices left unclaimed and still listed, renamed and followed with an API user's token;
API users kept across restarts (state file and journal)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from bff.sandbox import SandboxCloud
from bff.sandbox.api_users import SCOPES
from bff.sandbox.demo import DEMO_API_USER_SCOPES

from .sandbox_client import SandboxApi

NOT_ALLOWED = {"error": "unauthorized",
               "error_description": "API users are not allowed to call this endpoint"}
OTHER_PRODUCT = {"error": "unauthorized",
                 "error_description": "This API user has no access to that product"}


def scope_refusal(scope: str) -> dict:
    return {"error": "unauthorized",
            "error_description": f"This API user's scopes do not allow this action (it needs {scope})"}


def new_api_user(api: SandboxApi, scopes, owner: dict | None = None, name: str = "test user") -> dict:
    """An API user made through the control API (default: of the Electron product 9901)."""
    response = api.post("/sandbox/api-users", json={**(owner or {"product": 9901}),
                                                    "scopes": list(scopes), "friendly_name": name})
    assert response.status_code == 201, response.text
    return response.json()


def call(api: SandboxApi, method: str, path: str, token: str, **kwargs) -> requests.Response:
    """A call whose answer may be an event stream (read only the status, then closed)."""
    response = api.call(method, path, token, stream=True, **kwargs)
    if response.headers.get("Content-Type", "").startswith("text/event-stream"):
        response.close()
    return response


def device_of(api: SandboxApi, product_id: int) -> str:
    return next(d["id"] for d in api.state()["devices"] if d["product_id"] == product_id)


# -- demo data -----------------------------------------------------------------------------
def test_demo_info_gives_each_product_an_api_user_token_with_the_least_scopes(api, sandbox):
    info = sandbox.demo_info()
    assert api.get("/sandbox/demo").json() == info
    for product in info["products"]:
        assert {"id", "slug", "client_id", "client_secret"} <= set(product)
        assert product["api_user_scopes"] == list(DEMO_API_USER_SCOPES)
        assert len(product["api_user_token"]) == 40
        assert product["api_user_username"].endswith("@api.particle.io")
        listed = api.get(f"/v1/products/{product['id']}/devices", product["api_user_token"])
        assert listed.status_code == 200, listed.text
        other = 9901 if product["id"] != 9901 else 9902
        assert api.get(f"/v1/products/{other}/devices", product["api_user_token"]).json() == OTHER_PRODUCT
    assert info["orgs"] == [{"id": info["orgs"][0]["id"], "slug": "sandbox-org",
                             "name": "Sandbox Demo Org", "products": [9901, 9902, 9903, 9904]}]
    sandbox.reset()
    assert sandbox.demo_info() == info  # the demo API users keep their tokens across resets


# -- creating, listing, updating, deleting -------------------------------------------------
def test_a_team_member_creates_an_api_user_as_particle_documents(api):
    user_token = api.user_token()
    created = api.post("/v1/products/sandbox-electron/team", user_token,
                       json={"friendly_name": "Product API user", "scopes": ["devices:list"]})
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["ok"] is True and set(body["created"]) == {"username", "is_programmatic", "tokens"}
    username, token = body["created"]["username"], body["created"]["tokens"][0]["token"]
    assert username.startswith("product-api-user+") and username.endswith("@api.particle.io")
    assert len(username.split("+")[1].split("@")[0]) == 10 and body["created"]["is_programmatic"]
    assert api.get("/v1/products/9901/devices", token).status_code == 200
    team = api.get("/v1/products/9901/team", user_token).json()
    assert team["ok"] is True
    assert {"username": username, "is_programmatic": True} in team["team"]
    assert {"username": api.info["developer"]["username"],
            "role": {"id": "000000000000000000000002", "name": "Administrator"}} in team["team"]
    current = api.get("/v1/access_tokens/current", token).json()
    assert current["scopes"] == ["devices:list"] and current["expires_at"] is None


def test_only_a_team_members_user_token_creates_api_users(api):
    body = {"friendly_name": "x", "scopes": ["devices:list"]}
    assert api.post("/v1/products/9901/team", api.product_token(), json=body).status_code == 403
    assert api.post("/v1/products/9901/team", api.new_customer()[1], json=body).status_code == 403
    refused = api.post("/v1/products/9901/team", api.info["products"][0]["api_user_token"], json=body)
    assert (refused.status_code, refused.json()) == (400, NOT_ALLOWED)
    user_token = api.user_token()
    unknown = api.post("/v1/products/9901/team", user_token, json={"friendly_name": "x", "scopes": ["foo:bar"]})
    assert unknown.status_code == 400 and "foo:bar" in unknown.json()["info"]
    assert api.post("/v1/products/9901/team", user_token, json={"scopes": ["devices:list"]}).status_code == 400
    form = api.post("/v1/products/9901/team", user_token,
                    data={"friendly_name": "form user", "scopes": ["devices:list", "events:get"]})
    assert form.status_code == 200, form.text


def test_new_scopes_give_a_new_token_and_deleting_removes_user_and_token(api):
    user_token = api.user_token()
    created = api.post("/v1/products/9901/team", user_token,
                       json={"friendly_name": "rotating", "scopes": ["devices:list"]}).json()["created"]
    username, old = created["username"], created["tokens"][0]["token"]
    same = api.put(f"/v1/products/9901/team/{username}", user_token, json={"friendly_name": "renamed"})
    assert same.json()["updated"]["tokens"] == [{"token": old}]
    updated = api.put(f"/v1/products/9901/team/{username}", user_token,
                      json={"scopes": ["devices:list", "devices:get"]})
    new = updated.json()["updated"]["tokens"][0]["token"]
    assert new != old and api.get("/v1/products/9901/devices", old).status_code == 401
    assert api.get(f"/v1/products/9901/devices/{device_of(api, 9901)}", new).status_code == 200
    assert api.delete(f"/v1/products/9901/team/{username}", user_token).json() == {"ok": True}
    assert api.get("/v1/products/9901/devices", new).status_code == 401
    team = api.get("/v1/products/9901/team", user_token).json()["team"]
    assert all(member["username"] != username for member in team)
    assert api.delete(f"/v1/products/9902/team/{username}", user_token).status_code == 404


def test_control_route_creates_lists_and_deletes_api_users(api):
    made = new_api_user(api, ["devices:list", "events:get"], {"product": "sandbox-boron"})
    assert set(made) == {"username", "token", "scopes", "friendly_name", "product_id", "org_id",
                         "products", "created_at"}
    assert (made["product_id"], made["org_id"], made["products"]) == (9903, None, [9903])
    assert made["scopes"] == ["devices:list", "events:get"]
    assert made in api.get("/sandbox/api-users").json()
    assert len(api.get("/sandbox/api-users").json()) == 5  # with the four demo API users
    assert api.post("/sandbox/api-users", json={"scopes": ["devices:list"]}).status_code == 400
    both = {"product": 9901, "org": "sandbox-org", "scopes": ["devices:list"]}
    assert api.post("/sandbox/api-users", json=both).status_code == 400
    assert api.post("/sandbox/api-users", json={"product": 9901, "scopes": []}).status_code == 400
    assert api.delete(f"/sandbox/api-users/{made['username']}").json() == {"ok": True}
    assert api.get("/v1/products/9903/devices", made["token"]).status_code == 401
    assert api.delete(f"/sandbox/api-users/{made['username']}").status_code == 404


def test_an_api_user_token_never_expires(api):
    token = api.info["products"][0]["api_user_token"]
    api.advance(5 * 365 * 24 * 3600)
    assert api.get("/v1/products/9901/devices", token).status_code == 200


# -- scopes --------------------------------------------------------------------------------
ENDPOINTS = [  # (method, path, scope, request options); {device}, {loose}, {customer} filled in
    ("GET", "/v1/products", "products:list", {}),
    ("GET", "/v1/products/9901", "products:get", {}),
    ("GET", "/v1/products/9901/devices", "devices:list", {}),
    ("GET", "/v1/products/9901/devices/{device}", "devices:get", {}),
    ("PUT", "/v1/products/9901/devices/{device}", "devices:update", {"json": {"name": "renamed"}}),
    ("POST", "/v1/products/9901/devices", "devices:import", {"json": {"id": "{loose}"}}),
    ("DELETE", "/v1/products/9901/devices/{device}", "devices:remove", {}),
    ("DELETE", "/v1/products/9901/devices/{device}/owner", "devices:release", {}),
    ("GET", "/v1/products/9901/events", "events:get", {}),
    ("GET", "/v1/products/9901/events/spark%2Fstatus", "events:get", {}),
    ("GET", "/v1/products/9901/devices/{device}/events", "events:get", {}),
    ("POST", "/v1/products/9901/events", "events:send", {"json": {"name": "hello"}}),
    ("GET", "/v1/products/9901/customers", "customers:list", {}),
    ("PUT", "/v1/products/9901/customers/{customer}", "customers:update", {"json": {"password": "pw"}}),
    ("DELETE", "/v1/products/9901/customers/{customer}", "customers:remove", {}),
    ("GET", "/v1/products/9901/team", "teams.users:list", {}),
    ("PUT", "/v1/devices/{device}", "devices:update", {"json": {"notes": "noted"}}),
    ("PUT", "/v1/devices/{device}/ping", "devices:ping", {}),
    ("DELETE", "/v1/devices/{device}", "devices:release", {}),
]


def _fill(api: SandboxApi, path: str, options: dict) -> tuple[str, dict]:
    values = {"device": device_of(api, 9901), "loose": api.device(product=None)["id"],
              "customer": api.new_customer()[0]}
    text = json.dumps(options).replace("{loose}", values["loose"])
    return path.format(**values), json.loads(text)


@pytest.mark.parametrize("method,path,scope,options", ENDPOINTS,
                         ids=[f"{m} {p} {s}" for m, p, s, _ in ENDPOINTS])
def test_each_endpoint_needs_its_scope(api, method, path, scope, options):
    path, options = _fill(api, path, options)
    without = new_api_user(api, SCOPES - {scope})
    refused = call(api, method, path, without["token"], **options)
    assert (refused.status_code, refused.json()) == (400, scope_refusal(scope))
    only = new_api_user(api, [scope])
    allowed = call(api, method, path, only["token"], **options)
    assert allowed.status_code in (200, 204), allowed.text


@pytest.mark.parametrize("method,path,options", [
    ("GET", "/v1/devices", {}),
    ("GET", "/v1/devices/{device}", {}),
    ("POST", "/v1/devices", {"json": {"id": "{device}"}}),
    ("POST", "/v1/device_claims", {}),
    ("POST", "/v1/products/9901/device_claims", {}),
    ("GET", "/v1/serial_numbers/E310AAAAAAAAAAA", {}),
    ("GET", "/v1/devices/events", {}),
    ("GET", "/v1/events/spark", {}),
    ("GET", "/v1/devices/{device}/events", {}),
    ("POST", "/v1/devices/events", {"json": {"name": "hello"}}),
    ("POST", "/v1/products/9901/customers", {"json": {"email": "x@example.com", "no_password": True}}),
    ("POST", "/v1/products/9901/team", {"json": {"friendly_name": "x", "scopes": ["devices:list"]}}),
    ("POST", "/v1/orgs/sandbox-org/team", {"json": {"friendly_name": "x", "scopes": ["devices:list"]}}),
    ("DELETE", "/v1/access_tokens/current", {}),
    ("DELETE", "/v1/access_tokens", {}),
])
def test_endpoints_without_a_scope_refuse_every_api_user(api, method, path, options):
    path, options = _fill(api, path, options)
    everything = new_api_user(api, SCOPES)
    refused = call(api, method, path, everything["token"], **options)
    assert (refused.status_code, refused.json()) == (400, NOT_ALLOWED)


def test_an_api_user_never_reaches_another_product(api):
    token = new_api_user(api, SCOPES)["token"]
    photon = device_of(api, 9902)
    for method, path in [("GET", "/v1/products/9902"), ("GET", "/v1/products/sandbox-photon/devices"),
                         ("GET", f"/v1/products/9902/devices/{photon}"),
                         ("PUT", f"/v1/products/9902/devices/{photon}"),
                         ("GET", "/v1/products/9902/events"), ("GET", "/v1/products/9902/customers")]:
        refused = call(api, method, path, token, json={"name": "x"})
        assert (refused.status_code, refused.json()) == (400, OTHER_PRODUCT), path
    assert api.put(f"/v1/devices/{photon}", token, json={"notes": "x"}).status_code == 403  # foreign
    listed = api.get("/v1/products", token).json()["products"]
    assert [p["id"] for p in listed] == [9901]


def test_an_org_api_user_reaches_every_product_of_its_org_and_no_other(api):
    user_token = api.user_token()
    created = api.post("/v1/orgs/sandbox-org/team", user_token,
                       json={"friendly_name": "Org API user", "scopes": ["devices:list", "teams.users:list"]})
    assert created.status_code == 200, created.text
    username, token = created.json()["created"]["username"], created.json()["created"]["tokens"][0]["token"]
    for product in (9901, 9902, 9903, "sandbox-p2"):
        assert api.get(f"/v1/products/{product}/devices", token).status_code == 200
    team = api.get("/v1/orgs/sandbox-org/team", token).json()["team"]
    assert {"username": username, "is_programmatic": True} in team
    org_id = api.info["orgs"][0]["id"]
    assert api.get("/v1/access_tokens/current", token).json()["orgs"] == [org_id]
    assert api.get(f"/v1/orgs/{org_id}/team", api.product_token()).status_code == 403
    moved = api.post("/sandbox/orgs", json={"slug": "other-org", "products": [9903]})
    assert moved.status_code == 201 and moved.json()["products"] == [9903]
    assert api.get("/v1/products/9903/devices", token).json() == OTHER_PRODUCT
    assert api.get("/v1/products/9901/devices", token).status_code == 200
    product_user = new_api_user(api, ["teams.users:list"])
    assert api.get("/v1/orgs/sandbox-org/team", product_user["token"]).json()["error"] == "unauthorized"
    assert api.delete(f"/v1/orgs/sandbox-org/team/{username}", user_token).json() == {"ok": True}
    assert api.get("/v1/products/9901/devices", token).status_code == 401


# -- unclaimed product devices ------------------------------------------------------------
def test_unclaimed_product_devices_are_listed_renamed_imported_and_followed(api, streams):
    token = api.product("electron")["api_user_token"]
    devices = api.get("/v1/products/9901/devices", token, params={"perPage": 100}).json()["devices"]
    assert devices and all(d["owner"] is None for d in devices)
    target = devices[0]["id"]
    renamed = api.put(f"/v1/products/9901/devices/{target}", token, json={"name": "front_door"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "front_door"
    assert api.get(f"/v1/products/9901/devices/{target}", token).json()["name"] == "front_door"
    assert api.get(f"/v1/products/9901/devices/{target}", token).json()["owner"] is None
    loose = api.device(product=None, online=False)["id"]
    imported = api.post("/v1/products/9901/devices", token, json={"id": loose}).json()
    assert imported["updatedDeviceIds"] == [loose]
    stream = streams(api, "/v1/products/9901/events/spark%2Fstatus", token)
    api.power(loose, True)
    name, data = stream.next_event("spark/status")
    assert (data["data"], data["coreid"]) == ("online", loose)
    api.power(loose, False)
    assert stream.next_event("spark/status")[1]["data"] == "offline"
    assert api.state()["devices"][-1]["owner"] is None


# -- restarts ------------------------------------------------------------------------------
def test_api_users_and_orgs_survive_a_restart_through_the_journal_and_the_snapshot(tmp_path):
    state_file = str(tmp_path / "sandbox.json")
    first = SandboxCloud(state_file=state_file)
    first.start()
    try:
        client = SandboxApi(first.base_url, first.demo_info())
        made = new_api_user(client, ["devices:list"], {"product": 9902}, name="kept")
        org = client.post("/v1/orgs/sandbox-org/team", client.user_token(),
                          json={"friendly_name": "kept org", "scopes": ["devices:get"]}).json()["created"]
        journal = Path(state_file + ".journal").read_text()
        assert made["username"] in journal and org["username"] in journal
    finally:
        first.stop()
    for compact in (False, True):
        again = SandboxCloud(state_file=state_file)
        again.start()
        try:
            client = SandboxApi(again.base_url, again.demo_info())
            assert client.info["products"] == first.demo_info()["products"]
            assert client.get("/v1/products/9902/devices", made["token"]).status_code == 200
            assert client.get("/v1/products/9901/devices", made["token"]).json() == OTHER_PRODUCT
            photon = device_of(client, 9902)
            assert client.get(f"/v1/products/9902/devices/{photon}", org["tokens"][0]["token"]).status_code == 200
            listed = {u["username"]: u for u in client.get("/sandbox/api-users").json()}
            assert listed[made["username"]]["scopes"] == ["devices:list"]
            if not compact:
                again.store.compact()  # the next start reads them from the snapshot alone
        finally:
            again.stop()
    assert made["username"] in Path(state_file).read_text()


def test_a_state_saved_before_api_users_gets_the_demo_ones(tmp_path):
    state_file = str(tmp_path / "sandbox.json")
    first = SandboxCloud(state_file=state_file)
    first.start()
    expected = first.demo_info()["products"]
    with first.store.write() as state:  # as a state file of an earlier version
        state.orgs.clear()
        for user in list(state.api_users.values()):
            state.tokens.pop(user.token)
            del state.api_users[user.username]
    first.stop()
    again = SandboxCloud(state_file=state_file)
    again.start()
    try:
        assert again.demo_info()["products"] == expected
    finally:
        again.stop()
