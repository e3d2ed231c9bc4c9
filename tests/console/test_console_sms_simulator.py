"""The sandbox console's phone-SMS simulator: signed texts to /sms, the reply, later texts; no JS."""
from __future__ import annotations

import re
from html import unescape

import pytest

from bff.sms import texts
from bff.wiring import get_services

from tests.support import PHONE
from tests.support.fake_twilio import SMS_APP_SETTINGS

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS)


def page_text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def form_token(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def send(client, body: str, phone: str = PHONE, *, follow: bool = True):
    page = client.get("/console")
    return client.post("/console/sms", data={"csrf_token": form_token(page), "phone": phone, "body": body},
                       follow_redirects=follow)


def conversation_block(response) -> str:
    html = response.get_data(as_text=True)
    return unescape(re.search(r'id="phone".*?</section>', html, re.DOTALL).group(0))


def test_the_console_has_the_simulator_form(client):
    html = client.get("/console").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/console/sms".*?</form>', html, re.DOTALL).group(0)
    assert 'name="csrf_token"' in form and 'name="phone"' in form and 'name="body"' in form
    assert f'value="{PHONE}"' in form  # a pretend phone to start with


def test_a_text_goes_through_the_signed_webhook_and_the_reply_shows(client, services):
    response = send(client, "MENU", follow=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/console?phone=%2B{PHONE[1:]}#phone")
    row = services.store.inbound_messages(from_phone=PHONE)[0]  # it reached /sms (signature checked)
    assert (row["body"], row["reply"], row["status"]) == ("MENU", texts.MENU, "replied")
    block = conversation_block(client.get(response.headers["Location"]))
    assert "MENU" in block and texts.MENU in block


def test_the_simulator_cannot_skip_the_signature(app, client, services, monkeypatch):
    """If the simulator signed with the wrong key, /sms would refuse it (there is no bypass)."""
    from bff.console import sms_simulator

    monkeypatch.setattr(sms_simulator, "webhook_auth_token", lambda app: "wrong-token")
    response = send(client, "MENU")
    assert "was not taken" in page_text(response) and "403" in page_text(response)
    assert services.store.inbound_messages() == []


def test_the_simulator_works_with_the_sandbox_dev_token(app_factory):
    app = app_factory(TWILIO_AUTH_TOKEN=None)
    client = app.test_client()
    send(client, "STATUS")
    assert get_services(app).store.inbound_messages()[0]["reply"] == texts.STATUS_NONE


def test_a_claim_by_text_and_the_later_text_show_up(client, services, control, offline_device, electron):
    code = services.devices.find(offline_device).label_code
    name = control.device(offline_device)["name"]
    first = send(client, f"claim {code}")
    assert texts.WAITING.format(device=name) in conversation_block(first)
    control.power(offline_device, True)
    services.claims.device_online(electron["slug"], offline_device)
    later = conversation_block(client.get(f"/console?phone=%2B{PHONE[1:]}"))
    assert f"Good news: your device {name} is now on your account." in later
    assert later.index(texts.WAITING.format(device=name)) < later.index("Good news")


def test_each_phone_has_its_own_conversation(client):
    send(client, "MENU", phone="+12015550160")
    send(client, "STATUS", phone="+12015550161")
    block = conversation_block(client.get("/console?phone=%2B12015550161"))
    assert texts.STATUS_NONE in block and texts.MENU not in block


def test_a_typed_phone_is_normalised(client, services):
    send(client, "MENU", phone="(201) 555-0199")
    assert services.store.inbound_messages()[0]["from_phone"] == "+12015550199"


@pytest.mark.parametrize("phone", ["", "hello", "12"])
def test_a_bad_phone_is_refused_in_words(client, services, phone):
    response = send(client, "MENU", phone=phone)
    assert "That phone number does not look right." in page_text(response)
    assert services.store.inbound_messages() == []


def test_the_simulator_form_needs_its_token(client, services):
    response = client.post("/console/sms", data={"phone": PHONE, "body": "MENU"})
    assert response.status_code == 400
    assert services.store.inbound_messages() == []


def test_a_silent_keyword_shows_no_reply(client, services):
    block = conversation_block(send(client, "STOP"))
    assert "STOP" in block and services.store.inbound_messages()[0]["reply"] == ""


def test_the_console_and_its_simulator_do_not_exist_outside_sandbox_mode(app_factory, demo):
    products = " ".join(f"{p['slug']}:{p['client_id']}:{p['client_secret']}" for p in demo["products"])
    app = app_factory(PARTICLE_PRODUCTS=products)
    assert app.test_client().post("/console/sms", data={"phone": PHONE, "body": "MENU"}).status_code == 404
