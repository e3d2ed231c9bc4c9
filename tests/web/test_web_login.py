"""The sign-in pages with the Flask test client: phone -> code from the outbox -> signed in; CSRF on."""
from __future__ import annotations

import logging
import re

from flask_login import login_required

from tests.support import PHONE
from tests.support.clock import FakeClock
from tests.support.pages import csrf_token
from tests.web.sign_in import NEXT, ask_for_code, read_code, send_code, sign_in


def test_phone_form(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.text
    assert "Your phone number" in html and "Text me a code" in html
    phone_input = re.search(r"<input id=\"phone\"[^>]*>", html, re.S).group()
    for attribute in ('type="tel"', 'autocomplete="tel"', 'inputmode="tel"', "required"):
        assert attribute in phone_input
    assert 'class="button' in html and 'class="field"' in html and 'class="hint"' in html
    assert "<script" not in html.split("</header>")[1]  # the form needs no JavaScript


def test_full_sign_in(client, services):
    sent = ask_for_code(client)
    assert sent.status_code == 303
    assert sent.headers["Location"].startswith("/login/code?next=")
    code_page = client.get(sent.headers["Location"])
    assert code_page.status_code == 200 and "+1 201-555-0123" in code_page.text
    code_input = re.search(r"<input id=\"code\"[^>]*>", code_page.text, re.S).group()
    assert 'inputmode="numeric"' in code_input and 'autocomplete="one-time-code"' in code_input
    assert "Send a new code" in code_page.text and "Use another number" in code_page.text
    code = read_code(services)
    assert code not in code_page.text
    done = send_code(client, code)
    assert done.status_code == 303 and done.headers["Location"] == NEXT
    assert code not in done.headers["Location"]
    assert client.get("/login").headers["Location"] == "/devices"  # signed in now


def test_default_destination(client, services):
    assert sign_in(client, services, next_path=None).headers["Location"] == "/devices"


def test_signed_in_user_is_the_phone_owner(app, client, services):
    sign_in(client, services)
    with client.session_transaction() as session:
        user_id = services.sessions.check(session["_user_id"]).user_id
        assert "sign_in_phone" not in session
    assert services.accounts.user(user_id).phone == PHONE


def test_invalid_phone(client, services):
    page = ask_for_code(client, phone="12")
    assert page.status_code == 400
    assert "That phone number does not look right." in page.text and "+1 201 555 0123" in page.text
    assert 'value="12"' in page.text  # what was typed stays, to fix it
    assert services.sms.outbox() == []


def test_wrong_code(client, services):
    ask_for_code(client)
    code = read_code(services)
    page = send_code(client, f"{(int(code) + 1) % 10**6:06d}")
    assert page.status_code == 400
    assert "That code is not right." in page.text and "4 more tries" in page.text
    assert client.get("/login").status_code == 200  # still not signed in
    assert send_code(client, code).status_code == 303


def test_expired_code(client, services, monkeypatch):
    ask_for_code(client)
    code = read_code(services)
    monkeypatch.setattr(services.accounts, "clock", lambda: 4_000_000_000.0)
    page = send_code(client, code)
    assert page.status_code == 400 and "too old" in page.text


def test_too_many_codes(client, services):
    services.accounts.clock = FakeClock(start=1_699_923_600.0)  # 01:00 UTC: the window holds the test
    for _ in range(3):
        assert ask_for_code(client).status_code == 303
    page = ask_for_code(client)
    assert page.status_code == 429
    assert 0 < int(page.headers["Retry-After"]) <= 900
    assert "too many codes" in page.text and "wait" in page.text
    assert len(services.sms.outbox()) == 3


def test_send_a_new_code(client, services):
    ask_for_code(client)
    old = read_code(services)
    page = client.get("/login/code")
    resent = client.post("/login/resend", data={"csrf_token": csrf_token(page), "next": NEXT})
    assert resent.status_code == 303 and resent.headers["Location"].startswith("/login/code")
    assert "We sent you a new code" in client.get(resent.headers["Location"]).text
    new = read_code(services)
    assert len(services.sms.outbox()) == 2
    if new != old:
        assert send_code(client, old).status_code == 400
    assert send_code(client, new).headers["Location"] == NEXT


def test_code_page_needs_a_phone_first(client):
    assert client.get("/login/code?next=/devices").headers["Location"] == "/login?next=/devices"


def test_use_another_number(client, services):
    ask_for_code(client)
    page = client.get("/login/code")
    link = re.search(r'<a href="([^"]+)">Use another number', page.text).group(1)
    assert link.startswith("/login")
    assert "Your phone number" in client.get(link).text


def test_protected_page_sends_to_sign_in_and_back(app, services):
    @app.get("/test-protected")
    @login_required
    def protected():
        return "secret page"

    client = app.test_client()
    first = client.get("/test-protected?x=1")
    assert first.status_code == 303  # See Other, like every redirect to the sign-in page
    assert first.headers["Location"] == "/login?next=/test-protected?x%3D1"
    assert sign_in(client, services, next_path="/test-protected?x=1").headers["Location"] == \
        "/test-protected?x=1"
    assert client.get("/test-protected").text == "secret page"


def test_no_code_in_the_logs(client, services, caplog):
    caplog.set_level(logging.DEBUG)
    sign_in(client, services)
    code = read_code(services)
    assert code not in caplog.text


# -- CSRF -----------------------------------------------------------------------------------------


def test_csrf_on_phone_form(client, services):
    client.get("/login")
    page = client.post("/login", data={"phone": PHONE})
    assert page.status_code == 400 and "Please try again" in page.text
    assert services.sms.outbox() == []
    assert client.post("/login", data={"phone": PHONE, "csrf_token": "forged"}).status_code == 400


def test_csrf_on_code_form(client, services):
    ask_for_code(client)
    assert client.post("/login/code", data={"code": read_code(services)}).status_code == 400
    assert client.get("/login").status_code == 200  # not signed in


def test_csrf_on_resend_and_ops(client, services):
    ask_for_code(client)
    assert client.post("/login/resend", data={}).status_code == 400
    assert client.post("/ops/login", data={"login": "a", "password": "b"}).status_code == 400
    assert len(services.sms.outbox()) == 1


def test_logout(client, services):
    sign_in(client, services)
    token = csrf_token(client.get("/ops/login"))  # any page with a form of this session
    assert client.post("/logout").status_code == 400  # no token: still signed in
    assert client.get("/login").status_code == 303
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["Location"] == "/"
    assert client.get("/login").status_code == 200
    assert client.get_cookie("remember_token") is None or client.get_cookie("remember_token").value == ""


def test_logout_is_post_only(client):
    assert client.get("/logout").status_code == 405


# -- cookies --------------------------------------------------------------------------------------


def cookie_headers(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_cookie_flags_over_http(client, services):
    ask_for_code(client)
    done = send_code(client, read_code(services))
    cookies = cookie_headers(done)
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]
        assert "Secure" not in cookies[name]  # plain http (local): the browser must still send them


def test_cookie_flags_behind_https(app_factory):
    app = app_factory(PUBLIC_URL="https://claim.example.com")
    from bff.wiring import get_services

    services = get_services(app)
    client = app.test_client()
    base = "https://claim.example.com"
    page = client.get("/login", base_url=base)
    client.post("/login", base_url=base, headers={"Referer": f"{base}/login"},
                data={"csrf_token": csrf_token(page), "phone": PHONE})
    page = client.get("/login/code", base_url=base)
    done = client.post("/login/code", base_url=base, headers={"Referer": f"{base}/login/code"},
                       data={"csrf_token": csrf_token(page), "code": read_code(services)})
    assert done.status_code == 303
    cookies = cookie_headers(done)
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name] and "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]


def test_remember_cookie_brings_a_customer_back(app, services):
    from flask_login import current_user

    @app.get("/test-whoami")
    def whoami():
        return str(current_user.id) if current_user.is_authenticated else "nobody"

    client = app.test_client()
    sign_in(client, services)
    remember = client.get_cookie("remember_token").value
    fresh = app.test_client()  # the browser was closed: only the remember cookie is left
    fresh.set_cookie("remember_token", remember)
    assert fresh.get("/test-whoami").text == str(services.accounts.user_for_phone(PHONE).id)
