"""`/ops/operators` (admins): operators listed, added, their role changed, switched off and on;
every change asks first and is in the audit log; an admin cannot lock themselves out."""
from __future__ import annotations

import pytest

from tests.support.ops import PASSWORD, PHONES, make_operator, password_step
from tests.support.pages import csrf_token, page_text


def post(client, path, **data):
    token = csrf_token(client.get("/ops/operators"))
    return client.post(path, data={"csrf_token": token, **data})


def test_the_page_lists_operators_with_masked_phones(boss, services):
    make_operator(services, "crew", "field")
    text = page_text(boss.get("/ops/operators"))
    assert "boss" in text and "crew" in text and "(you)" in text
    assert PHONES["admin"] not in text and PHONES["admin"][-4:] in text


def test_an_admin_adds_an_operator_who_can_then_sign_in(app, boss, services):
    done = post(boss, "/ops/operators", login="New.Crew", password=PASSWORD, role="field")
    assert done.status_code == 303
    assert "Operator new.crew can now sign in as field." in page_text(boss.get("/ops/operators"))
    assert password_step(app.test_client(), "new.crew").headers["Location"] == "/ops/field"
    entry = services.audit.entries(action="operator.create")[0]  # the newest (boss came first)
    assert (entry.actor_login, entry.result, entry.detail) == ("boss", "ok", "new.crew as field")


@pytest.mark.parametrize("form, words", [
    ({"login": "x", "password": PASSWORD, "role": "field"}, "A login uses 2 to 64 letters"),
    ({"login": "crew2", "password": "short", "role": "field"}, "at least 10 characters"),
    ({"login": "desk2", "password": PASSWORD, "role": "support"}, "Admins and support staff need a phone number."),
    ({"login": "desk3", "password": PASSWORD, "role": "support", "phone": "12"}, "phone number does not look right"),
    ({"login": "boss", "password": PASSWORD, "role": "field"}, "That login is taken."),
])
def test_a_bad_new_operator_is_refused_plainly_and_nothing_is_made(boss, services, form, words):
    before = services.operators.operators()
    refused = post(boss, "/ops/operators", **form)
    assert refused.status_code == 400 and words in page_text(refused)
    assert services.operators.operators() == before


def test_changing_a_role_asks_first_then_changes_it(boss, services):
    crew = make_operator(services, "crew", "field", phone="+12015550199")
    asked = post(boss, f"/ops/operators/{crew.id}/role", role="support")
    assert asked.status_code == 200 and "Make crew support?" in page_text(asked)
    assert services.accounts.user(crew.id).ops_role == "field"  # nothing changed yet
    done = post(boss, f"/ops/operators/{crew.id}/role", role="support", confirmed="yes")
    assert done.status_code == 303 and services.accounts.user(crew.id).ops_role == "support"
    assert services.audit.entries(action="operator.role")[0].detail == "crew: field -> support"


def test_a_desk_role_needs_a_phone(boss, services):
    crew = make_operator(services, "crew", "field")
    refused = post(boss, f"/ops/operators/{crew.id}/role", role="admin", confirmed="yes")
    assert refused.status_code == 400 and "This role needs a phone number." in page_text(refused)
    assert services.accounts.user(crew.id).ops_role == "field"


def test_switching_off_and_on(app, boss, services):
    crew = make_operator(services, "crew", "field")
    post(boss, f"/ops/operators/{crew.id}/switch", to="off", confirmed="yes")
    assert password_step(app.test_client(), "crew").status_code == 400
    post(boss, f"/ops/operators/{crew.id}/switch", to="on", confirmed="yes")
    assert password_step(app.test_client(), "crew").status_code == 303
    assert [e.action for e in services.audit.entries()][:2] == ["operator.switch_on", "operator.switch_off"]


def test_an_admin_cannot_switch_themselves_off_or_demote_themselves(boss, services, operator_named):
    admin = operator_named("boss")
    for path, data in ((f"/ops/operators/{admin.id}/switch", {"to": "off"}),
                       (f"/ops/operators/{admin.id}/role", {"role": "field"})):
        refused = post(boss, path, confirmed="yes", **data)
        assert refused.status_code == 400 and "Ask another admin to do it." in page_text(refused)
    assert services.accounts.user(admin.id).ops_role == "admin" and services.accounts.user(admin.id).is_operator
    assert {e.result for e in services.audit.entries(action="operator.self")} == {"refused"}


def test_an_unknown_operator_is_a_plain_404(boss):
    assert post(boss, "/ops/operators/999/switch", to="off", confirmed="yes").status_code == 404


def test_forms_need_the_csrf_token(boss, services):
    assert boss.post("/ops/operators", data={"login": "x1", "password": PASSWORD,
                                                      "role": "field"}).status_code == 400
    assert len(services.operators.operators()) == 1
