"""The people page: phone masked per role, devices linked to the doctor, claims, sign-in history
(never a code), no shares yet; 404 for an unknown person, 403 for a field crew."""
from __future__ import annotations

import re

from tests.support import PHONE
from tests.support.ops import make_operator, ops_sign_in
from tests.web.sign_in import sign_in


def signed_in_operator(app, services, login, role):
    make_operator(services, login, role)
    browser = app.test_client()
    ops_sign_in(browser, services, login)
    return browser


def test_a_person_with_devices_claims_and_sign_ins(app, services, online_device):
    customer = app.test_client()
    sign_in(customer, services)  # PHONE signs in by code: one sign-in recorded
    person = services.accounts.user_for_phone(PHONE)
    services.claims.request_claim_for(person.id, online_device, operator_id=None, channel="ops")
    desk = signed_in_operator(app, services, "desk", "support")
    page = desk.get(f"/ops/people/{person.id}")
    assert page.status_code == 200
    assert "••• ••• 0123" in page.text and PHONE not in page.text and "555-0123" not in page.text
    assert f'href="/ops/devices/{online_device}"' in page.text
    assert "No shares." in page.text
    assert "code by text" in page.text and "127.0.0.1" in page.text
    sent_codes = [re.search(r"\b(\d{6})\b", sms["body"]).group(1) for sms in services.sms.outbox(to=PHONE)
                  if "sign-in code" in sms["body"]]
    assert sent_codes and not any(code in page.text for code in sent_codes)


def test_an_admin_sees_the_whole_phone(app, services, person):
    boss = signed_in_operator(app, services, "boss", "admin")
    assert "+1 201-555-0123" in boss.get(f"/ops/people/{person.id}").text


def test_an_unknown_person_is_404(app, services):
    desk = signed_in_operator(app, services, "desk", "support")
    assert desk.get("/ops/people/999999").status_code == 404


def test_a_field_crew_may_not_see_people(app, services, person):
    crew = signed_in_operator(app, services, "crew", "field")
    assert crew.get(f"/ops/people/{person.id}").status_code == 403


def test_what_operators_did_to_a_person_is_listed(app, services, online_device, person):
    services.claims.request_claim_for(person.id, online_device, operator_id=None, channel="ops")
    desk = signed_in_operator(app, services, "desk", "support")
    services.ownership.release(online_device, actor=services.accounts.user_for_phone("+12015550182"))
    page = desk.get(f"/ops/people/{person.id}").text
    assert "device.release" in page and "This person owns no device bff knows of." in page
