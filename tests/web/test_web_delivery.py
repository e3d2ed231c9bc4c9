"""Delivery: compressed pages, JSON and static files; fingerprinted static URLs cached for a year;
the landing's first visit within its budget on the wire."""
from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest

from bff.web import delivery

from tests.support.pages import landing_path

CHROMIUM_ACCEPTS = "gzip, deflate, br, zstd"  # what Chromium sends
STATIC = Path(__file__).resolve().parents[2] / "static"
YEAR = "public, max-age=31536000, immutable"
LANDING_BUDGET = 10_000  # bytes on the wire: the compressed page and what it loads at first
ASSET_URL = re.compile(r'<(?:link|script)\b[^>]*?(?:href|src)="(/static/[^"]+)"')


def decoded(response) -> bytes:
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    return {None: lambda d: d, "gzip": gzip.decompress, "br": brotli.decompress}[encoding](data)


def assets_of(response) -> list[str]:
    """The static files a page loads by itself (stylesheets, scripts), as a browser would fetch them."""
    return [url.replace("&amp;", "&") for url in ASSET_URL.findall(decoded(response).decode())]


def fingerprinted_urls(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [url.replace("&amp;", "&") for url in re.findall(r'"(/static/[^"]+)"', html)]


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_pages_json_and_static_files_are_compressed(client, member, online_device, encoding):
    accept = {"Accept-Encoding": encoding}
    page_urls = ["/", landing_path(online_device)]
    json_url = "/api/v1/openapi.json"
    static_urls = [url for url in fingerprinted_urls(client.get("/"))]
    assert any("jsQR.min.js" in url for url in static_urls) and any("bff.css" in url for url in static_urls)
    for url in [*page_urls, json_url, *static_urls, "/static/bff.css", "/static/bff.js"]:
        plain = client.get(url)
        packed = client.get(url, headers=accept)
        assert packed.status_code == 200, url
        assert packed.headers.get("Content-Encoding") == encoding, url
        assert "Accept-Encoding" in packed.headers.get("Vary", ""), url
        assert int(packed.headers["Content-Length"]) == len(packed.get_data()) < len(plain.get_data()) * 0.7, url
        if url != "/" and not url.startswith("/d/"):  # pages carry a fresh form token each time
            assert decoded(packed) == plain.get_data(), url
    assert member.get("/devices", headers=accept).headers.get("Content-Encoding") == encoding


def test_without_accept_encoding_nothing_is_compressed(client):
    for url in ["/", "/api/v1/openapi.json", "/static/bff.css"]:
        assert "Content-Encoding" not in client.get(url).headers, url
    assert client.get("/static/bff.css").get_data() == (STATIC / "bff.css").read_bytes()


def test_static_files_are_compressed_at_the_best_level_once(client):
    url = next(u for u in fingerprinted_urls(client.get("/")) if "jsQR.min.js" in u)
    first = client.get(url, headers={"Accept-Encoding": "br"}).get_data()
    again = client.get(url, headers={"Accept-Encoding": "br"}).get_data()
    source = (STATIC / "vendor" / "jsQR.min.js").read_bytes()
    assert first == again and brotli.decompress(first) == source
    assert len(first) <= len(brotli.compress(source, quality=11)) + 16  # best level, not the per-request 5
    assert len(first) < 30_000  # the scanner: 130 KB minified, under 30 KB on the wire


def test_pages_link_static_files_by_their_content_hash(client, member, online_device):
    pages = [client.get("/"), client.get(landing_path(online_device)), member.get("/devices"),
             client.get("/login"), client.get("/no/such/page")]
    for page in pages:
        urls = fingerprinted_urls(page)
        assert urls, page.request.path
        for url in urls:
            path, _, query = url.partition("?")
            digest = re.fullmatch(r"v=([0-9a-f]{12})", query)
            assert digest, url
            body = (STATIC / path.removeprefix("/static/")).read_bytes()
            assert digest.group(1) == hashlib.sha256(body).hexdigest()[:12], url


def test_fingerprinted_static_files_are_cached_for_a_year(client):
    for url in fingerprinted_urls(client.get("/")):
        for accept in ("br", ""):
            response = client.get(url, headers={"Accept-Encoding": accept})
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == YEAR, url


@pytest.mark.parametrize("query", ["", "?v=000000000000", "?v="])
def test_static_files_without_their_current_fingerprint_are_revalidated(client, query):
    response = client.get(f"/static/bff.css{query}", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert "immutable" not in cache and "max-age=31536000" not in cache
    assert cache == "no-cache"
    again = client.get(f"/static/bff.css{query}", headers={"Accept-Encoding": "br",
                                                           "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_an_edited_file_gets_a_new_fingerprint(app, tmp_path):
    (tmp_path / "x.css").write_text("a { color: red }")
    app.static_folder = str(tmp_path)
    with app.test_request_context():
        first = delivery.fingerprint("x.css")
        (tmp_path / "x.css").write_text("a { color: blue; }")
        assert delivery.fingerprint("x.css") not in (None, first)
        assert delivery.fingerprint("../secret") is None and delivery.fingerprint("nope.css") is None


def test_the_landings_first_visit_is_within_10_kb_on_the_wire(client, member, online_device):
    """Someone scans the box (signed out, or signed in): the landing, then what it loads at first
    (never the scanner's decoder)."""
    for browser in (client, member):
        page = browser.get(landing_path(online_device), headers={"Accept-Encoding": CHROMIUM_ACCEPTS})
        assert page.status_code == 200
        assets = assets_of(page)
        assert any("bff.css" in a for a in assets) and any("bff.js" in a for a in assets)
        assert not any("jsQR" in a for a in assets)
        responses = [page] + [browser.get(url, headers={"Accept-Encoding": CHROMIUM_ACCEPTS}) for url in assets]
        assert all(r.headers.get("Content-Encoding") == "br" for r in responses)
        total = sum(len(r.get_data()) for r in responses)
        print(f"landing first visit: {total} bytes in {len(responses)} requests")
        assert total <= LANDING_BUDGET
