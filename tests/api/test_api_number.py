"""`POST /api/v1/me/number` and `/confirm`: change my number by the JSON API (replies checked
against openapi.json by the ApiClient)."""
from __future__ import annotations

import re

from tests.support import OTHER_PHONE, PHONE

NEW_PHONE = "+12015550177"


def code_to(services, phone: str) -> str:
    return re.search(r"\b(\d{6})\b", services.sms.outbox(to=phone)[0]["body"]).group(1)


def test_change_my_number_by_api(api_client, services):
    started = api_client.post("/api/v1/me/number", json={"phone": "(201) 555-0177"})
    assert started.status_code == 202
    body = started.get_json()
    assert (body["new_phone"], body["needs_old_code"], body["done"]) == (NEW_PHONE, True, False)
    half = api_client.post("/api/v1/me/number/confirm", json={"new_code": code_to(services, NEW_PHONE)})
    assert half.status_code == 400 and half.get_json()["error"]["code"] == "number_change_refused"
    done = api_client.post("/api/v1/me/number/confirm", json={"old_code": code_to(services, PHONE)})
    assert done.status_code == 200 and done.get_json()["done"] is True
    assert services.store.user_by_phone(NEW_PHONE) is not None and services.store.user_by_phone(PHONE) is None
    assert api_client.get("/api/v1/devices").status_code == 200  # the token still works: same person


def test_refusals_by_api(api_client, services):
    other = services.accounts.user_for_phone(OTHER_PHONE)
    services.store.insert_claim(device_id="0123456789abcdef01234567", product_key="demo", user_id=other.id,
                                channel="web", actor_user_id=None)
    taken = api_client.post("/api/v1/me/number", json={"phone": OTHER_PHONE})
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "number_taken"
    same = api_client.post("/api/v1/me/number", json={"phone": PHONE})
    assert same.status_code == 400
    bad = api_client.post("/api/v1/me/number", json={"phone": NEW_PHONE, "old_number_lost": "yes"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_field"
    none = api_client.post("/api/v1/me/number/confirm", json={"new_code": "123456"})
    assert none.status_code == 404 and none.get_json()["error"]["code"] == "no_number_change"


def test_lost_old_number_by_api_waits_for_an_operator(api_client, services):
    started = api_client.post("/api/v1/me/number", json={"phone": NEW_PHONE, "old_number_lost": True})
    assert started.get_json()["needs_old_code"] is False and started.get_json()["needs_operator"] is True
    waiting = api_client.post("/api/v1/me/number/confirm", json={"new_code": code_to(services, NEW_PHONE)})
    assert waiting.status_code == 200
    assert waiting.get_json()["new_number_checked"] is True and waiting.get_json()["done"] is False
    assert "support team" in waiting.get_json()["next_step"]
