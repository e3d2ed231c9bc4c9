"""Error pages in the page style (JSON for JSON routes), and what every page may load."""
from __future__ import annotations

import gzip
import re

import pytest

from bff.errors import CloudUnavailable

from tests.support.pages import attributes, claim, landing_path, page_text


@pytest.fixture
def fragile_app(app_factory):
    """bff with two extra routes that fail, and exceptions turned into error pages as in production."""
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/broken")
    def broken():
        raise RuntimeError("Traceback secret: HTTP 403 That belongs to someone else.")

    @app.get("/cloud-down")
    def cloud_down():
        raise CloudUnavailable(status=502, cloud_message="upstream connect error", method="GET", path="/v1/x")

    @app.get("/cloud-down.json")
    def cloud_down_json():
        raise CloudUnavailable(status=502, cloud_message="upstream connect error")

    return app


def test_unknown_page_is_a_plain_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "We could not find that page" in page_text(response)
    assert "/static/bff.css" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/nothing.json"])
def test_json_routes_keep_json_errors(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.is_json and response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_says_so(client):
    response = client.delete("/devices")
    assert response.status_code == 405
    assert "Allow" in response.headers


def test_server_error_page_shows_no_details(fragile_app):
    response = fragile_app.test_client().get("/broken")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page_text(response)
    assert "Traceback" not in html and "belongs to someone else" not in html and "RuntimeError" not in html


def test_bff_errors_show_their_plain_words_only(fragile_app):
    client = fragile_app.test_client()
    response = client.get("/cloud-down")
    assert response.status_code == 503
    assert CloudUnavailable.public_message in page_text(response)
    assert CloudUnavailable.next_step in page_text(response)
    assert "upstream" not in response.get_data(as_text=True)
    as_json = client.get("/cloud-down.json")
    assert as_json.status_code == 503 and as_json.is_json
    assert as_json.get_json()["error"]["message"] == CloudUnavailable.public_message
    assert "upstream" not in as_json.get_data(as_text=True)


def test_no_page_loads_anything_from_elsewhere(app, client, member, control, online_device, offline_device):
    """Every page state: links, scripts, styles and forms stay on this host."""
    pages = [client.get("/"), client.get(landing_path(online_device)), client.get("/nope"),
             client.get("/console"), member.get(landing_path(online_device)), member.get("/devices")]
    claim(member, online_device)
    claim(member, offline_device)
    pages += [member.get(landing_path(online_device)), member.get(landing_path(offline_device)),
              member.get("/devices")]
    for response in pages:
        for tag, name, value in attributes(response):
            if name in ("src", "href", "action", "srcset", "poster", "data", "formaction"):
                assert not re.match(r"(?i)\s*([a-z][a-z0-9+.-]*:)?//", value), (response.request.path, tag, value)
                assert not value.lower().startswith("javascript:")
        html = response.get_data(as_text=True)
        assert "@import" not in html
    for asset in ("/static/bff.css", "/static/bff.js"):
        body = client.get(asset).get_data(as_text=True)
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", body)
        assert not re.search(r"['\"](https?:)?//", body), asset


def test_claim_page_weight(client, member, online_device):
    """The landing page with everything it loads stays small (tens of KB); the scanner's decoder
    is loaded only on the start page, and only when the scanner is used."""
    responses = [member.get(landing_path(online_device)), client.get("/static/bff.css"), client.get("/static/bff.js")]
    raw = sum(len(r.get_data()) for r in responses)
    compressed = sum(len(gzip.compress(r.get_data())) for r in responses)
    print(f"claim page: {raw} bytes, {compressed} bytes gzip, {len(responses)} requests")
    assert raw < 40_000
