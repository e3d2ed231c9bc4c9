"""The test Twilio account, and a local fake of the one Twilio REST call bff makes (create a message).

No test reaches Twilio: `FakeTwilio` is a tiny HTTP server on 127.0.0.1 that answers
`POST /2010-04-01/Accounts/<sid>/Messages.json` (with outages and delays on demand), and
`LocalTwilioHttpClient` points the real twilio client at it by rewriting https://api.twilio.com
to its address. `SMS_APP_SETTINGS` set a test app up as a deployment Twilio texts: the
`app_settings` mark of the SMS tests (tests/conftest.py, `app_factory`).
"""
from __future__ import annotations

import threading
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, jsonify, request
from twilio.http.http_client import TwilioHttpClient
from werkzeug.serving import make_server

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-twilio-auth-token-0123456789"  # the Twilio auth token of the test account
OUR_NUMBER = "+15005550006"  # bff's Twilio number
PUBLIC_URL = "https://bff.example.com"  # where Twilio posts (and what it signs) in the SMS tests

SMS_APP_SETTINGS = {
    "PUBLIC_URL": PUBLIC_URL,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    # generous, so a healthy sandbox always answers in time on a busy machine (the slow-cloud
    # tests set the short default themselves)
    "SMS_REPLY_DEADLINE": 10.0,
}


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
