"""The sign-in pages driven like a browser: ask for a code, read it from the outbox, send it."""
from __future__ import annotations

import re

from tests.support import PHONE
from tests.support.pages import csrf_token

NEXT = "/d/0123456789abcdef01234567?k=tag"


def read_code(services, phone=PHONE) -> str:
    """The code of the newest sign-in text to `phone`, read from the outbox."""
    return re.search(r"\b(\d{6})\b", services.sms.outbox(to=phone)[0]["body"]).group(1)


def ask_for_code(client, phone="(201) 555-0123", next_path=NEXT):
    """Open /login (with `next`) and send the phone form."""
    page = client.get("/login", query_string={"next": next_path} if next_path else None)
    data = {"csrf_token": csrf_token(page), "phone": phone}
    if next_path:
        data["next"] = next_path
    return client.post("/login", data=data)


def send_code(client, code, next_path=NEXT):
    """Open the code form and send `code`."""
    page = client.get("/login/code", query_string={"next": next_path} if next_path else None)
    data = {"csrf_token": csrf_token(page), "code": code}
    if next_path:
        data["next"] = next_path
    return client.post("/login/code", data=data)


def sign_in(client, services, next_path=NEXT):
    """The whole customer sign-in; returns the final redirect."""
    ask_for_code(client, next_path=next_path)
    return send_code(client, read_code(services), next_path=next_path)
