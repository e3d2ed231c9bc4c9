"""The JSON API as a setup app uses it: an `ApiClient` (the Flask test client with a bearer token)
whose every reply is checked against /api/v1/openapi.json by an `OpenApiChecker` (the status must
be documented for the operation, the body must match its schema), and the phone sign-in for a token.
"""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass

import jsonschema_rs

from tests.support import LABEL_KEY


@dataclass
class _Operation:
    pattern: re.Pattern
    template: str
    method: str
    responses: dict


class OpenApiChecker:
    """Checks real responses against the API's own OpenAPI document."""

    def __init__(self, document: dict) -> None:
        self.document = document
        self.operations = [
            _Operation(_path_pattern(template), template, method, spec["responses"])
            for template, item in document["paths"].items() for method, spec in item.items()
        ]
        self.checked: set[tuple[str, str, str]] = set()  # (method, template, status) seen

    def operation(self, method: str, path: str) -> _Operation | None:
        path = path.split("?")[0]
        for operation in self.operations:
            if operation.method == method.lower() and operation.pattern.fullmatch(path):
                return operation
        return None

    def check(self, method: str, path: str, response) -> None:
        """Fail unless the status is documented for the operation and the body matches."""
        operation = self.operation(method, path)
        assert operation is not None, f"{method} {path} is not in openapi.json"
        status = str(response.status_code)
        spec = operation.responses.get(status)
        assert spec is not None, f"{method} {operation.template}: status {status} is not documented"
        schema = spec["content"]["application/json"]["schema"]
        assert response.mimetype == "application/json", f"{method} {path}: {response.mimetype}"
        body = response.get_json()
        validator = jsonschema_rs.Draft202012Validator(
            {**schema, "components": self.document["components"]}, validate_formats=True)
        errors = [str(error) for error in validator.iter_errors(body)]
        assert not errors, f"{method} {path} {status}: {errors} in {body}"
        self.checked.add((method.lower(), operation.template, status))


def _path_pattern(template: str) -> re.Pattern:
    """`/a/{id}/b` as a pattern matching `/a/12/b`."""
    parts = re.split(r"\{[^/]+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


class ApiClient:
    """The Flask test client for /api/v1, with a bearer token, checking every reply."""

    def __init__(self, client, checker: OpenApiChecker, token: str | None = None) -> None:
        self.client = client
        self.checker = checker
        self.token = token

    def call(self, method: str, path: str, body=None, *, token: str | None = None, check: bool = True,
             **options):
        headers = dict(options.pop("headers", {}))
        bearer = token if token is not None else self.token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        if body is not None:
            options["json"] = body
        response = self.client.open(path, method=method, headers=headers, **options)
        if check:
            self.checker.check(method, path, response)
        return response

    def get(self, path: str, **options):
        return self.call("GET", path, **options)

    def post(self, path: str, body=None, **options):
        return self.call("POST", path, body, **options)

    def put(self, path: str, body=None, **options):
        return self.call("PUT", path, body, **options)

    def delete(self, path: str, **options):
        return self.call("DELETE", path, **options)


def sign_in_by_api(api: ApiClient, sms, phone: str, name: str | None = None) -> str:
    """The JSON sign-in: ask for a code, read it from the SMS outbox, trade it for a token."""
    sent = api.post("/api/v1/sign-in/code", {"phone": phone}, token="")
    assert sent.status_code == 202, sent.get_json()
    text = sms.outbox(to=sent.get_json()["phone"])[0]["body"]
    code = re.search(r"\b(\d{6})\b", text).group(1)
    body = {"phone": phone, "code": code, **({"name": name} if name else {})}
    signed_in = api.post("/api/v1/sign-in", body, token="")
    assert signed_in.status_code == 201, signed_in.get_json()
    return signed_in.get_json()["token"]


@contextmanager
def api_with_deadline(app_factory, checker: OpenApiChecker, deadline: float, phone: str):
    """An ApiClient signed in as `phone` on an app whose `POST /api/v1/claims` waits at most
    `deadline` seconds for the cloud (`.app`, `.services` at hand); its claim runs end with it."""
    from bff.api.claim_runs import EXTENSION
    from bff.wiring import get_services

    app = app_factory(API_REPLY_DEADLINE=deadline)
    client = ApiClient(app.test_client(), checker)
    client.app, client.services = app, get_services(app)
    client.token = sign_in_by_api(client, client.services.sms, phone)
    yield client
    runs = app.extensions.get(EXTENSION)
    if runs is not None:
        runs.close(wait=True)


def timed_claim(api: ApiClient, device_id: str, label_key: str = LABEL_KEY):
    """`POST /api/v1/claims` with the device's QR tag: (the response, seconds it took)."""
    from bff import labels

    started = time.monotonic()
    response = api.post("/api/v1/claims", {"device_id": device_id, "tag": labels.qr_tag(label_key, device_id)})
    return response, time.monotonic() - started
