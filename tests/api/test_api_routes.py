"""The JSON API: phone sign-in for tokens, every route's authentication and errors, and the
replies of every route checked against /api/v1/openapi.json (ApiClient checks each one)."""
from __future__ import annotations

import re

import pytest

from bff import labels
from bff.api.openapi import openapi_document

from tests.support import LABEL_KEY, OTHER_PHONE, PHONE
from tests.support.api_client import ApiClient, sign_in_by_api

DOCUMENT = openapi_document()
OPERATIONS = [(method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item]
PROTECTED = [(m, p) for m, p in OPERATIONS if DOCUMENT["paths"][p][m.lower()].get("security") != []]
SOME_DEVICE = "0123456789abcdef01234567"


def concrete(path: str, number: str = "1", device: str = "1") -> str:
    """The path with its placeholders filled: ids with `number`, `{device_id}` with `device`."""
    return re.sub(r"\{(\w+)\}", lambda m: device if m.group(1) == "device_id" else number, path)


# What an unknown id gets, by route, where it is not (404, "not_found"): the lifecycle routes answer
# with the service's own errors (an unknown device is refused in plain words, bff/ownership/offers.py).
UNKNOWN_ANSWERS = {
    "/api/v1/devices/{device_id}/ask": (403, "claim_refused"),  # as a claim of a device bff cannot find
    "/api/v1/devices/{device_id}/shares": (403, "not_the_owner"),
    "/api/v1/devices/{device_id}/shares/{share_id}": (403, "not_the_owner"),
    "/api/v1/offers/{offer_id}": (404, "offer_not_found"),
    "/api/v1/offers/{offer_id}/accept": (404, "offer_not_found"),
    "/api/v1/offers/{offer_id}/decline": (404, "offer_not_found"),
    "/api/v1/offers/{offer_id}/cancel": (404, "offer_not_found"),
}
UNKNOWN_DEVICE = (404, "unknown_device")  # the other device routes: "We do not know this device."


def assert_error(response, status: int, code: str) -> dict:
    """The one error shape, with this status and code."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "next_step"}
    assert body["error"]["code"] == code and body["error"]["message"] and body["error"]["next_step"]
    return body["error"]


@pytest.fixture
def anonymous(app, checker):
    return ApiClient(app.test_client(), checker)


# -- sign-in and tokens -----------------------------------------------------------------------------


def test_a_phone_sign_in_gives_a_token_that_is_kept_only_as_a_hash(anonymous, services):
    token = sign_in_by_api(anonymous, services.sms, PHONE, name="Kitchen tablet")

    assert token.startswith("bff_") and len(token) > 40
    assert anonymous.get("/api/v1/devices", token=token).status_code == 200
    rows = list(services.store.db.query("SELECT * FROM api_tokens"))
    assert len(rows) == 1 and rows[0]["name"] == "Kitchen tablet" and rows[0]["last_used_at"]
    assert token not in str(rows)


def test_a_revoked_token_no_longer_works(api_client):
    assert api_client.delete("/api/v1/tokens/current").get_json() == {"revoked": True}

    refused = api_client.get("/api/v1/devices")
    assert_error(refused, 401, "invalid_token")
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_sign_in_mistakes_say_what_to_do(anonymous, services):
    assert_error(anonymous.post("/api/v1/sign-in/code", {"phone": "12"}), 400, "invalid_phone")
    assert_error(anonymous.post("/api/v1/sign-in/code", {"phone": 12015550123}), 400, "invalid_field")
    assert_error(anonymous.post("/api/v1/sign-in/code", {}), 400, "missing_field")
    assert_error(anonymous.post("/api/v1/sign-in", {"phone": PHONE, "code": "123456"}), 400, "sign_in_code_expired")
    anonymous.post("/api/v1/sign-in/code", {"phone": PHONE})
    wrong = assert_error(anonymous.post("/api/v1/sign-in", {"phone": PHONE, "code": "000000x"}), 400,
                         "wrong_sign_in_code")
    assert "6 numbers" in wrong["next_step"]


def test_too_many_sign_in_codes_say_how_long_to_wait(anonymous):
    for _ in range(3):
        assert anonymous.post("/api/v1/sign-in/code", {"phone": PHONE}).status_code == 202
    refused = anonymous.post("/api/v1/sign-in/code", {"phone": PHONE})
    assert_error(refused, 429, "too_many_sign_in_codes")
    assert int(refused.headers["Retry-After"]) > 0


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_protected_route_needs_a_live_token(anonymous, app, services, method, path):
    assert_error(anonymous.call(method, concrete(path), {}), 401, "not_signed_in")
    assert_error(anonymous.call(method, concrete(path), {}, token="bff_not-a-token"), 401, "invalid_token")
    assert_error(anonymous.call(method, concrete(path), {}, headers={"Authorization": "Basic eDp5"}),
                 401, "not_signed_in")


def test_a_browser_session_does_not_sign_in_to_the_api(app, checker, services):
    """The API has no CSRF check, so a cookie must not be enough (a forged form would ride on it)."""
    user = services.accounts.user_for_phone(PHONE)
    browser = ApiClient(app.test_client(), checker)
    with browser.client.session_transaction() as session:
        session["_user_id"] = services.sessions.start(user.id, method="phone", remember=False, ip=None)
    assert_error(browser.post("/api/v1/claim-codes", {}), 401, "not_signed_in")


# -- one error shape everywhere -----------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_route_answers_errors_in_the_one_shape(api_client, method, path):
    """Wrong method and a broken body on every route; unknown ids on the routes with one."""
    wrong_method = "PATCH"
    assert_error(api_client.call(wrong_method, concrete(path), check=False), 405, "method_not_allowed")
    if "requestBody" in DOCUMENT["paths"][path][method.lower()]:
        broken = api_client.call(method, concrete(path), data="[1, 2", headers={"Content-Type": "application/json"})
        assert_error(broken, 400, "bad_request")
        listed = api_client.call(method, concrete(path), [1, 2])
        assert_error(listed, 400, "bad_request")
    if "{" in path:
        body = {"device_id": SOME_DEVICE, "phone": OTHER_PHONE, "tag": labels.qr_tag(LABEL_KEY, SOME_DEVICE)}
        expected = UNKNOWN_ANSWERS.get(path, UNKNOWN_DEVICE if "{device_id}" in path else (404, "not_found"))
        unknown = concrete(path, "999999", SOME_DEVICE)
        assert_error(api_client.call(method, unknown, body), *expected)
        if re.search(r"\{(?!device_id)\w+\}", path):
            huge = concrete(path, "9" * 30, SOME_DEVICE)
            assert_error(api_client.call(method, huge, body), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1", "/api/v1/claim-codes/abc"])
def test_unknown_api_paths_answer_in_the_one_shape(api_client, path):
    assert_error(api_client.client.get(path, headers={"Authorization": f"Bearer {api_client.token}"}), 404, "not_found")


def test_cloud_trouble_is_a_503_that_says_try_later(api_client, control):
    control.add_fault(path="/v1/products/*/device_claims", method="POST", status=503)
    assert_error(api_client.post("/api/v1/claim-codes", {}), 503, "cloud_unavailable")
    control.clear_faults()
    control.add_fault(path="/v1/products/*/device_claims", method="POST", status=429, retry_after=7)
    busy = api_client.post("/api/v1/claim-codes", {})
    assert_error(busy, 503, "cloud_busy")
    assert busy.headers["Retry-After"] == "7"


# -- Wi-Fi setup ---------------------------------------------------------------------------------


def test_a_claim_code_reply_carries_only_what_a_setup_app_needs(api_client, photon):
    response = api_client.post("/api/v1/claim-codes")  # no body at all: the only Wi-Fi product

    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "claim_code", "expires_at", "expires_in", "product", "status_url"}
    assert body["product"] == {"key": "sandbox-photon", "id": photon["id"], "slug": "sandbox-photon",
                               "name": photon["name"], "platform": "photon"}
    assert 3500 < body["expires_in"] <= 3600 and body["expires_at"].endswith("Z")
    assert response.headers["Location"] == body["status_url"] == f"/api/v1/claim-codes/{body['id']}"
    assert response.headers["Cache-Control"] == "no-store"
    status = api_client.get(body["status_url"]).get_json()
    assert status["state"] == "open" and status["code_hint"] == body["claim_code"][-4:]
    assert body["claim_code"] not in str(status)


def test_a_product_is_named_by_any_of_its_names_or_refused_with_the_choices(api_client):
    assert api_client.post("/api/v1/claim-codes", {"product": "Sandbox Photon Lamp"}).status_code == 201
    refused = assert_error(api_client.post("/api/v1/claim-codes", {"product": "toaster"}), 400, "choose_product")
    assert refused["next_step"] == "Choose sandbox-photon."
    cellular = assert_error(api_client.post("/api/v1/setup-token", {"product": "sandbox-electron"}), 400,
                            "not_a_wifi_product")
    assert "is not a Wi-Fi product" in cellular["message"] and "box" in cellular["next_step"]
    assert api_client.get("/api/v1/products").get_json()["products"][0]["key"] == "sandbox-photon"


def test_claim_codes_are_limited_per_person(api_client, other_api_client, services, control, clock):
    from bff.wifi_setup.service import CODES_PER_USER_PER_HOUR

    clock.now = (clock.now // 3600) * 3600 + 60  # the counters' hour will not turn over during the test
    services.accounts.clock = clock
    issued = [api_client.post("/api/v1/claim-codes") for _ in range(CODES_PER_USER_PER_HOUR)]
    assert [response.status_code for response in issued] == [201] * 10
    assert len({response.get_json()["claim_code"] for response in issued}) == 10
    control.clear_requests()

    assert_error(api_client.post("/api/v1/claim-codes"), 429, "too_many_requests")
    assert control.requests() == []  # the cloud was not asked for a code
    assert services.store.db.execute("SELECT COUNT(*) FROM claim_codes").fetchone()[0] == 10
    assert other_api_client.post("/api/v1/claim-codes").status_code == 201  # others are not held up


def test_someone_elses_claim_code_is_not_found(api_client, other_api_client):
    theirs = other_api_client.post("/api/v1/claim-codes").get_json()
    assert_error(api_client.get(theirs["status_url"]), 404, "not_found")
    assert_error(api_client.put(theirs["status_url"] + "/device", {"device_id": SOME_DEVICE}), 404, "not_found")


def test_a_reported_device_must_be_a_device_id(api_client):
    code = api_client.post("/api/v1/claim-codes").get_json()
    assert_error(api_client.put(code["status_url"] + "/device", {"device_id": "my photon"}), 400, "invalid_device_id")
    assert_error(api_client.put(code["status_url"] + "/device", {}), 400, "missing_field")
    reported = api_client.put(code["status_url"] + "/device", {"device_id": SOME_DEVICE.upper()})
    assert reported.status_code == 200 and reported.get_json()["reported_device_id"] == SOME_DEVICE


# -- devices and claims ----------------------------------------------------------------------------------


def test_a_device_is_claimed_with_its_qr_tag_and_then_listed(api_client, other_api_client, online_device):
    tag = labels.qr_tag("test-label-key", online_device)
    claimed = api_client.post("/api/v1/claims", {"device_id": online_device.upper(), "tag": tag})

    assert claimed.status_code == 200
    claim = claimed.get_json()
    assert claim["state"] == "claimed" and claim["succeeded"] and claim["device_id"] == online_device
    assert api_client.get(f"/api/v1/claims/{claim['id']}").get_json() == claim
    assert api_client.post("/api/v1/claims", {"device_id": online_device, "tag": tag}).get_json()["id"] == claim["id"]
    assert online_device in {d["device_id"] for d in api_client.get("/api/v1/devices").get_json()["devices"]}
    assert_error(other_api_client.get(f"/api/v1/claims/{claim['id']}"), 404, "not_found")


def test_a_device_is_claimed_with_its_box_code(api_client, services, online_device):
    label_code = services.devices.find(online_device).label_code
    claimed = api_client.post("/api/v1/claims", {"device_id": online_device, "label_code": label_code})
    assert claimed.status_code == 200 and claimed.get_json()["state"] == "claimed"


def test_claims_without_proof_or_with_wrong_proof_are_refused(api_client, online_device):
    assert_error(api_client.post("/api/v1/claims", {"device_id": online_device}), 400, "missing_field")
    assert_error(api_client.post("/api/v1/claims", {"device_id": online_device, "tag": "guess"}), 403, "claim_refused")
    assert_error(api_client.post("/api/v1/claims", {"device_id": SOME_DEVICE, "tag": "guess"}), 403, "claim_refused")
    assert_error(api_client.post("/api/v1/claims", {"device_id": online_device, "label_code": "ABCD"}), 400,
                 "bad_label_code")
    assert_error(api_client.post("/api/v1/claims", {"device_id": ["x"], "tag": "guess"}), 400, "invalid_field")


def test_the_openapi_document_is_served_and_lists_every_route(api_client, app):
    served = api_client.get("/api/v1/openapi.json", token="")
    assert served.status_code == 200 and served.get_json() == DOCUMENT
    routes = {(method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(OPERATIONS)

