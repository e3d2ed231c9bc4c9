"""Security headers on every kind of response, and templates that need no CSP exception."""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from bff.web import security_headers

from tests.support.imports import loose_devices
from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import csrf_token, landing_path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CSP_PARTS = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
             "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"]
# The one route allowed its own <style> (by hash): the printed label sheet (see security_headers.py).
PRINTED = {"labels/sheet.html"}


def directives(csp: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()}


def assert_secured(response, where: str) -> None:
    headers = response.headers
    csp = directives(headers.get("Content-Security-Policy", ""))
    for part in CSP_PARTS:
        assert csp.get(part.split(" ", 1)[0]) == part, (where, part, headers.get("Content-Security-Policy"))
    assert "unsafe-inline" not in headers["Content-Security-Policy"], where
    assert "unsafe-eval" not in headers["Content-Security-Policy"], where
    assert headers.get("X-Frame-Options") == "DENY", where
    policy = headers.get("Permissions-Policy", "")
    assert "camera=(self)" in policy and "microphone=()" in policy and "geolocation=()" in policy, where
    assert headers.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin", "no-referrer"), where
    assert headers.get("X-Content-Type-Options") == "nosniff", where


@pytest.fixture
def broken_app(app_factory):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/broken")
    def broken():
        raise RuntimeError("boom")

    return app


def test_every_kind_of_response_carries_the_headers(client, member, online_device, broken_app):
    responses = {
        "start page": client.get("/"),
        "landing": client.get(landing_path(online_device)),
        "sign-in page": client.get("/login"),
        "my devices": member.get("/devices"),
        "redirect": client.get("/devices"),
        "JSON": client.get("/api/v1/openapi.json"),
        "JSON error": client.get("/api/v1/nothing-here"),
        "page 404": client.get("/no/such/page"),
        "405": client.delete("/devices"),
        "500": broken_app.test_client().get("/broken"),
        "static CSS": client.get("/static/bff.css"),
        "static JS (compressed)": client.get("/static/bff.js", headers={"Accept-Encoding": "br"}),
        "static 404": client.get("/static/nope.js"),
        "health": client.get("/healthz"),
        "console": client.get("/console"),
        "SMS webhook refusal": client.post("/sms", data={"From": "+12015550123", "Body": "HELP"}),
    }
    assert responses["500"].status_code == 500 and responses["static 404"].status_code == 404
    for where, response in responses.items():
        assert_secured(response, where)


def test_no_strict_transport_security_over_http(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.mark.app_settings(PUBLIC_URL="https://claim.example.com")
def test_strict_transport_security_when_served_over_https(client):
    hsts = client.get("/").headers.get("Strict-Transport-Security", "")
    assert re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts)
    assert int(hsts.split("=")[1].split(";")[0]) >= 180 * 24 * 3600


def test_the_printed_label_sheet_allows_only_its_own_style_by_hash(app, services, sandbox, electron):
    boss = app.test_client()
    make_operator(services, "boss", "admin")
    ops_sign_in(boss, services, "boss")
    form = {"product": electron["slug"], "ids": "\n".join(loose_devices(sandbox, 1)),
            "csrf_token": csrf_token(boss.get("/ops/import"))}
    started = boss.post("/ops/import", data=form, content_type="multipart/form-data")
    batch_id = int(started.headers["Location"].rsplit("/", 1)[1])
    services.imports.work(batch_id)
    for page in (boss.get("/ops/import"), boss.get(f"/ops/batches/{batch_id}")):
        assert_secured(page, page.request.path)  # the console itself: no exception
    sheet = boss.get(f"/ops/batches/{batch_id}/labels")
    assert sheet.status_code == 200
    csp = directives(sheet.headers["Content-Security-Policy"])
    styles = re.findall(r"<style>(.*?)</style>", sheet.get_data(as_text=True), re.S)
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert csp["style-src"] == f"style-src 'self' 'sha256-{digest}'"
    for name in ("default-src", "script-src", "frame-ancestors", "base-uri", "form-action"):
        assert csp[name] == directives(security_headers.CSP)[name]
    assert sheet.headers["X-Frame-Options"] == "DENY"


INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "a <script> without src"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on...= handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_needs_an_inline_exception():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20
    found = []
    for template in templates:
        name = template.relative_to(TEMPLATES).as_posix()
        text = template.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            if pattern.search(text) and not (name in PRINTED and what == "a <style> element"):
                found.append(f"{name}: {what}")
    assert not found, "move these into static files (CSS classes, bff.js): " + "; ".join(found)


def test_the_grep_finds_what_it_looks_for():
    samples = ["<script>alert(1)</script>", '<div style="color:red">', '<a onclick="x()">',
               '<a href="javascript:x()">', "<style>a{}</style>"]
    for sample in samples:
        assert any(pattern.search(sample) for pattern, _ in INLINE), sample
    assert not any(pattern.search('<script src="/static/bff.js" defer></script>') for pattern, _ in INLINE)
