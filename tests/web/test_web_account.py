"""`/account`: the phone shown, "Change my number" by form, the code(s) page, done; no JavaScript,
CSRF on every form, plain words for every refusal."""
from __future__ import annotations

import re

from tests.support import OTHER_PHONE, PHONE
from tests.support.pages import csrf_token, page_text

NEW_PHONE = "+12015550177"


def code_to(services, phone: str) -> str:
    return re.search(r"\b(\d{6})\b", services.sms.outbox(to=phone)[0]["body"]).group(1)


def start(member, phone="(201) 555-0177", lost=False):
    form = member.get("/account/number")
    data = {"csrf_token": csrf_token(form), "phone": phone}
    if lost:
        data["lost"] = "yes"
    return member.post("/account/number", data=data)


def send_codes(member, **codes):
    page = member.get("/account/number/code")
    return member.post("/account/number/code", data={"csrf_token": csrf_token(page), **codes})


def test_account_needs_sign_in(client):
    reply = client.get("/account")
    assert reply.status_code in (302, 303) and "/login" in reply.headers["Location"]


def test_the_account_page_shows_the_phone_and_the_way_to_change_it(member):
    page = member.get("/account")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    text = page_text(page)
    assert "201-555-0123" in text and "Change my number" in text
    assert 'href="/account"' in member.get("/devices").get_data(as_text=True)  # the nav's Account link
    assert "<script" not in page.get_data(as_text=True).split("</head>")[1]


def test_change_my_number_from_form_to_done(member, services, person):
    started = start(member)
    assert started.status_code == 303 and started.headers["Location"].endswith("/account/number/code")
    page = member.get("/account/number/code")
    assert "Code texted to your new number" in page_text(page) and "Code texted to your old number" in page_text(page)

    done = send_codes(member, new_code=code_to(services, NEW_PHONE), old_code=code_to(services, PHONE))

    assert done.status_code == 303 and done.headers["Location"].endswith("/account")
    assert services.accounts.user(person.id).phone == NEW_PHONE
    assert "Your account now uses your new number" in page_text(member.get("/account"))


def test_a_wrong_code_shows_the_page_again_with_plain_words(member, services, person):
    start(member)
    right = code_to(services, NEW_PHONE)
    reply = send_codes(member, new_code="000000" if right != "000000" else "111111",
                       old_code=code_to(services, PHONE))
    assert reply.status_code == 400
    assert "The code for your new number is not right." in page_text(reply)
    assert services.accounts.user(person.id).phone == PHONE


def test_a_number_another_account_uses_is_refused_with_what_to_do(member, services, person):
    other = services.accounts.user_for_phone(OTHER_PHONE)
    services.store.insert_claim(device_id="0123456789abcdef01234567", product_key="demo", user_id=other.id,
                                channel="web", actor_user_id=None)
    reply = start(member, phone=OTHER_PHONE)
    assert reply.status_code == 409
    assert "bff cannot join two accounts" in page_text(reply) and "remove or give away its devices" in page_text(reply)


def test_same_and_invalid_numbers_are_refused(member):
    assert "That is the number you use now." in page_text(start(member, phone=PHONE))
    assert start(member, phone="12").status_code == 400


def test_without_the_old_phone_the_page_says_to_call_support(member, services, person):
    start(member, lost=True)
    page = member.get("/account/number/code")
    assert "Code texted to your old number" not in page_text(page)
    reply = send_codes(member, new_code=code_to(services, NEW_PHONE))
    assert reply.status_code == 303
    assert "call our support team" in page_text(member.get("/account/number/code"))
    assert services.accounts.user(person.id).phone == PHONE


def test_stop_keeps_the_old_number(member, services, person):
    start(member)
    page = member.get("/account/number/code")
    reply = member.post("/account/number/cancel", data={"csrf_token": csrf_token(page)})
    assert reply.status_code == 303
    assert services.number_changes.current(person.id) is None
    assert member.get("/account/number/code").status_code == 303


def test_forms_need_the_csrf_token(member, services, person):
    assert member.post("/account/number", data={"phone": NEW_PHONE}).status_code == 400
    assert services.number_changes.current(person.id) is None
