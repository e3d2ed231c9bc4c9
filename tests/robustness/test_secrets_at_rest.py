"""Secrets at rest (issue 12, item 2): a full run through the app, then a scan for every secret it made.

The run, with Twilio set up (a local fake) and in sandbox mode (texts kept in the console's outbox):
sign-in by phone on the web and by the JSON API, a claim on the web, SMS CLAIM, SMS CODE (a Wi-Fi
claim code) and a redelivery of that same MessageSid, the Wi-Fi setup page, a claim code by the API,
an operator's sign-in with the texted second factor, and (sandbox mode) the console's outbox.

The secrets it made: every Particle access and refresh token the sandbox cloud handed out (the
token cache, opened with the key, holds some of them), every sign-in code texted, every claim code
minted, the API bearer tokens, the browser session and remember tokens, BFF_SECRET_KEY,
BFF_LABEL_KEY, BFF_TOKEN_KEY, the products' client secrets and Twilio's auth token.

Scanned for each of them: the database file and its WAL as raw bytes, every log record (the JSON line
bff writes and the record's arguments), every response body and every Set-Cookie of the run (raw,
and the session cookie's payload decoded). A secret may appear only where it is handed to its owner:
a claim code in the reply that hands it out (API, setup page, the TwiML reply and its redelivery),
an API token in the sign-in reply, a session token in its cookie; and in sandbox mode, where the
outbox IS the phone, the sign-in codes in the kept texts and the console's outbox (allowed here
explicitly, as issue 12 allows it).
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import pytest

from bff.logs import JsonFormatter
from bff.sms.webhook import webhook_auth_token
from bff.wiring import get_services

from tests.sms.sms_support import TwilioPhone, new_sid
from tests.support import OTHER_PHONE, PHONE
from tests.support.fake_twilio import AUTH_TOKEN, OUR_NUMBER, SMS_APP_SETTINGS, LocalTwilioHttpClient
from tests.support.ops import code_step, make_operator, password_step
from tests.support.pages import claim, csrf_token

CODE_DIGITS = re.compile(r"\b(\d{6})\b")
HANDS_OUT_CLAIM_CODES = re.compile(r"(POST /api/v1/claim-codes|GET /setup/codes/\d+|POST /sms)$")


@dataclass
class Seen:
    """One response of the run."""

    what: str  # "METHOD /path"
    body: bytes
    cookies: list[str]


class Recorder:
    """WSGI middleware around the app: every response's body and Set-Cookie headers."""

    def __init__(self, app) -> None:
        self.inner, self.seen = app.wsgi_app, []
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        headers = []

        def start(status, response_headers, exc_info=None):
            headers.extend(response_headers)
            return start_response(status, response_headers, exc_info)

        result = self.inner(environ, start)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        cookies = [value for name, value in headers if name.lower() == "set-cookie"]
        self.seen.append(Seen(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}", body, cookies))
        return [body]


@dataclass
class Secret:
    value: str
    kind: str
    allowed: set[str] = field(default_factory=set)  # places it may be: "db", "cookie", "response:<what>"


class Run:
    """One full run through the app in `mode` ("twilio" or "sandbox")."""

    def __init__(self, app, mode: str, fake_twilio) -> None:
        self.app, self.mode, self.fake_twilio = app, mode, fake_twilio
        self.services = get_services(app)
        if mode == "twilio":
            self.services.sms._http_client = LocalTwilioHttpClient(fake_twilio.base_url)
        self.recorder = Recorder(app)
        self.phone = TwilioPhone(app.test_client(), webhook_auth_token(app))
        self.api_tokens: list[str] = []
        self.sms_replies: list[str] = []

    def texts_to(self, phone: str) -> list[str]:
        """Every text bff sent to the phone, newest first (from Twilio, or the sandbox's outbox)."""
        if self.mode == "twilio":
            return [m["Body"] for m in reversed(self.fake_twilio.received) if m["To"] == phone]
        return [m["body"] for m in self.services.sms.outbox(to=phone)]

    def last_code(self, phone: str) -> str:
        return CODE_DIGITS.search(self.texts_to(phone)[0]).group(1)

    # -- the flows ----------------------------------------------------------------------------------

    def web_sign_in(self, phone: str):
        browser = self.app.test_client()
        sent = browser.post("/login", data={"csrf_token": csrf_token(browser.get("/login")), "phone": phone})
        assert sent.status_code == 303
        form = browser.get("/login/code")
        done = browser.post("/login/code", data={"csrf_token": csrf_token(form), "code": self.last_code(phone)})
        assert done.status_code == 303 and browser.get("/devices").status_code == 200
        return browser

    def api_sign_in(self, phone: str) -> str:
        api = self.app.test_client()
        assert api.post("/api/v1/sign-in/code", json={"phone": phone}).status_code in (200, 202)
        signed_in = api.post("/api/v1/sign-in", json={"phone": phone, "code": self.last_code(phone)})
        assert signed_in.status_code == 201, signed_in.get_json()
        self.api_tokens.append(signed_in.get_json()["token"])
        return self.api_tokens[-1]

    def sms(self, body: str, *, sid: str | None = None) -> str:
        reply = self.phone.text(body, sid=sid)
        assert reply.status == 200
        self.sms_replies.append(reply.text)
        return reply.text

    def setup_page(self, browser) -> str:
        start = browser.get("/setup?new=1")
        made = browser.post("/setup/codes", data={"csrf_token": csrf_token(start), "product": "sandbox-photon"})
        assert made.status_code == 303
        return browser.get(made.headers["Location"]).get_data(as_text=True)

    def api_claim_code(self, token: str) -> str:
        made = self.app.test_client().post("/api/v1/claim-codes", json={"product": "sandbox-photon"},
                                           headers={"Authorization": f"Bearer {token}"})
        assert made.status_code == 201, made.get_json()
        return made.get_json()["claim_code"]

    def operator_sign_in(self) -> None:
        operator = make_operator(self.services, "alex", "admin")
        browser = self.app.test_client()
        assert password_step(browser, "alex").status_code == 303
        done = code_step(browser, self.services, operator.phone, code=self.last_code(operator.phone))
        assert done.status_code == 303 and browser.get("/ops").status_code == 200


def full_run(run: Run, control, electron) -> None:
    first, second = (device["id"] for device in control.demo_devices(electron["id"], online=True)[:2])
    browser = run.web_sign_in(PHONE)
    token = run.api_sign_in(OTHER_PHONE)
    assert claim(browser, first).status_code in (200, 303)
    assert run.sms(f"CLAIM {run.services.devices.find(second).label_code}")
    sid = new_sid()
    code_reply = run.sms("CODE", sid=sid)
    assert code_reply.startswith("Wi-Fi setup code")
    assert run.sms("CODE", sid=sid) == code_reply  # Twilio redelivers: the very same reply
    page = run.setup_page(browser)
    assert run.api_claim_code(token) and 'class="setup-code"' in page
    run.operator_sign_in()
    if run.mode == "sandbox":
        assert run.app.test_client().get("/console/outbox.json").status_code == 200


# -- what the run made ---------------------------------------------------------------------------------


def secrets_of(run: Run, sandbox, control, demo, sandbox_mode: bool) -> list[Secret]:
    app = run.app
    found = [Secret(t.access_token, "particle token") for t in sandbox.store.state.tokens.values()]
    found += [Secret(t.refresh_token, "particle refresh token") for t in sandbox.store.state.tokens.values()
              if t.refresh_token]
    found += [Secret(code["code"], "claim code", {"response"}) for code in control.state()["claim_codes"]]
    phones = {m["to"] for m in run.services.sms.outbox(limit=500)}
    codes = {c for phone in phones for text in run.texts_to(phone) if "code" in text
             for c in CODE_DIGITS.findall(text)}
    allowed = {"db", "console"} if sandbox_mode else set()
    found += [Secret(code, "sign-in code", set(allowed)) for code in codes]
    found += [Secret(token, "API token", {"api-sign-in"}) for token in run.api_tokens]
    found += [Secret(value, "session token", {"cookie"}) for value in session_tokens(run)]
    token_keys = re.split(r"[\s,]+", app.config.get("TOKEN_KEY") or "")
    keys = [app.config["SECRET_KEY"], app.config["LABEL_KEY"], *token_keys, AUTH_TOKEN]
    found += [Secret(key, "key") for key in keys if key]
    found += [Secret(product["client_secret"], "client secret") for product in demo["products"]]
    return found


def session_tokens(run: Run) -> set[str]:
    """The browser session tokens (in the session cookie's `_user_id`) and remember tokens."""
    tokens = set()
    for seen in run.recorder.seen:
        for name, value in cookie_pairs(seen.cookies):
            payload = session_payload(run.app, name, value)
            if payload and payload.get("_user_id"):
                tokens.add(payload["_user_id"])
            elif name == "remember_token" and value:
                tokens.add(value)
    return tokens


def cookie_pairs(headers: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for header in headers:
        cookie = SimpleCookie()
        cookie.load(header)
        pairs += [(name, morsel.value) for name, morsel in cookie.items()]
    return pairs


def session_payload(app, name: str, value: str) -> dict | None:
    if name != app.config["SESSION_COOKIE_NAME"] or not value:
        return None
    return app.session_interface.get_signing_serializer(app).loads(value)


# -- where to look -------------------------------------------------------------------------------------


def places(run: Run, tmp_path, caplog) -> list[tuple[str, set[str], bytes]]:
    """(where, what may be there, bytes) for every place the scan looks."""
    database = tmp_path / "bff.sqlite3"
    wal = tmp_path / "bff.sqlite3-wal"
    found = [("database file", {"db"}, database.read_bytes()),
             ("database WAL", {"db"}, wal.read_bytes() if wal.exists() else b"")]
    formatter = JsonFormatter()
    logs = "\n".join(formatter.format(record) + repr(record.args) for record in caplog.records)
    found.append(("logs", set(), logs.encode()))
    for index, seen in enumerate(run.recorder.seen):
        may = response_allowances(seen.what)
        found.append((f"response {index} {seen.what}", may, seen.body))
        for name, value in cookie_pairs(seen.cookies):
            payload = session_payload(run.app, name, value)
            decoded = json.dumps(payload) if payload else ""
            found.append((f"cookie {name} of {seen.what}", {"cookie"}, (value + decoded).encode()))
    return found


def response_allowances(what: str) -> set[str]:
    may = set()
    if HANDS_OUT_CLAIM_CODES.search(what):
        may.add("response")
    if what == "POST /api/v1/sign-in":
        may.add("api-sign-in")
    if what.split(" ", 1)[1].startswith("/console"):
        may.add("console")
    return may


def occurs(secret: Secret, data: bytes) -> bool:
    value = secret.value.encode()
    if secret.kind == "sign-in code":  # six digits: not inside a longer number (a phone, a time)
        return re.search(rb"(?<!\d)" + value + rb"(?!\d)", data) is not None
    return value in data


# -- the test ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["twilio", "sandbox"])
def test_no_secret_of_a_full_run_is_kept_logged_or_shown(mode, app_factory, fake_twilio, sandbox, control,
                                                          demo, electron, photon, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    settings = dict(SMS_APP_SETTINGS, **({"TWILIO_FROM": OUR_NUMBER} if mode == "twilio" else {}))
    run = Run(app_factory(**settings), mode, fake_twilio)
    assert run.services.sms.configured == (mode == "twilio")

    full_run(run, control, electron)

    secrets = secrets_of(run, sandbox, control, demo, sandbox_mode=mode == "sandbox")
    kinds = {kind: sum(s.kind == kind for s in secrets) for kind in {s.kind for s in secrets}}
    assert kinds["sign-in code"] >= 3 and kinds["claim code"] >= 3 and kinds["particle token"] >= 3, kinds
    assert kinds["session token"] >= 1 and kinds["API token"] == 1, kinds
    cached = run.services.particle.product_token("sandbox-electron")  # the cached one, opened with the key
    assert cached in {s.value for s in secrets if s.kind == "particle token"}
    leaks = [f"{secret.kind} {secret.value[:6]}... in {where}"
             for where, may, data in places(run, tmp_path, caplog)
             for secret in secrets if not (secret.allowed & may) and occurs(secret, data)]
    assert not leaks, "\n".join(leaks)
