"""Field mode (`/ops/field`): a crew chooses whom the boxes are for, then claims box after box by QR
link or label code, over the JSON view the scanner uses and over the form that works without
JavaScript (Flask test client, the sandbox cloud)."""
from __future__ import annotations

import re

import pytest

from bff import labels
from bff.claims.texts import CLAIMED_FOR_YOU_TEXTS

from tests.support import LABEL_KEY, OTHER_PHONE
from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import csrf_token, page_text

NEW_PHONE_TYPED, NEW_PHONE = "(201) 555-0177", "+12015550177"
NOT_YOURS = ("We could not add this device to your account. "
             "Check the code on the label. If it is right, contact the seller for help.")


def crew_user(services):
    return services.accounts.user(services.store.user_by_login("crew")["id"])


def choose(browser, phone: str | None = None):
    """Choose a customer by phone number, or (no phone) the crew's own staging account."""
    page = browser.get("/ops/field?change=1")
    data = {"csrf_token": csrf_token(page), "for": "customer" if phone is not None else "staging"}
    if phone is not None:
        data["phone"] = phone
    return browser.post("/ops/field/for", data=data)


def scan(browser, code: str, *, token: str | None = "page", **extra):
    """What static/field.js sends for one scan; returns the response."""
    headers = {"Accept": "application/json"}
    if token == "page":
        token = csrf_token(browser.get("/ops/field"))
    if token:
        headers["X-CSRFToken"] = token
    return browser.post("/ops/field/claims", json={"code": code, **extra}, headers=headers)


def type_code(browser, code: str):
    """The form path (no JavaScript): post the typed code, follow to the page with the result."""
    page = browser.get("/ops/field")
    return browser.post("/ops/field", data={"csrf_token": csrf_token(page), "code": code}, follow_redirects=True)


def qr_link(device_id: str) -> str:
    """What a box label's QR holds (its host is the public URL the labels were printed with)."""
    return labels.device_claim_url("https://labels.example.com", LABEL_KEY, device_id)


def label_code(services, device_id: str) -> str:
    return labels.format_label_code(services.devices.find(device_id).label_code)


def field_claims(services, operator_id: int) -> list[dict]:
    return services.store.field_claims_by(operator_id)


def lines_of(page) -> list[str]:
    """The running list's lines (their visible text), newest first."""
    html = page.get_data(as_text=True)
    block = html.split("data-field-lines", 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
            for item in re.findall(r"<li class=\"line [a-z]+\">(.*?)</li>", block, re.S)]


# -- whom the boxes are for ---------------------------------------------------------------------------


def test_nobody_chosen_yet_the_page_asks_first(crew):
    page = crew.get("/ops/field")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page_text(page)
    assert "Whom are the boxes for?" in text and "Boxes are for my staging account" in text
    assert "data-field-scanner" not in page.text  # no scanner before a person is chosen
    refused = scan(crew, "K7Q2-M9XA-3F4T")
    assert refused.status_code == 409 and refused.json["result"] == "refused"
    assert refused.json["message"] == "Nobody is chosen yet. Choose whom the boxes are for, then scan again."


def test_a_new_phone_number_in_any_format_becomes_a_customer_shown_big(crew, services):
    assert services.accounts.user_for_phone(NEW_PHONE, create=False) is None
    chosen = choose(crew, NEW_PHONE_TYPED)
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/ops/field"
    assert services.accounts.user_for_phone(NEW_PHONE, create=False) is not None
    page = crew.get("/ops/field")
    assert re.search(r'class="for-person"[^>]*>\+1 201-555-0177<', page.text)
    assert 'href="/ops/field?change=1"' in page.text and ">Change<" in page.text
    assert "Claim for +1 201-555-0177" in page_text(page)
    assert "data-field-scanner" in page.text and 'data-csrf="' in page.text


def test_an_invalid_phone_number_is_refused_in_plain_words_and_changes_nothing(crew, services):
    choose(crew, NEW_PHONE_TYPED)
    refused = choose(crew, "12")
    assert refused.status_code == 400
    assert "That phone number does not look right. Type it with the country code" in page_text(refused)
    assert 'aria-invalid="true"' in refused.text and "Traceback" not in refused.text
    assert "Claim for +1 201-555-0177" in page_text(crew.get("/ops/field"))  # still the same customer


def test_the_staging_account_is_the_crews_own(crew, services, online_device):
    choose(crew)
    page = crew.get("/ops/field")
    assert "your staging account" in page_text(page)
    assert "to hand over to customers later" in page_text(page)
    result = scan(crew, qr_link(online_device)).json
    assert (result["result"], result["title"]) == ("claimed", "Claimed for your staging account")
    me = crew_user(services)
    [row] = field_claims(services, me.id)
    assert (row["user_id"], row["device_id"], row["state"]) == (me.id, online_device, "claimed")


# -- box after box ------------------------------------------------------------------------------------


def test_a_scanned_qr_link_claims_for_the_customer_who_gets_a_text(crew, services, online_device):
    choose(crew, NEW_PHONE_TYPED)
    answer = scan(crew, qr_link(online_device))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    result = answer.json
    name = services.devices.short_name(online_device)
    assert result == {"result": "claimed", "title": "Claimed for +1 201-555-0177",
                      "message": "Go on to the next box.", "device_name": name,
                      "label_code": label_code(services, online_device), "person": "+1 201-555-0177"}
    customer = services.accounts.user_for_phone(NEW_PHONE, create=False)
    assert services.devices.owned_by(online_device, customer.id)
    [text] = services.sms.outbox(to=NEW_PHONE)
    assert text["body"] == CLAIMED_FOR_YOU_TEXTS["claimed"].format(device=name)
    crew_id = crew_user(services).id
    [row] = field_claims(services, crew_id)
    assert (row["channel"], row["actor_user_id"], row["user_id"]) == ("field", crew_id, customer.id)
    [entry] = services.audit.entries(action="claim.for")
    assert (entry.actor_id, entry.device_id, entry.person_id, entry.result) == (
        crew_id, online_device, customer.id, "ok")
    assert entry.detail.startswith("field: claim ")


def test_a_typed_label_code_of_an_offline_device_waits(crew, services, offline_device, control):
    choose(crew, NEW_PHONE_TYPED)
    result = scan(crew, label_code(services, offline_device).lower()).json
    assert (result["result"], result["title"]) == ("waiting", "Waiting for the device")
    assert "Switch it on: the claim finishes by itself." in result["message"]
    [text] = services.sms.outbox(to=NEW_PHONE)
    assert "when it is switched on" in text["body"]
    [row] = field_claims(services, crew_user(services).id)
    assert row["state"] == "waiting_for_device"


def test_the_same_box_again_is_already_claimed_and_texted_once(crew, services, online_device):
    choose(crew, NEW_PHONE_TYPED)
    assert scan(crew, qr_link(online_device)).json["result"] == "claimed"
    again = scan(crew, label_code(services, online_device)).json
    assert (again["result"], again["title"]) == ("already", "Already claimed for +1 201-555-0177")
    assert len(services.sms.outbox(to=NEW_PHONE)) == 1
    assert len(field_claims(services, crew_user(services).id)) == 1


def test_another_persons_device_is_refused_in_plain_words(crew, services, online_device, other_person):
    services.claims.request_claim(other_person.id, online_device, channel="web", operator=True)
    choose(crew, NEW_PHONE_TYPED)
    result = scan(crew, qr_link(online_device)).json
    assert (result["result"], result["title"], result["message"]) == ("refused", "Not claimed", NOT_YOURS)
    assert services.devices.owned_by(online_device, other_person.id)
    assert services.sms.outbox(to=NEW_PHONE) == []
    assert services.audit.entries(action="claim.for")[0].person_id != other_person.id


@pytest.mark.parametrize("scanned, message", [
    ("tag", NOT_YOURS),
    ("https://example.com/some/page", "That code is not from one of our boxes."),
    ("K7Q2-M9XA-3F4Q", "That code has a mistake in it"),
])
def test_a_bad_tag_or_code_is_refused_and_audited(crew, services, online_device, scanned, message):
    choose(crew, NEW_PHONE_TYPED)
    text = qr_link(online_device)[:-3] + "aaa" if scanned == "tag" else scanned
    result = scan(crew, text).json
    assert result["result"] == "refused" and message.lower() in result["message"].lower()
    assert field_claims(services, crew_user(services).id) == []
    assert not services.devices.owned_by(online_device, services.accounts.user_for_phone(NEW_PHONE).id)
    [entry] = services.audit.entries(action="claim.for")
    assert entry.result == "refused" and entry.detail.startswith("field: ")
    assert "aaa" not in entry.detail and "K7Q2" not in entry.detail  # no proof of possession kept
    if scanned == "tag":
        assert entry.device_id == online_device


def test_the_json_view_needs_the_form_token(crew, services, online_device):
    choose(crew, NEW_PHONE_TYPED)
    refused = scan(crew, qr_link(online_device), token=None)
    assert refused.status_code == 400 and refused.json["error"]["message"] == "This page was open too long."
    assert scan(crew, qr_link(online_device), token="not-the-token").status_code == 400
    assert field_claims(services, crew_user(services).id) == []


def test_a_scan_meant_for_the_person_chosen_before_is_not_claimed_for_the_new_one(crew, services, online_device):
    choose(crew, NEW_PHONE_TYPED)
    before = services.accounts.user_for_phone(NEW_PHONE).id
    choose(crew)  # now the staging account; a scan saved offline for the customer comes in late
    late = scan(crew, qr_link(online_device), **{"for": before})
    assert late.status_code == 409 and late.json["result"] == "refused"
    assert "meant for the person you had before" in late.json["message"]
    assert field_claims(services, crew_user(services).id) == []


# -- the running list and the form path (no JavaScript) -----------------------------------------------


def test_the_form_path_shows_the_result_on_top_and_the_list_survives_a_reload(crew, services, online_device,
                                                                            offline_device):
    choose(crew, NEW_PHONE_TYPED)
    first = type_code(crew, qr_link(online_device))
    assert first.status_code == 200
    assert re.search(r'id="result" class="field-result claimed"', first.text)
    assert "Claimed for +1 201-555-0177" in page_text(first)
    second = type_code(crew, label_code(services, offline_device))
    assert 'class="field-result waiting"' in second.text
    refused = type_code(crew, "nonsense")
    assert 'class="field-result refused"' in refused.text and "Not claimed" in page_text(refused)

    reloaded = crew.get("/ops/field")
    assert 'id="result"' not in reloaded.text  # the result is shown once
    lines = lines_of(reloaded)
    assert len(lines) == 2  # one per claim, newest first
    assert lines[0].startswith("… Waiting for the device") and label_code(services, offline_device) in lines[0]
    assert lines[1].startswith("✓ Claimed for +1 201-555-0177")
    assert services.devices.short_name(online_device) in lines[1]


def test_the_list_shows_only_this_crews_field_claims(app, crew, services, online_device, offline_device):
    choose(crew, NEW_PHONE_TYPED)
    scan(crew, qr_link(online_device))
    make_operator(services, "other", "field")
    other = app.test_client()
    ops_sign_in(other, services, "other")
    assert "Whom are the boxes for?" in page_text(other.get("/ops/field"))  # the choice is per session
    choose(other, OTHER_PHONE)
    assert lines_of(other.get("/ops/field")) == []
    assert len(lines_of(crew.get("/ops/field"))) == 1


# -- who may use it ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "support", "field"])
def test_every_operator_role_may_use_field_mode(app, services, role, online_device):
    make_operator(services, "someone", role)
    browser = app.test_client()
    ops_sign_in(browser, services, "someone")
    assert browser.get("/ops/field").status_code == 200
    choose(browser, NEW_PHONE_TYPED)
    assert scan(browser, qr_link(online_device)).json["result"] == "claimed"


def test_a_customer_may_not(member, services, online_device):
    token = csrf_token(member.get("/"))
    posted = member.post("/ops/field/claims", json={"code": qr_link(online_device)},
                         headers={"X-CSRFToken": token})
    for response in (member.get("/ops/field"), posted):
        assert response.status_code == 303 and response.headers["Location"].startswith("/ops/login")
    assert services.audit.entries(action="claim.for") == []
