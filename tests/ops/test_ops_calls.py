"""`/ops/calls`: every cloud call with its reason in plain words and a failed call's raw reply; the
filters (device, person, product, status, time range), paging, and the CSV download (parsed)."""
from __future__ import annotations

import csv
import io
import re
import time

import pytest

from bff.errors import DeviceOwnedByOther, RateLimited
from bff.ops.reasons import NO_ANSWER, plain_reason

from tests.support import OTHER_PHONE, PHONE
from tests.support.pages import page_text

DEVICE = "0123456789abcdef01234567"


def rows_of(response) -> list[dict]:
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _log(store, path: str, *, status=200, error=None, at=None, **who):
    store.log_cloud_call(method="GET", path=path, status=status, ms=4.2, error=error, at=at or time.time(), **who)


def test_a_refused_claim_reads_plainly_with_the_clouds_reply(desk, services, electron, online_device):
    particle = services.particle
    owner = particle.ensure_customer(electron["slug"], services.accounts.user_for_phone(PHONE).id)
    particle.claim_device(electron["slug"], owner, online_device)
    stranger = particle.ensure_customer(electron["slug"], services.accounts.user_for_phone(OTHER_PHONE).id)
    with pytest.raises(DeviceOwnedByOther):
        particle.claim_device(electron["slug"], stranger, online_device)
    page = desk.get("/ops/calls?status=failed")
    text, html = page_text(page), page.get_data(as_text=True)
    assert "POST /v1/devices" in text and "403" in text
    assert "The device belongs to another account" in text
    details = re.search(r"<details>(.*?)</details>", html, re.S).group(1)
    assert "That belongs to someone else." in details and '<pre class="raw">' in details
    token = services.store.customer_token(electron["slug"], stranger, valid_at=0)
    assert token and token not in html  # never a token


def test_a_rate_limited_call_and_a_time_out_read_plainly(desk, services, control, electron):
    control.add_fault(path=f"/v1/products/{electron['slug']}/devices", method="GET", status=429, retry_after=7, times=1)
    with pytest.raises(RateLimited):
        services.particle.list_product_devices(electron["slug"])
    _log(services.store, "/v1/devices/x", status=None, error="GET /v1/devices/x timed out: ReadTimeout")
    text = page_text(desk.get("/ops/calls?status=failed"))
    assert "Too many requests: the cloud asked us to slow down" in text
    assert NO_ANSWER in text and "no answer" in text


@pytest.mark.parametrize("status, error, reason", [
    (200, None, "OK"),
    (403, "DeviceOwnedByOther (HTTP 403) from POST /v1/devices: That belongs to someone else.",
     "The device belongs to another account"),
    (403, "Forbidden (HTTP 403) from GET /v1/x: That belongs to someone else.", "The device belongs to another account"),
    (429, "RateLimited (HTTP 429) from GET /v1/x", "Too many requests: the cloud asked us to slow down"),
    (None, "POST /v1/devices connection failed: ConnectionError", NO_ANSWER),
    (503, "CloudUnavailable (HTTP 503) from GET /v1/x", "The cloud had trouble (a server error); it usually passes, bff retries"),
    (404, "NotFound (HTTP 404) from GET /v1/x", "The cloud does not know what we asked for"),
    (418, "BadRequest (HTTP 418) from GET /v1/x", "Failed: see the cloud's words and its reply"),
    (400, "ApiUserNotAllowed (HTTP 400) from GET /v1/products/p/devices/x (the API user needs the scope devices:get)",
     "The product's API user lacks a permission (scope) for this: give it the scope named here"),
])
def test_plain_reasons(status, error, reason):
    assert plain_reason(status, error) == reason


@pytest.fixture
def logged(services, electron):
    """Calls of two people, two devices, both products, over two hours (oldest first)."""
    store, now = services.store, time.time()
    alice, bob = services.accounts.user_for_phone(PHONE), services.accounts.user_for_phone(OTHER_PHONE)
    a = store.reserve_shadow_customer(alice.id, electron["slug"], "bff-alice@x.invalid")["username"]
    b = store.reserve_shadow_customer(bob.id, electron["slug"], "bff-bob@x.invalid")["username"]
    _log(store, "/v1/one", at=now - 7200, customer=a, device_id=DEVICE, product_key=electron["slug"])
    _log(store, "/v1/two", status=429, error="RateLimited (HTTP 429)", at=now - 3600, customer=b,
         product_key=electron["slug"])
    _log(store, "/v1/three", status=None, error="GET /v1/three timed out: ReadTimeout", at=now - 1800,
         product_key="sandbox-photon")
    _log(store, "/v1/four", status=403, error="DeviceOwnedByOther (HTTP 403)", at=now - 60, customer=a,
         device_id=DEVICE, product_key=electron["slug"])
    return {"alice": alice, "bob": bob, "now": now}


def _shown(client, query: str) -> list[str]:
    paths = re.findall(r"<code>GET (/v1/\w+)</code>", client.get(f"/ops/calls?{query}").get_data(as_text=True))
    return [path.rsplit("/", 1)[1] for path in paths]


def _utc(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M", time.gmtime(stamp))


def test_filters(desk, logged):
    now = logged["now"]
    assert _shown(desk, "") == ["four", "three", "two", "one"]
    assert _shown(desk, f"device={DEVICE.upper()}") == ["four", "one"]
    assert _shown(desk, f"person={logged['alice'].id}") == ["four", "one"]
    assert _shown(desk, "person=(201) 555-0124") == ["two"]
    assert _shown(desk, "product=sandbox-photon") == ["three"]
    assert _shown(desk, "status=ok") == ["one"]
    assert _shown(desk, "status=failed") == ["four", "three", "two"]
    assert _shown(desk, "status=429") == ["two"]
    assert _shown(desk, "status=none") == ["three"]
    assert _shown(desk, f"from={_utc(now - 2400)}") == ["four", "three"]
    assert _shown(desk, f"from={_utc(now - 5400)}&to={_utc(now - 900)}") == ["three", "two"]
    assert _shown(desk, f"person={logged['alice'].id}&status=failed") == ["four"]


@pytest.mark.parametrize("query, problem", [
    ("person=999999", "No person has that number or phone"),
    ("status=sometimes", "Status must be ok, failed, none or an HTTP status"),
    ("from=yesterday", "The from time must look like 2026-12-01"),
])
def test_filters_that_cannot_be_read_say_so_and_show_nothing(desk, logged, query, problem):
    page = desk.get(f"/ops/calls?{query}")
    assert page.status_code == 200 and problem in page_text(page)
    assert _shown(desk, query) == []


def test_a_person_without_customers_has_no_calls(desk, services, logged):
    nobody = services.accounts.user_for_phone("+12015550177")
    assert _shown(desk, f"person={nobody.id}") == []


def test_pages_of_a_hundred(desk, services):
    for n in range(105):
        _log(services.store, f"/v1/n{n}", at=time.time() - 1000 + n)
    first = desk.get("/ops/calls").get_data(as_text=True)
    assert len(re.findall(r"<code>GET ", first)) == 100
    older = re.search(r'href="([^"]*before=\d+[^"]*)">Older calls', first).group(1).replace("&amp;", "&")
    assert re.findall(r"<code>GET (/v1/\w+)</code>", desk.get(older).get_data(as_text=True)) == [
        f"/v1/n{n}" for n in range(4, -1, -1)]


def test_the_csv_holds_the_filtered_calls_safely(desk, services, logged):
    _log(services.store, "/v1/devices?access_token=s3cret-token", status=400, error="=HYPERLINK(\"http://x\")",
         reply='{"access_token": "s3cret-token", "error": "bad"}', customer="bff-alice@x.invalid")
    download = desk.get(f"/ops/calls?format=csv&person={logged['alice'].id}")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Cache-Control"] == "no-store"
    rows = rows_of(download)
    assert [row["path"].split("?")[0] for row in rows] == ["/v1/devices", "/v1/four", "/v1/one"]
    assert rows[0]["error"].startswith("'=")  # a spreadsheet will not run it
    assert rows[1]["reason"] == "The device belongs to another account" and rows[1]["status"] == "403"
    assert rows[2]["reason"] == "OK" and rows[2]["at_utc"].endswith("UTC")
    assert "s3cret-token" not in download.get_data(as_text=True)
    assert "REDACTED" in rows[0]["path"] and "REDACTED" in rows[0]["reply"]


def test_the_page_offers_the_csv_of_its_filters(desk, logged):
    html = desk.get("/ops/calls?status=failed&device=" + DEVICE).get_data(as_text=True)
    link = re.search(r'href="([^"]*format=csv[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "status=failed" in link and f"device={DEVICE}" in link
    assert [row["path"] for row in rows_of(desk.get(link))] == ["/v1/four"]
