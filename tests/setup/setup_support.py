"""Helpers of the Wi-Fi setup and API tests (tests/setup, tests/api).

- `SoftApSetup`: a setup app's side of the Photon SoftAP raw TCP protocol (docs/softap.md,
  "TCP framing" and "Public key and password"), written here from the protocol notes:
  `name\\nlength\\n\\nbody` per connection, the answer `\\n\\n` + JSON, then the device
  closes; the Wi-Fi password RSA PKCS#1 v1.5 encrypted with the device's public key (DER
  SubjectPublicKeyInfo after the device's hex), as hex.
- `OpenApiChecker`: every API response a test sees is checked against /api/v1/openapi.json
  (the status must be documented for the operation, the body must match its schema).
- `Clock`, `wait_until`: time the tests control, and polling for what happens in threads.
"""
from __future__ import annotations

import json
import re
import socket
import time
from dataclasses import dataclass

import jsonschema_rs
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from polling import wait_until  # noqa: F401  (re-exported for the setup tests)

PHONE = "+12015550123"
OTHER_PHONE = "+12015550124"
WAIT = 10.0  # seconds; a broken test fails after this, a working one never waits on it




class Clock:
    """A clock the test moves forward (the setup service's expiry and check times)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- the SoftAP protocol, as a setup app speaks it ------------------------------------------------


class SoftApSetup:
    """One Photon in listening mode, reached at (host, tcp_port) on loopback."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)

    def command(self, name: str, body: dict | None = None) -> dict:
        """Send one command on a fresh connection; the JSON answer (after the `\\n\\n` preamble)."""
        text = json.dumps(body, separators=(",", ":")) if body is not None else ""
        request = f"{name}\n{len(text)}\n\n{text}".encode()
        with socket.create_connection(self.address, timeout=WAIT) as connection:
            connection.sendall(request)
            answer = b""
            while chunk := connection.recv(4096):
                answer += chunk
        assert answer.startswith(b"\n\n"), f"{name}: no preamble in {answer[:40]!r}"
        return json.loads(answer[2:])

    def device_id(self) -> tuple[str, bool]:
        """(device ID in lower case, the device's claimed flag)."""
        answer = self.command("device-id")
        return answer["id"].lower(), answer["c"] == "1"

    def public_key(self):
        """The device's RSA key: DER SubjectPublicKeyInfo at the start of the hex, filler after."""
        raw = bytes.fromhex(self.command("public-key")["b"])
        length = 3 + raw[2]  # 30 81 xx: a sequence whose length takes one byte
        return serialization.load_der_public_key(raw[:length])

    def set_claim_code(self, code: str) -> dict:
        return self.command("set", {"k": "cc", "v": code})

    def configure(self, key, ssid: str, password: str) -> dict:
        """Give the Wi-Fi network, the password encrypted with the device key (as the apps do)."""
        network = next(n for n in self.command("scan-ap")["scans"] if n["ssid"] == ssid)
        pwd = key.encrypt(password.encode(), padding.PKCS1v15()).hex()
        return self.command("configure-ap", {"idx": 0, "ssid": ssid, "sec": network["sec"],
                                             "ch": network["ch"], "pwd": pwd})

    def connect(self) -> dict:
        return self.command("connect-ap", {"idx": 0})

    def run(self, claim_code: str | None, ssid: str, password: str) -> str:
        """The whole setup (no `set cc` when `claim_code` is None); returns the device ID."""
        device_id, _ = self.device_id()
        key = self.public_key()
        if claim_code is not None:
            assert self.set_claim_code(claim_code) == {"r": 0}
        assert self.configure(key, ssid, password) == {"r": 0}
        assert self.connect() == {"r": 0}
        return device_id


# -- OpenAPI -----------------------------------------------------------------------------------------


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
