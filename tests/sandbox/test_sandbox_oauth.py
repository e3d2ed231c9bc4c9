"""POST /oauth/token, token transports, expiry, the lock-out, access-token routes."""
import base64

import pytest

INVALID_TOKEN = {"error": "invalid_token", "error_description": "The access token provided is invalid."}


def test_client_credentials_with_basic_gives_a_product_token(api):
    product = api.product()
    response = api.post("/oauth/token", data={"grant_type": "client_credentials"},
                         auth=(product["client_id"], product["client_secret"]))
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 7776000
    assert len(body["access_token"]) == 40


def test_client_credentials_in_the_body_as_particle_api_js_sends_them(api):
    product = api.product("photon")
    response = api.post("/oauth/token", data={"grant_type": "client_credentials",
                                               "client_id": product["client_id"],
                                               "client_secret": product["client_secret"]})
    assert response.status_code == 200
    token = response.json()["access_token"]
    assert api.get(f"/v1/products/{product['slug']}", token).json()["product"]["platform_id"] == 6


def test_customer_scope_gives_a_customer_token_with_scope(api):
    username, _ = api.new_customer()
    product = api.product()
    response = api.post("/oauth/token", auth=(product["client_id"], product["client_secret"]),
                        data={"grant_type": "client_credentials", "scope": f"customer={username}",
                              "expires_in": "600"})
    body = response.json()
    assert response.status_code == 200
    assert body["scope"] == f"customer={username}" and body["expires_in"] == 600
    assert api.get("/v1/devices", body["access_token"]).json() == []


def test_unknown_customer_and_bad_scope_are_refused(api):
    product = api.product()
    auth = (product["client_id"], product["client_secret"])
    unknown = api.post("/oauth/token", auth=auth,
                       data={"grant_type": "client_credentials", "scope": "customer=nobody"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_grant"
    bad = api.post("/oauth/token", auth=auth, data={"grant_type": "client_credentials", "scope": "x"})
    assert bad.json()["error"] == "invalid_scope"


@pytest.mark.parametrize("client", [("particle", "particle"), ("particle-api", "particle-api"),
                                    ("anything", "at-all")])
def test_password_grant_works_with_any_client(api, client):
    response = api.post("/oauth/token", auth=client,
                        data={"grant_type": "password", **api.info["developer"]})
    assert response.status_code == 200
    products = api.get("/v1/products", response.json()["access_token"]).json()["products"]
    assert {p["id"] for p in products} == {p["id"] for p in api.info["products"]}


def test_wrong_password_and_wrong_client_secret(api):
    wrong = api.post("/oauth/token", auth=("particle", "particle"),
                     data={"grant_type": "password", "username": api.info["developer"]["username"],
                           "password": "nope"})
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant", "error_description": "User credentials are invalid"}
    product = api.product()
    bad_client = api.post("/oauth/token", auth=(product["client_id"], "wrong"),
                          data={"grant_type": "client_credentials"})
    assert bad_client.status_code == 400 and bad_client.json()["error"] == "invalid_client"


def test_json_bodies_are_refused(api):
    product = api.product()
    response = api.post("/oauth/token", json={"grant_type": "client_credentials",
                                               "client_id": product["client_id"],
                                               "client_secret": product["client_secret"]})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_missing_and_unknown_grant_types(api):
    assert api.post("/oauth/token", auth=("a", "b"), data={}).json()["error"] == "invalid_request"
    unknown = api.post("/oauth/token", auth=("a", "b"), data={"grant_type": "magic"})
    assert unknown.json()["error"] == "unsupported_grant_type"


def test_refresh_token_gives_a_new_token_and_is_single_use(api):
    product = api.product()
    auth = (product["client_id"], product["client_secret"])
    first = api.post("/oauth/token", auth=auth, data={"grant_type": "client_credentials"}).json()
    again = api.post("/oauth/token", auth=auth, data={"grant_type": "refresh_token",
                                                       "refresh_token": first["refresh_token"]})
    assert again.status_code == 200 and again.json()["access_token"] != first["access_token"]
    reused = api.post("/oauth/token", auth=auth, data={"grant_type": "refresh_token",
                                                        "refresh_token": first["refresh_token"]})
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


def test_token_transports_header_query_and_form(api):
    token = api.user_token()
    assert api.get("/v1/devices", token).status_code == 200
    assert api.get("/v1/devices", params={"access_token": token}).status_code == 200
    claim = api.post("/v1/device_claims", data={"access_token": token})
    assert claim.status_code == 200 and len(claim.json()["claim_code"]) == 63


def test_query_token_is_not_read_on_post(api):
    token = api.user_token()
    response = api.post("/v1/device_claims", params={"access_token": token})
    assert response.status_code == 400
    assert response.json()["error_description"] == "The access token was not found"


def test_unknown_and_missing_tokens(api):
    assert api.get("/v1/devices", "0" * 40).json() == INVALID_TOKEN
    assert api.get("/v1/devices", "0" * 40).status_code == 401
    missing = api.get("/v1/devices")
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


def test_tokens_expire_with_the_sandbox_clock(api):
    product = api.product()
    auth = (product["client_id"], product["client_secret"])
    short = api.post("/oauth/token", auth=auth,
                     data={"grant_type": "client_credentials", "expires_in": "60"}).json()
    forever = api.post("/oauth/token", auth=auth,
                       data={"grant_type": "client_credentials", "expires_in": "0"}).json()
    assert forever["expires_in"] == 0
    api.advance(61)
    assert api.get("/v1/products/9901", short["access_token"]).status_code == 401
    assert api.get("/v1/products/9901", short["access_token"]).json() == INVALID_TOKEN
    api.advance(400 * 86400)
    assert api.get("/v1/products/9901", forever["access_token"]).status_code == 200


def test_ten_failures_lock_the_ip_out_for_thirty_minutes(api):
    product = api.product()
    for _ in range(10):
        assert api.post("/oauth/token", auth=(product["client_id"], "wrong"),
                        data={"grant_type": "client_credentials"}).status_code == 400
    good = {"grant_type": "client_credentials"}
    locked = api.post("/oauth/token", auth=(product["client_id"], product["client_secret"]), data=good)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 1700
    assert locked.json()["error"] == "too_many_requests"
    api.advance(30 * 60 + 1)
    again = api.post("/oauth/token", auth=(product["client_id"], product["client_secret"]), data=good)
    assert again.status_code == 200


def test_a_success_resets_the_failure_count(api):
    for _ in range(9):
        api.post("/oauth/token", auth=("x", "y"), data={"grant_type": "client_credentials"})
    assert api.product_token()
    for _ in range(9):
        api.post("/oauth/token", auth=("x", "y"), data={"grant_type": "client_credentials"})
    assert api.product_token()


def test_basic_header_with_blank_secret_is_not_a_product_client(api):
    product = api.product()
    header = base64.b64encode(f"{product['client_id']}:".encode()).decode()
    response = api.post("/oauth/token", headers={"Authorization": f"Basic {header}"},
                        data={"grant_type": "client_credentials"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_client"


def test_current_token_and_revocation(api):
    username, token = api.new_customer()
    current = api.get("/v1/access_tokens/current", token).json()
    assert current["scopes"] == [f"customer={username}"] and current["expires_at"].endswith("Z")
    assert api.delete("/v1/access_tokens/current", token).json() == {"ok": True}
    assert api.get("/v1/devices", token).status_code == 401
    user = api.user_token()
    assert api.delete("/v1/access_tokens", user).json() == {"ok": True}
    assert api.get("/v1/devices", user).status_code == 401
