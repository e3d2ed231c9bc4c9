"""`/ops/claims`: the list (default, filters, paging, what a row says) and the bulk fixes: retry and
cancel the ticked claims, each asked first, each audited, a cancel texted to the person."""
from __future__ import annotations

import re
import time

import pytest

from bff.claims.texts import CANCEL_REASONS

from tests.support import PHONE
from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import csrf_token, page_text

HOUR, DAY = 3600, 86400


@pytest.fixture
def person(services):
    return services.accounts.user_for_phone(PHONE)


@pytest.fixture
def waiting(services, control, electron, person, tag):
    """Two claims waiting for their (offline) devices."""
    devices = [d["id"] for d in control.demo_devices(electron["id"], online=False)[:2]]
    found = [services.claims.request_claim(person.id, d, channel="web", tag=tag(d)) for d in devices]
    assert [claim.state for claim in found] == ["waiting_for_device"] * 2
    return found


@pytest.fixture
def finished(services, online_device, person, tag):
    claim = services.claims.request_claim(person.id, online_device, channel="sms", tag=tag(online_device))
    assert claim.state == "claimed"
    return claim


def _fake_claim(store, device_id: str, user_id: int, *, state: str = "requested", product_key: str = "sandbox-electron",
                created_at: float | None = None, error: str | None = None) -> int:
    claim_id = store.insert_claim(device_id=device_id, product_key=product_key, user_id=user_id, channel="api",
                                  actor_user_id=None, now=created_at or time.time())
    if state != "requested":
        store.update_claim(claim_id, state=state, outcome=state, last_error=error, now=created_at or time.time())
    return claim_id


def _post(client, path: str, **fields):
    data = {"csrf_token": csrf_token(client.get("/ops/claims")), **fields}
    return client.post(path, data=data)


def _flash(client) -> str:
    """The text of the claims page, with the flash left by the last fix."""
    return page_text(client.get("/ops/claims"))


def test_the_default_list_is_open_claims_and_recent_failures(desk, services, person, waiting, finished):
    store = services.store
    recent = _fake_claim(store, "aa" * 12, person.id, state="failed", error="CloudUnavailable: HTTP 503 from POST /v1/devices")
    old = _fake_claim(store, "bb" * 12, person.id, state="refused", created_at=time.time() - 8 * DAY)
    page = desk.get("/ops/claims")
    html = page.get_data(as_text=True)
    ids = [int(found) for found in re.findall(r'name="claim_id" value="(\d+)"', html)]
    assert ids == sorted([claim.id for claim in waiting], reverse=True)  # only open claims can be ticked
    text = page_text(page)
    assert "CloudUnavailable: HTTP 503 from POST /v1/devices" in text  # operators read the cloud's words
    assert f'href="/ops/devices/{"aa" * 12}"' in html and f'href="/ops/devices/{"bb" * 12}"' not in html
    assert f'href="/ops/devices/{finished.device_id}"' not in html
    assert f'href="/ops/people/{person.id}"' in html and "••• ••• 0123" in text and PHONE not in html
    assert "waiting for device" in text and "failed" in text
    assert recent and old


@pytest.mark.parametrize("query, expected", [
    ("state=claimed", ["claimed"]),
    ("state=open", ["young", "old"]),
    ("state=refused", []),
    ("age=1h", ["old"]),
    ("age=1d", []),
    ("product=sandbox-photon", ["photon"]),
    ("state=open&product=sandbox-photon", []),
])
def test_filters(desk, services, person, query, expected):
    store = services.store
    made = {"old": _fake_claim(store, "01" * 12, person.id, created_at=time.time() - 2 * HOUR),
            "young": _fake_claim(store, "02" * 12, person.id),
            "claimed": _fake_claim(store, "03" * 12, person.id, state="claimed"),
            "photon": _fake_claim(store, "04" * 12, person.id, state="failed", product_key="sandbox-photon")}
    html = desk.get(f"/ops/claims?{query}").get_data(as_text=True)
    shown = [name for name, claim_id in made.items() if f'/ops/devices/{store.claim_row(claim_id)["device_id"]}"' in html]
    assert sorted(shown) == sorted(expected)


def test_pages_of_fifty_newest_first(desk, services, person):
    ids = [_fake_claim(services.store, f"{n:024x}", person.id) for n in range(55)]
    first = desk.get("/ops/claims").get_data(as_text=True)
    shown = [int(found) for found in re.findall(r'name="claim_id" value="(\d+)"', first)]
    assert shown == ids[::-1][:50]
    older = re.search(r'href="([^"]*before=\d+[^"]*)">Older claims', first).group(1).replace("&amp;", "&")
    second = desk.get(older).get_data(as_text=True)
    assert [int(found) for found in re.findall(r'name="claim_id" value="(\d+)"', second)] == ids[::-1][50:]
    assert "Older claims" not in second


def test_retry_asks_first_then_tries_each_and_says_what_became_of_them(desk, services, control, waiting, finished):
    control.power(waiting[0].device_id, True)
    ids = [str(claim.id) for claim in (*waiting, finished)]
    asked = _post(desk, "/ops/claims/retry", claim_id=ids, state="open")
    assert asked.status_code == 200 and "Try 3 claims again now?" in page_text(asked)
    assert services.store.claim_row(waiting[0].id)["state"] == "waiting_for_device"  # nothing happened yet
    assert services.audit.entries(action="claim.retry") == []
    done = _post(desk, "/ops/claims/retry", claim_id=ids, state="open", confirmed="yes")
    assert done.status_code == 303 and done.headers["Location"] == "/ops/claims?state=open"
    assert "2 retried: 1 claimed, 1 still waiting; 1 was already finished." in _flash(desk)
    assert services.store.claim_row(waiting[0].id)["state"] == "claimed"
    audited = sorted((entry.result, entry.device_id) for entry in services.audit.entries(action="claim.retry"))
    assert audited == sorted([("ok", waiting[0].device_id), ("ok", waiting[1].device_id),
                              ("refused", finished.device_id)])
    assert {entry.actor_login for entry in services.audit.entries(action="claim.retry")} == {"desk"}


def test_cancel_asks_first_ends_the_claims_and_texts_the_reason(desk, services, waiting, finished):
    ids = [str(claim.id) for claim in (*waiting, finished)]
    asked = _post(desk, "/ops/claims/cancel", claim_id=ids, reason="replaced")
    assert asked.status_code == 200 and "Cancel 3 claims?" in page_text(asked)
    assert CANCEL_REASONS["replaced"] in page_text(asked)
    assert [services.store.claim_row(claim.id)["state"] for claim in waiting] == ["waiting_for_device"] * 2
    texts_before = {text["id"] for text in services.sms.outbox(to=PHONE)}
    _post(desk, "/ops/claims/cancel", claim_id=ids, reason="replaced", confirmed="yes")
    assert "2 cancelled; 1 was already finished." in _flash(desk)
    assert [services.store.claim_row(claim.id)["state"] for claim in waiting] == ["cancelled"] * 2
    texts = [text for text in services.sms.outbox(to=PHONE) if text["id"] not in texts_before]
    assert len(texts) == 2 and all(CANCEL_REASONS["replaced"] in text["body"] for text in texts)
    assert sorted(entry.result for entry in services.audit.entries(action="claim.cancel")) == ["ok", "ok", "refused"]


def test_cancel_needs_a_reason(desk, services, waiting):
    done = _post(desk, "/ops/claims/cancel", claim_id=[str(waiting[0].id)], confirmed="yes")
    assert done.status_code == 303
    assert "Choose why the claims are cancelled" in _flash(desk)
    assert services.store.claim_row(waiting[0].id)["state"] == "waiting_for_device"


def test_nothing_ticked_is_said(desk):
    _post(desk, "/ops/claims/retry", confirmed="yes")
    assert "No claim was chosen: tick the box of each claim first." in _flash(desk)


def test_the_fixes_need_the_form_token(desk, services, waiting):
    for path in ("/ops/claims/retry", "/ops/claims/cancel"):
        refused = desk.post(path, data={"claim_id": str(waiting[0].id), "reason": "replaced", "confirmed": "yes"})
        assert refused.status_code == 400
    assert services.store.claim_row(waiting[0].id)["state"] == "waiting_for_device"
    assert services.audit.entries(action="claim.retry") == services.audit.entries(action="claim.cancel") == []


def test_field_crews_may_not_fix(app, services, waiting):
    make_operator(services, "crew", "field")
    client = app.test_client()
    ops_sign_in(client, services, "crew")
    token = csrf_token(client.get("/ops/login"))
    refused = client.post("/ops/claims/cancel", data={"csrf_token": token, "claim_id": str(waiting[0].id),
                                                      "reason": "replaced", "confirmed": "yes"})
    assert refused.status_code == 403
    assert services.store.claim_row(waiting[0].id)["state"] == "waiting_for_device"
