"""Deep and malformed JSON on every route that takes a JSON body (issue 12, item 3).

The routes come from the app's URL map: every rule under /api/v1 that takes POST or PUT is in the
OpenAPI document, and those whose operation has a requestBody are the table's rows; field mode's
scanner view (`POST /ops/field/claims`, JSON from static/field.js) is the one JSON route outside
the API. Each gets every body below: always a 4xx in the one error shape, never a 500 or a
traceback, nothing logged as an error, and no row added or removed anywhere in the database.
"""
from __future__ import annotations

import json
import logging
import re

import pytest

from bff.api.openapi import openapi_document
from bff.web.json_body import MAX_DEPTH, nesting_depth

from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import csrf_token

DOCUMENT = openapi_document()
SOME_DEVICE = "0123456789abcdef01234567"
JSON = "application/json"

# (name, raw body, content type)
BODIES = [
    ("arrays 1000 deep", b"[" * 1000 + b"]" * 1000, JSON),
    ("objects 1000 deep", b'{"a":' * 1000 + b"1" + b"}" * 1000, JSON),
    ("a field 1000 deep", b'{"phone":' + b"[" * 1000 + b"]" * 1000 + b"}", JSON),
    ("33 deep", b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), JSON),
    ("2 KB array", json.dumps([1] * 700).encode(), JSON),
    ("2 MB object", json.dumps({"phone": "1" * 2_000_000}).encode(), JSON),
    ("not JSON", b"phone=+12015550123", JSON),
    ("truncated", b'{"phone": "+1201', JSON),
    ("NaN", b'{"device_id": NaN, "phone": NaN, "product": NaN}', JSON),
    ("Infinity", b'{"phone": -Infinity}', JSON),
    ("bare NaN", b"NaN", JSON),
    ("top-level array", b"[]", JSON),
    ("top-level string", b'"+12015550123"', JSON),
    ("top-level number", b"42", JSON),
    ("top-level null", b"null", JSON),
    ("wrong content type", b'{"phone": "+12015550123"}', "text/plain"),
    ("invalid UTF-8", b'{"phone": "\xff\xfe"}', JSON),
    ("a lone surrogate", b'{"phone": "\\ud800", "name": "\\udfff"}', JSON),
    ("a key twice", b'{"phone": "+12015550123", "phone": "+12015550124"}', JSON),
]


def _json_routes(app) -> list[tuple[str, str]]:
    """(method, OpenAPI path) of every API route that takes a JSON body; each POST/PUT rule of the
    URL map under /api/v1 is in the document."""
    found = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH"}):
            if path.startswith("/api/v1/"):
                operation = DOCUMENT["paths"][path][method.lower()]
                if "requestBody" in operation:
                    found.append((method, path))
    return sorted(found)


ROUTES = sorted((method, path) for path, item in DOCUMENT["paths"].items()
                for method, operation in ((m.upper(), o) for m, o in item.items()) if "requestBody" in operation)


def _null_fields(method: str, path: str) -> tuple[str, bytes, str]:
    """Every field of the operation's request schema, null."""
    name = DOCUMENT["paths"][path][method.lower()]["requestBody"]["content"][JSON]["schema"]["$ref"].split("/")[-1]
    properties = DOCUMENT["components"]["schemas"][name]["properties"]
    return ("null fields", json.dumps(dict.fromkeys(properties)).encode(), JSON)


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SOME_DEVICE if m.group(1) == "device_id" else "1", path)


def _row_counts(services) -> dict:
    db = services.store.db
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
    return {table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


def _problems(response, case: str) -> list[str]:
    """What is wrong with the answer to a malformed body (nothing: a 4xx in the one error shape)."""
    text = response.get_data(as_text=True)
    problems = []
    if not 400 <= response.status_code < 500:
        problems.append(f"{case}: status {response.status_code}")
    if "Traceback" in text or "File \"" in text:
        problems.append(f"{case}: a traceback in the body")
    body = response.get_json(silent=True)
    if not (isinstance(body, dict) and set(body) == {"error"}
            and set(body["error"]) == {"code", "message", "next_step"}):
        problems.append(f"{case}: not the one error shape: {text[:200]}")
    return problems


def _send_all(client, method: str, url: str, bodies, headers: dict, services, caplog) -> list[str]:
    before = _row_counts(services)
    problems = []
    with caplog.at_level(logging.INFO):
        for name, raw, content_type in bodies:
            response = client.open(url, method=method, data=raw, headers={**headers, "Content-Type": content_type})
            problems += _problems(response, f"{method} {url} {name}")
    problems += [f"{record.name}: {record.getMessage()}" for record in caplog.records
                 if record.levelno >= logging.ERROR]
    if _row_counts(services) != before:
        problems.append(f"{method} {url}: rows changed {before} -> {_row_counts(services)}")
    return problems


def test_the_table_is_every_api_route_with_a_json_body(app):
    assert _json_routes(app) == ROUTES
    assert len(ROUTES) >= 10


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_malformed_bodies_get_a_4xx_in_the_one_shape_and_change_nothing(api_client, services, caplog, method, path):
    headers = {"Authorization": f"Bearer {api_client.token}"}
    bodies = [*BODIES, _null_fields(method, path)]
    assert _send_all(api_client.client, method, _concrete(path), bodies, headers, services, caplog) == []


def test_unauthenticated_sign_in_code_refuses_deep_json_with_a_400(app, services, caplog):
    """The issue's case: 2 KB of `[` … `]`, no token at all."""
    response = app.test_client().post("/api/v1/sign-in/code", data=b"[" * 1000 + b"]" * 1000,
                                      headers={"Content-Type": JSON})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
    assert "nested more than 32 levels" in response.get_json()["error"]["message"]


def test_field_mode_refuses_malformed_scans_too(app, services, caplog):
    make_operator(services, "crew", "field")
    crew = app.test_client()
    ops_sign_in(crew, services, "crew")
    page = crew.get("/ops/field?change=1")
    crew.post("/ops/field/for", data={"csrf_token": csrf_token(page), "for": "staging"})
    headers = {"Accept": JSON, "X-CSRFToken": csrf_token(crew.get("/ops/field"))}
    assert _send_all(crew, "POST", "/ops/field/claims", BODIES, headers, services, caplog) == []


@pytest.mark.parametrize(("text", "depth"), [
    ("{}", 1), ('{"a": [1, {"b": []}]}', 4), ('{"a": "[[[[{{{{"}', 1), ('{"a": "\\"[[[["}', 1),
    ("[" * 5000 + "]" * 5000, 5000), ("", 0),
])
def test_nesting_is_measured_without_recursion(text, depth):
    assert nesting_depth(text) == depth
