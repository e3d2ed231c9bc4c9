"""`/ops/people/<id>`: "Move to a new number" for a person who lost their old phone (permission
"fix"): the code to the new number, read out and typed by the operator; asked first; audited."""
from __future__ import annotations

import re

from tests.support import PHONE
from tests.support.pages import csrf_token, page_text

NEW_PHONE = "+12015550177"


def code_to(services, phone: str) -> str:
    return re.search(r"\b(\d{6})\b", services.sms.outbox(to=phone)[0]["body"]).group(1)


def post_confirmed(browser, path: str, page, **fields):
    return browser.post(path, data={"csrf_token": csrf_token(page), "confirmed": "yes", **fields})


def test_an_operator_moves_a_person_who_lost_their_phone(desk, services, person):
    page = desk.get(f"/ops/people/{person.id}")
    assert "Move to a new number" in page.text
    asked = desk.post(f"/ops/people/{person.id}/number", data={"csrf_token": csrf_token(page), "phone": NEW_PHONE})
    assert asked.status_code == 200 and "Move this person to a new number?" in page_text(asked)
    assert services.sms.outbox(to=NEW_PHONE) == []  # nothing happens before the yes

    started = post_confirmed(desk, f"/ops/people/{person.id}/number", page, phone=NEW_PHONE)
    assert started.status_code == 303
    page = desk.get(f"/ops/people/{person.id}")
    assert "new number not checked yet" in page_text(page) and "old number lost" in page_text(page)

    wrong = post_confirmed(desk, f"/ops/people/{person.id}/number/confirm", page, code="000000"
                           if code_to(services, NEW_PHONE) != "000000" else "111111")
    assert wrong.status_code == 400 and services.accounts.user(person.id).phone == PHONE
    done = post_confirmed(desk, f"/ops/people/{person.id}/number/confirm", page, code=code_to(services, NEW_PHONE))
    assert done.status_code == 303
    assert services.accounts.user(person.id).phone == NEW_PHONE
    assert "desk person.number_change ok" in page_text(desk.get(f"/ops/people/{person.id}"))
    results = [e.result for e in services.audit.entries(action="person.number_change")]
    assert results == ["ok", "refused", "ok"]


def test_an_operator_finishes_a_move_the_person_started_without_their_old_phone(desk, member, services, person):
    form = member.get("/account/number")
    member.post("/account/number", data={"csrf_token": csrf_token(form), "phone": NEW_PHONE, "lost": "yes"})
    codes = member.get("/account/number/code")
    member.post("/account/number/code", data={"csrf_token": csrf_token(codes),
                                              "new_code": code_to(services, NEW_PHONE)})
    page = desk.get(f"/ops/people/{person.id}")
    assert "new number checked" in page_text(page) and 'name="code"' not in page.text
    done = post_confirmed(desk, f"/ops/people/{person.id}/number/confirm", page)
    assert done.status_code == 303 and services.accounts.user(person.id).phone == NEW_PHONE


def test_a_field_crew_may_not_move_numbers(crew, services, person):
    page = crew.get("/ops/field")
    reply = crew.post(f"/ops/people/{person.id}/number", data={"csrf_token": csrf_token(page),
                                                              "confirmed": "yes", "phone": NEW_PHONE})
    assert reply.status_code == 403
    assert services.number_changes.current(person.id) is None
