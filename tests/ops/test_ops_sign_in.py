"""Operators' sign-in: password, then a code texted to admins and support; field crews with the
password alone; sessions that end after inactivity; switched-off operators."""
from __future__ import annotations

import re

import pytest
from flask_login import current_user

from tests.support import PHONE
from tests.support.clock import FakeClock
from tests.support.ops import PASSWORD, PHONES, code_step, make_operator, ops_sign_in, password_step
from tests.support.pages import csrf_token
from tests.web.sign_in import sign_in


def _session_user(client, services):
    with client.session_transaction() as session:
        user_id = session.get("_user_id")
    live = services.sessions.check(user_id) if user_id else None
    return services.accounts.user(live.user_id) if live else None


def test_field_crew_signs_in_with_the_password_alone(client, services):
    make_operator(services, "crew", "field")
    page = client.get("/ops/login")
    assert 'type="password"' in page.text and 'autocomplete="current-password"' in page.text
    done = password_step(client, "Crew")
    assert done.status_code == 303 and done.headers["Location"] == "/ops/field"
    assert "remember_token" not in " ".join(done.headers.getlist("Set-Cookie"))  # not remembered
    assert _session_user(client, services).is_operator
    assert services.sms.outbox() == []


@pytest.mark.parametrize("role", ["admin", "support"])
def test_desk_roles_need_the_code_texted_to_their_phone(client, services, role):
    make_operator(services, "desk", role)
    first = password_step(client, "desk", next_path="/ops/claims")
    assert first.status_code == 303 and first.headers["Location"].startswith("/ops/login/code")
    assert _session_user(client, services) is None  # not signed in after the password alone
    assert client.get("/ops").status_code == 303
    code_page = client.get("/ops/login/code")
    assert "0182"[-4:] in code_page.text or PHONES[role][-4:] in code_page.text
    assert PHONES[role] not in code_page.text  # the number is shown masked
    done = code_step(client, services, PHONES[role])
    assert done.status_code == 303 and done.headers["Location"] == "/ops/claims"
    assert _session_user(client, services).ops_role == role


def test_a_wrong_second_factor_code_signs_nobody_in(client, services):
    make_operator(services, "desk", "support")
    password_step(client, "desk")
    sent = re.search(r"\b(\d{6})\b", services.sms.outbox(to=PHONES["support"])[0]["body"]).group(1)
    wrong = code_step(client, services, PHONES["support"], code=f"{(int(sent) + 1) % 10 ** 6:06d}")
    assert wrong.status_code == 400 and "That code is not right." in wrong.text
    assert _session_user(client, services) is None


def test_the_code_step_without_a_password_step_goes_back(client):
    assert client.get("/ops/login/code").headers["Location"].startswith("/ops/login")
    page = client.get("/ops/login")
    posted = client.post("/ops/login/code", data={"csrf_token": csrf_token(page), "code": "123456"})
    assert posted.status_code == 303 and posted.headers["Location"].startswith("/ops/login")


@pytest.mark.parametrize("login, password", [("crew", "wrong password"), ("nobody", PASSWORD)])
def test_operator_refused(client, services, login, password):
    make_operator(services, "crew", "field")
    page = password_step(client, login, password)
    assert page.status_code == 400 and "That login or password is not right." in page.text
    assert password not in page.text
    assert _session_user(client, services) is None


def test_a_switched_off_operator_cannot_sign_in_and_loses_rights(app, client, services):
    admin = make_operator(services, "boss", "admin")
    crew = make_operator(services, "crew", "field")
    signed_in = app.test_client()
    ops_sign_in(signed_in, services, "crew")
    assert signed_in.get("/ops/field").status_code == 200
    services.operators.switch_off(admin, crew.id)
    assert signed_in.get("/ops/field").status_code == 303  # back to the sign-in page
    assert password_step(client, "crew").status_code == 400


def test_operator_tries_capped(client, services):
    services.accounts.clock = FakeClock(start=1_699_923_600.0)  # 01:00 UTC: the window holds the test
    for _ in range(10):
        password_step(client, "alice", "wrong password")
    page = password_step(client, "alice", "wrong password")
    assert page.status_code == 429 and "Retry-After" in page.headers


def test_operator_rights_need_the_password(app, services):
    """An operator's phone signs in by code too, but with a customer's rights only."""
    @app.get("/test-whoami")
    def whoami():
        return "operator" if current_user.is_operator else "customer"

    services.operators.create(None, "alice", PASSWORD, role="admin", phone=PHONE)
    by_phone, by_password = app.test_client(), app.test_client()
    sign_in(by_phone, services)
    assert by_phone.get("/test-whoami").text == "customer"
    assert by_phone.get("/ops").status_code == 303
    ops_sign_in(by_password, services, "alice")
    assert by_password.get("/test-whoami").text == "operator"


@pytest.mark.app_settings(OPS_IDLE_MINUTES=30)
def test_an_idle_operator_session_ends(app, client, services, monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr("bff.web.login.clock", lambda: now[0])
    make_operator(services, "crew", "field")
    ops_sign_in(client, services, "crew")
    assert client.get("/ops/field").status_code == 200
    now[0] += 29 * 60
    assert client.get("/ops/field").status_code == 200  # activity keeps it alive
    now[0] += 31 * 60
    ended = client.get("/ops/field")
    assert ended.status_code == 303 and ended.headers["Location"].startswith("/ops/login")
    assert "without activity" in client.get(ended.headers["Location"]).text
    assert _session_user(client, services) is None
