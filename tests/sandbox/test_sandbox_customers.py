"""Product customers, product info and the scope rules of customer tokens."""
import pytest

from .sandbox_client import wait_for


def test_create_customer_with_basic_and_no_password(api):
    product = api.product()
    response = api.post(f"/v1/products/{product['slug']}/customers",
                        auth=(product["client_id"], product["client_secret"]),
                        data={"email": "Shadow-1", "no_password": "true"})
    body = response.json()
    assert response.status_code == 201
    assert set(body) == {"token_type", "access_token", "refresh_token", "expires_in"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 7776000
    assert api.get("/v1/devices", body["access_token"]).json() == []


def test_create_customer_the_particle_api_js_way(api):
    """Body client_id/client_secret, a password, grant_type; then a password login works."""
    product = api.product("photon")
    response = api.post(f"/v1/products/{product['id']}/customers",
                        data={"email": "jane@example.com", "password": "pw-123",
                              "grant_type": "client_credentials", "client_id": product["client_id"],
                              "client_secret": product["client_secret"]})
    assert response.status_code == 201
    login = api.post("/oauth/token", auth=(product["client_id"], product["client_secret"]),
                     data={"grant_type": "password", "username": "jane@example.com",
                           "password": "pw-123"})
    assert login.status_code == 200 and login.json()["scope"] == "customer=jane@example.com"


def test_create_customer_with_a_team_members_token(api):
    response = api.post("/v1/products/9901/customers", api.user_token(),
                        json={"email": "by-token", "password": "x"})
    assert response.status_code == 201


def test_create_customer_errors(api):
    product = api.product()
    auth = (product["client_id"], product["client_secret"])
    path = f"/v1/products/{product['id']}/customers"
    assert api.post(path, auth=auth, data={"no_password": "true"}).json()["error"] == "invalid_request"
    assert api.post(path, auth=auth, data={"email": "x"}).status_code == 400
    wrong = api.post(path, auth=(product["client_id"], "nope"), data={"email": "x", "no_password": "1"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_client"
    other = api.product("photon")
    foreign = api.post(path, auth=(other["client_id"], other["client_secret"]),
                       data={"email": "x", "no_password": "1"})
    assert foreign.json()["error"] == "invalid_client"
    assert api.post("/v1/products/nope/customers", auth=auth,
                    data={"email": "x", "no_password": "1"}).status_code == 404


def test_duplicate_customer_is_a_400_customer_exists(api):
    username, _ = api.new_customer()
    product = api.product()
    again = api.post(f"/v1/products/{product['id']}/customers",
                     auth=(product["client_id"], product["client_secret"]),
                     data={"email": username.upper(), "no_password": "true"})
    assert again.status_code == 400 and again.json()["error"] == "customer_exists"
    assert api.new_customer("photon", username)  # unique per product only


def test_list_customers_with_devices_and_paging(api):
    names = [api.new_customer()[0] for _ in range(3)]
    device = api.device()
    token = api.post("/oauth/token", auth=(api.product()["client_id"], api.product()["client_secret"]),
                     data={"grant_type": "client_credentials",
                           "scope": f"customer={names[0]}"}).json()["access_token"]
    assert api.post("/v1/devices", token, json={"id": device["id"]}).status_code == 200
    product_token = api.product_token()
    body = api.get("/v1/products/9901/customers", product_token).json()
    assert [c["username"] for c in body["customers"]] == names
    assert body["customers"][0]["devices"] == [device["id"]]
    assert body["devices"][0]["id"] == device["id"] and body["devices"][0]["online"] is True
    assert body["meta"] == {"total_pages": 1}
    paged = api.get("/v1/products/9901/customers", product_token, params={"perPage": 2, "page": 2})
    assert [c["username"] for c in paged.json()["customers"]] == names[2:]
    assert paged.json()["meta"]["total_pages"] == 2


def test_delete_customer_revokes_tokens_codes_and_unclaims(api):
    username, token = api.new_customer()
    device = api.device()
    api.post("/v1/devices", token, json={"id": device["id"]})
    code = api.post("/v1/products/9901/device_claims", token).json()["claim_code"]
    response = api.delete(f"/v1/products/9901/customers/{username}", api.product_token())
    assert response.json() == {"ok": True}
    assert api.get("/v1/devices", token).status_code == 401
    assert api.device_state(device["id"])["owner"] is None
    assert code not in {c["code"] for c in api.state()["claim_codes"]}
    assert api.delete(f"/v1/products/9901/customers/{username}", api.product_token()).status_code == 404


def test_set_customer_password(api):
    username, _ = api.new_customer()
    assert api.put(f"/v1/products/9901/customers/{username}", api.product_token(),
                   data={"password": "new-pw"}).json() == {"ok": True}
    product = api.product()
    login = api.post("/oauth/token", auth=(product["client_id"], product["client_secret"]),
                     data={"grant_type": "password", "username": username, "password": "new-pw"})
    assert login.status_code == 200


def test_get_product_for_product_token_and_team_member(api):
    body = api.get("/v1/products/sandbox-electron", api.product_token()).json()["product"]
    assert {k: body[k] for k in ("id", "platform_id", "slug")} == {
        "id": 9901, "platform_id": 10, "slug": "sandbox-electron"}
    assert api.get("/v1/products/9902", api.user_token()).json()["product"]["platform_id"] == 6


@pytest.mark.parametrize("method,path", [
    ("GET", "/v1/products/9901"), ("GET", "/v1/products/9901/devices"),
    ("GET", "/v1/products/9901/customers"), ("POST", "/v1/products/9901/devices"),
    ("GET", "/v1/products/9901/events"), ("DELETE", "/v1/products/9901/devices/" + "a" * 24),
])
def test_customer_tokens_are_refused_on_product_routes(api, method, path):
    _, token = api.new_customer()
    response = api.call(method, path, token)
    assert response.status_code == 403
    assert response.json()["ok"] is False and response.json()["error"] == "Permission Denied"


def test_a_product_token_cannot_use_another_product(api):
    response = api.get("/v1/products/9902/devices", api.product_token("electron"))
    assert response.status_code == 403
    assert api.get("/v1/products/424242", api.product_token()).status_code == 404


def test_customers_only_see_their_own_devices(api):
    _, alice = api.new_customer()
    _, bob = api.new_customer()
    device = api.device()
    api.post("/v1/devices", alice, json={"id": device["id"]})
    assert [d["id"] for d in api.get("/v1/devices", alice).json()] == [device["id"]]
    assert api.get("/v1/devices", bob).json() == []
    denied = api.get(f"/v1/devices/{device['id']}", bob)
    assert denied.status_code == 403 and denied.json()["error"] == "Permission Denied"
    wait_for(lambda: api.get(f"/v1/devices/{device['id']}", alice).json()["owner"])
