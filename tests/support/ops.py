"""Signing an operator in to the console as a browser does: password, then (admins and support) the
code texted to their phone, read from the SMS outbox."""
from __future__ import annotations

import re

from tests.support.pages import csrf_token

PASSWORD = "correct horse battery"
PHONES = {"admin": "+12015550181", "support": "+12015550182", "field": None}


def password_step(client, login: str, password: str = PASSWORD, next_path: str | None = None):
    page = client.get("/ops/login")
    data = {"csrf_token": csrf_token(page), "login": login, "password": password}
    if next_path:
        data["next"] = next_path
    return client.post("/ops/login", data=data)


def code_step(client, services, phone: str, *, code: str | None = None):
    if code is None:
        text = services.sms.outbox(to=phone)[0]["body"]
        code = re.search(r"\b(\d{6})\b", text).group(1)
    page = client.get("/ops/login/code")
    return client.post("/ops/login/code", data={"csrf_token": csrf_token(page), "code": code})


def ops_sign_in(client, services, login: str, password: str = PASSWORD, next_path: str | None = None):
    """Both steps; returns the last response (a 303 into the console)."""
    done = password_step(client, login, password, next_path)
    operator = services.accounts.store.user_by_login(login.strip().casefold())
    if done.status_code == 303 and done.headers["Location"].startswith("/ops/login/code"):
        done = code_step(client, services, operator["phone"])
    assert done.status_code == 303, done.get_data(as_text=True)
    return done


def make_operator(services, login: str, role: str, phone: str | None = "default"):
    """An operator of `role` (admins and support get a phone of their own)."""
    phone = PHONES[role] if phone == "default" else phone
    return services.operators.create(None, login, PASSWORD, role=role, phone=phone)
