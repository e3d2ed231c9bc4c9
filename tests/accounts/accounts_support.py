"""Helpers of the accounts tests: a hand-moved clock, a local fake Twilio, form and sign-in helpers.

No test reaches Twilio: `FakeTwilio` is a tiny HTTP server on 127.0.0.1 that answers the one
Twilio REST call bff makes (create a message), and `LocalTwilioHttpClient` points the real Twilio
client at it by rewriting https://api.twilio.com to its address.
"""
from __future__ import annotations

import re
import threading
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from flask import Flask, jsonify, request
from twilio.http.http_client import TwilioHttpClient
from werkzeug.serving import make_server

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+12015550100"
PHONE = "+12015550123"
START = 1_800_000_000.0 - 1_800_000_000.0 % 86400 + 3600  # 01:00 UTC: daily windows start at midnight


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeTwilio:
    """Twilio's `POST /2010-04-01/Accounts/<sid>/Messages.json` on loopback, with outages on demand."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.failures: list[tuple[int, int]] = []  # (HTTP status, Twilio error code), one per request
        self.delay = 0.0
        self.lock = threading.Lock()
        self.app = Flask("fake_twilio")
        self.app.add_url_rule("/2010-04-01/Accounts/<sid>/Messages.json", "create",
                              self._create, methods=["POST"])

    def start(self) -> "FakeTwilio":
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def reset(self) -> None:
        self.received.clear()
        self.failures.clear()
        self.delay = 0.0

    def fail_next(self, status: int, code: int, times: int = 1) -> None:
        self.failures.extend([(status, code)] * times)

    def _create(self, sid: str):
        time.sleep(self.delay)
        auth = request.authorization
        if not auth or auth.username != sid or auth.password != AUTH_TOKEN:
            return jsonify(code=20003, message="Authenticate", status=401), 401
        with self.lock:
            self.received.append(dict(request.form))
            failure = self.failures.pop(0) if self.failures else None
        if failure:
            status, code = failure
            return jsonify(code=code, message=f"fake failure {code}", status=status), status
        return jsonify(sid="SM" + uuid.uuid4().hex, status="queued", account_sid=sid,
                       to=request.form["To"], body=request.form["Body"], num_segments="1",
                       **{"from": request.form["From"]}), 201


class LocalTwilioHttpClient(TwilioHttpClient):
    """The real Twilio HTTP client, sent to a local base URL instead of https://api.twilio.com."""

    def __init__(self, base_url: str, **kwargs) -> None:
        kwargs.setdefault("timeout", 5)
        super().__init__(**kwargs)
        self._base = urlsplit(base_url)

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        local = urlunsplit((self._base.scheme, self._base.netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, local, *args, **kwargs)


def form_token(html: str) -> str:
    """The CSRF token of the (first) form in a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def cheap_hasher() -> PasswordHasher:
    """argon2id with the cheapest parameters, so the tests stay fast on 2 cores."""
    return PasswordHasher.from_parameters(CHEAPEST)


# -- the sign-in pages, driven like a browser ------------------------------------------------------

NEXT = "/d/0123456789abcdef01234567?k=tag"


def read_code(services, phone=PHONE) -> str:
    """The code of the newest sign-in text to `phone`, read from the outbox."""
    return re.search(r"\b(\d{6})\b", services.sms.outbox(to=phone)[0]["body"]).group(1)


def ask_for_code(client, phone="(201) 555-0123", next_path=NEXT):
    """Open /login (with `next`) and send the phone form."""
    page = client.get("/login", query_string={"next": next_path} if next_path else None)
    data = {"csrf_token": form_token(page.text), "phone": phone}
    if next_path:
        data["next"] = next_path
    return client.post("/login", data=data)


def send_code(client, code, next_path=NEXT):
    """Open the code form and send `code`."""
    page = client.get("/login/code", query_string={"next": next_path} if next_path else None)
    data = {"csrf_token": form_token(page.text), "code": code}
    if next_path:
        data["next"] = next_path
    return client.post("/login/code", data=data)


def sign_in(client, services, next_path=NEXT):
    """The whole customer sign-in; returns the final redirect."""
    ask_for_code(client, next_path=next_path)
    return send_code(client, read_code(services), next_path=next_path)
