"""`/ops`: each product's figures (devices, claimed, waiting, failed in 24 h, cloud errors in the last
hour), whether the worker runs, and who may see it."""
from __future__ import annotations

import re
import time

import pytest

from tests.support import PHONE
from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import page_text


def _figures(text: str, product_name: str) -> str:
    """The part of the home page's text about one product."""
    start = text.index(product_name)
    return text[start:start + 400]


def test_each_product_at_a_glance(desk, services, electron, photon, control, tag):
    person = services.accounts.user_for_phone(PHONE)
    offline = control.demo_devices(electron["id"], online=False)[:2]
    online = control.demo_devices(electron["id"], online=True)[0]["id"]
    for device in offline:  # two claims waiting for their device
        services.claims.request_claim(person.id, device["id"], channel="web", tag=tag(device["id"]))
    services.claims.request_claim(person.id, online, channel="web", tag=tag(online))  # claimed
    refused = services.store.insert_claim(device_id="ab" * 12, product_key=electron["slug"], user_id=person.id,
                                          channel="web", actor_user_id=None)
    services.store.update_claim(refused, state="refused", outcome="refused", last_error="DeviceOwnedByOther")
    long_ago = services.store.insert_claim(device_id="cd" * 12, product_key=electron["slug"], user_id=person.id,
                                           channel="web", actor_user_id=None, now=time.time() - 3 * 86400)
    services.store.update_claim(long_ago, state="failed", outcome="failed", now=time.time() - 2 * 86400)
    for minutes_ago in (90, 30, 5):  # two cloud errors in the last hour, one before it
        services.store.log_cloud_call(method="POST", path="/v1/devices", status=500, ms=3, error="boom",
                                      product_key=electron["slug"], at=time.time() - minutes_ago * 60)
    known = len(services.store.devices(electron["slug"]))
    hour_ago = time.time() - 3600  # the offline claims' refused calls count too, the 90-minute-old one not
    errors = len([call for call in services.store.cloud_calls(limit=1000, product_key=electron["slug"])
                  if call["error"] and call["at"] >= hour_ago])
    assert errors >= 2
    text = page_text(desk.get("/ops"))
    electron_part = _figures(text, electron["name"])
    assert re.search(rf"\b{known} devices known 1 claimed \(have an owner\) 2 claims waiting "
                     rf"1 claims failed or refused \(last 24 h\) {errors} cloud errors \(last hour\)", electron_part), electron_part
    photon_part = _figures(text, photon["name"])
    assert "0 claims waiting 0 claims failed or refused" in photon_part


def test_the_worker_is_said_plainly(desk, services):
    assert "Worker: not running (it never started): start it with flask --app app bff worker" in page_text(desk.get("/ops"))
    services.store.record_heartbeat("worker", now=time.time() - 12)
    assert re.search(r"Worker: running \(last beat 1[2-9] s ago\)", page_text(desk.get("/ops")))
    services.store.record_heartbeat("worker", now=time.time() - 600)
    text = page_text(desk.get("/ops"))
    assert "Worker: not running (last beat 10 min ago): start it with flask --app app bff worker" in text


def test_the_home_links_to_the_lists_it_counts(desk, electron):
    page = desk.get("/ops").get_data(as_text=True)
    assert f'/ops/claims?state=open&amp;product={electron["slug"]}' in page
    assert f'/ops/calls?product={electron["slug"]}&amp;status=failed' in page
    assert 'action="/ops/search"' in page and 'role="search"' in page


@pytest.mark.parametrize("path", ["/ops", "/ops/search?q=abc", "/ops/claims", "/ops/calls", "/ops/calls?format=csv"])
def test_field_crews_may_not_see_the_desk_pages(app, services, path):
    make_operator(services, "crew", "field")
    client = app.test_client()
    ops_sign_in(client, services, "crew")
    page = client.get(path)
    assert page.status_code == 403 and "Your role does not allow this." in page.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/ops", "/ops/claims", "/ops/calls"])
def test_people_not_signed_in_as_operators_go_to_the_sign_in(client, path):
    page = client.get(path)
    assert page.status_code in (302, 303) and page.headers["Location"].startswith("/ops/login")
