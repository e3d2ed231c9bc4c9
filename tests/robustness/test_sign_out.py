"""Signing out really signs out: the session is ended on the server, so copies of the old session
and remember cookies open nothing; "sign out everywhere" ends every browser's session; remember
tokens are new at every sign-in and expire."""
from __future__ import annotations

import pytest
from flask_login import current_user

from bff.accounts.sessions import WebSessions

from tests.support import PHONE
from tests.support.pages import csrf_token
from tests.web.sign_in import sign_in


@pytest.fixture
def whoami(app):
    @app.get("/test-whoami")
    def who():
        return str(current_user.id) if current_user.is_authenticated else "nobody"
    return "/test-whoami"


def cookies_of(client) -> dict:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token") if client.get_cookie(name)}


def browser_with(app, cookies: dict):
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def sign_out(client, path="/logout"):
    return client.post(path, data={"csrf_token": csrf_token(client.get("/"))})


def test_old_cookies_open_nothing_after_sign_out(app, client, services, whoami):
    sign_in(client, services)
    copied = cookies_of(client)
    assert set(copied) == {"session", "remember_token"}
    assert browser_with(app, copied).get(whoami).text != "nobody"
    assert sign_out(client).status_code == 303
    for kept in (copied, {"session": copied["session"]}, {"remember_token": copied["remember_token"]}):
        replay = browser_with(app, kept)
        assert replay.get(whoami).text == "nobody"
        assert replay.get("/devices").status_code == 303  # to the sign-in page


def test_sign_out_everywhere_ends_every_browser(app, services, whoami):
    phone_browser, laptop = app.test_client(), app.test_client()
    sign_in(phone_browser, services)
    sign_in(laptop, services)
    assert phone_browser.get(whoami).text == laptop.get(whoami).text != "nobody"
    done = sign_out(laptop, "/logout/everywhere")
    assert done.status_code == 303
    assert phone_browser.get(whoami).text == "nobody" and laptop.get(whoami).text == "nobody"


def test_remember_tokens_differ_at_every_sign_in(app, services):
    first, second = app.test_client(), app.test_client()
    sign_in(first, services)
    sign_in(second, services)
    assert first.get_cookie("remember_token").value != second.get_cookie("remember_token").value


def test_a_remembered_session_expires_on_the_server(app, services, store, whoami):
    client = app.test_client()
    sign_in(client, services)
    remember = client.get_cookie("remember_token").value
    store.db.execute("UPDATE web_sessions SET expires_at = 1")  # as if 30 days had passed
    assert browser_with(app, {"remember_token": remember}).get(whoami).text == "nobody"


def test_no_token_is_kept_readable_on_the_server(client, services, store):
    sign_in(client, services)
    held = client.get_cookie("remember_token").value
    token = held.split("|")[0].split(".", 1)[1] if "." in held else held
    rows = list(store.db.query("SELECT * FROM web_sessions"))
    assert rows and all(token not in str(row) for row in rows)


@pytest.mark.parametrize("held", ["1", "1.", ".abc", "x.abc", "1.not-a-token", "٢.abc", None, ""])
def test_forged_or_bare_session_ids_are_nobody(store, held):
    assert WebSessions(store).check(held) is None


def test_a_session_of_someone_else_is_not_taken_by_changing_the_id(store, person, other_person):
    held = WebSessions(store).start(person.id, method="phone", remember=False, ip=None)
    token = held.split(".", 1)[1]
    assert WebSessions(store).check(f"{other_person.id}.{token}") is None
    assert WebSessions(store).check(held).user_id == person.id


def test_the_account_page_offers_sign_out_everywhere(client, services):
    sign_in(client, services)
    page = client.get("/account")
    assert 'action="/logout/everywhere"' in page.text and "Sign out everywhere" in page.text
