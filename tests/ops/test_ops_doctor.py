"""The device doctor page and its fixes, end to end against the sandbox: each fix asks first, needs
the form token and the "fix" permission, changes the cloud for real, and is audited (refusals too)."""
from __future__ import annotations


from bff.labels import format_label_code
from tests.support import PHONE
from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import csrf_token

NEW_PHONE = "+12015550177"


def claim_for(services, person_phone, device_id):
    person = services.accounts.user_for_phone(person_phone)
    claim, outcome = services.claims.request_claim_for(person.id, device_id, operator_id=None, channel="ops")
    return person, claim, outcome


def fix(browser, device_id, name, *, confirmed=True, token=True, **fields):
    page = browser.get(f"/ops/devices/{device_id}")
    data = {**fields, **({"confirmed": "yes"} if confirmed else {})}
    if token:
        data["csrf_token"] = csrf_token(page)
    return browser.post(f"/ops/devices/{device_id}/{name}", data=data)


def cloud_owner(control, device_id):
    return control.device(device_id)["owner"]


def audited(services, action):
    return [entry.result for entry in services.audit.entries(action=action)]


# -- the page ---------------------------------------------------------------------------------------


def test_support_sees_the_owner_phone_masked_and_an_admin_whole(services, desk, boss, online_device):
    claim_for(services, PHONE, online_device)
    masked = desk.get(f"/ops/devices/{online_device}")
    assert masked.status_code == 200
    assert "0123" in masked.text and PHONE not in masked.text and "555-0123" not in masked.text
    assert "bff and the cloud agree on the owner" in masked.text
    whole = boss.get(f"/ops/devices/{online_device}")
    assert "+1 201-555-0123" in whole.text


def test_a_field_operator_may_not_open_the_doctor_nor_fix(app, services, control, online_device):
    claim_for(services, PHONE, online_device)
    make_operator(services, "crew", "field")
    crew = app.test_client()
    ops_sign_in(crew, services, "crew")
    assert crew.get(f"/ops/devices/{online_device}").status_code == 403
    field_page = crew.get("/ops/field")
    posted = crew.post(f"/ops/devices/{online_device}/release",
                       data={"csrf_token": csrf_token(field_page), "confirmed": "yes"})
    assert posted.status_code == 403 and cloud_owner(control, online_device)
    assert crew.get(f"/ops/devices/{online_device}/label").status_code == 403
    assert crew.get("/ops/people/1").status_code == 403


def test_an_unknown_device_says_so_and_what_to_do(desk):
    page = desk.get("/ops/devices/0123456789abcdef01234567")
    assert page.status_code == 404
    assert "bff does not know this device" in page.text and "Check the ID" in page.text
    assert "import it" in page.text
    bad = desk.get("/ops/devices/not-a-device")
    assert bad.status_code == 400 and "This is not a device ID" in bad.text


def test_the_raw_reply_of_a_failed_call_is_shown_on_demand(services, desk, control, online_device):
    claim_for(services, PHONE, online_device)
    control.add_fault(path="/v1/products/*/devices/*", method="GET", status=503, times=1)
    first = desk.get(f"/ops/devices/{online_device}")
    assert "We could not ask the cloud about this device" in first.text
    page = desk.get(f"/ops/devices/{online_device}")
    assert "Calls to the cloud about this device failed" in page.text
    assert "<details>" in page.text and 'class="raw"' in page.text


# -- the fixes --------------------------------------------------------------------------------------


def test_release_asks_first_then_releases(services, desk, control, online_device):
    person, _, _ = claim_for(services, PHONE, online_device)
    asked = fix(desk, online_device, "release", confirmed=False)
    assert asked.status_code == 200 and "Release this device?" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert cloud_owner(control, online_device) and audited(services, "device.release") == []
    done = fix(desk, online_device, "release")
    assert done.status_code == 303 and done.headers["Location"] == f"/ops/devices/{online_device}"
    assert cloud_owner(control, online_device) is None
    assert services.store.device(online_device)["owner"] is None
    assert audited(services, "device.release") == ["ok"]
    after = desk.get(done.headers["Location"])
    assert "Device released" in after.text and "next owner" in after.text


def test_a_fix_needs_the_form_token(services, desk, control, online_device):
    claim_for(services, PHONE, online_device)
    refused = fix(desk, online_device, "release", token=False)
    assert refused.status_code == 400
    assert cloud_owner(control, online_device) and audited(services, "device.release") == []


def test_release_is_refused_while_a_claim_waits(services, desk, control, offline_device):
    claim_for(services, PHONE, offline_device)
    refused = fix(desk, offline_device, "release")
    assert refused.status_code == 409
    assert "This device has a claim waiting." in refused.text and "Cancel the waiting claim first" in refused.text
    assert "Traceback" not in refused.text
    assert audited(services, "device.release") == ["refused"]


def test_give_moves_the_device_and_says_so_masked(services, desk, control, online_device):
    claim_for(services, PHONE, online_device)
    asked = fix(desk, online_device, "give", confirmed=False, phone=NEW_PHONE)
    assert "Give this device to" in asked.text and f'name="phone" value="{NEW_PHONE}"' in asked.text
    done = fix(desk, online_device, "give", phone=NEW_PHONE)
    assert done.status_code == 303
    new_owner = services.accounts.user_for_phone(NEW_PHONE, create=False)
    customer = services.store.shadow_customer(new_owner.id, services.store.device(online_device)["product_key"])
    assert cloud_owner(control, online_device) == customer["username"]
    after = desk.get(done.headers["Location"]).text
    assert "Device given to ••• ••• 0177" in after and NEW_PHONE not in after
    assert audited(services, "device.give") == ["ok"]


def test_give_to_a_bad_phone_asks_again(services, desk, control, online_device):
    claim_for(services, PHONE, online_device)
    owner = cloud_owner(control, online_device)
    page = fix(desk, online_device, "give", confirmed=False, phone="12")
    assert page.status_code == 400 and "phone number" in page.text
    page = fix(desk, online_device, "give", phone="12")
    assert page.status_code == 400 and cloud_owner(control, online_device) == owner
    assert audited(services, "device.give") == ["refused"]


def test_retry_now_finishes_a_waiting_claim(services, desk, control, offline_device):
    person, claim, outcome = claim_for(services, PHONE, offline_device)
    assert outcome == "waiting"
    control.power(offline_device, True)
    done = fix(desk, offline_device, "retry", claim_id=claim.id)
    assert done.status_code == 303
    assert services.claims.claim(claim.id).state == "claimed"
    assert cloud_owner(control, offline_device) == services.store.device(offline_device)["owner"] is not None
    assert "the claim worked" in desk.get(done.headers["Location"]).text
    assert audited(services, "claim.retry") == ["ok"]


def test_retry_of_a_claim_the_worker_holds_is_refused_and_not_run_twice(services, desk, control, offline_device):
    _, claim, _ = claim_for(services, PHONE, offline_device)
    assert services.store.lease_claim(claim.id, seconds=30)  # the worker is trying it
    control.power(offline_device, True)
    control.clear_requests()
    refused = fix(desk, offline_device, "retry", claim_id=claim.id)
    assert refused.status_code == 409 and "This claim is being tried right now." in refused.text
    assert control.requests(path="/v1/devices", method="POST") == []
    assert audited(services, "claim.retry") == ["refused"]
    assert services.claims.claim(claim.id).state == "waiting_for_device"


def test_cancel_with_a_reason_texts_the_person(services, desk, offline_device):
    _, claim, _ = claim_for(services, PHONE, offline_device)
    asked = fix(desk, offline_device, "cancel", confirmed=False, claim_id=claim.id, reason="replaced")
    assert "the device is being replaced." in asked.text
    assert services.claims.claim(claim.id).state == "waiting_for_device"
    done = fix(desk, offline_device, "cancel", claim_id=claim.id, reason="replaced")
    assert done.status_code == 303 and services.claims.claim(claim.id).state == "cancelled"
    assert "the device is being replaced." in services.sms.outbox(to=PHONE)[0]["body"]
    assert audited(services, "claim.cancel") == ["ok"]
    assert "Claim cancelled" in desk.get(done.headers["Location"]).text


def test_reread_mends_an_owner_mismatch(services, desk, control, online_device, other_person):
    claim_for(services, PHONE, online_device)
    particle, product_key = services.particle, services.store.device(online_device)["product_key"]
    other = particle.ensure_customer(product_key, other_person.id)
    particle.unclaim_device(product_key, online_device)
    particle.claim_device(product_key, other, online_device)
    page = desk.get(f"/ops/devices/{online_device}")
    assert "bff and the cloud disagree on the owner" in page.text
    assert f'action="/ops/devices/{online_device}/reread"' in page.text
    done = fix(desk, online_device, "reread")
    assert done.status_code == 303 and services.store.device(online_device)["owner"] == other
    after = desk.get(done.headers["Location"]).text
    assert "disagree" not in after and "Nothing looks wrong" in after
    assert audited(services, "device.reread") == ["ok"]


def test_the_label_reprint_prints_one_label(services, desk, online_device):
    claim_for(services, PHONE, online_device)
    code = services.store.device(online_device)["label_code"]
    page = desk.get(f"/ops/devices/{online_device}/label")
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    assert format_label_code(code) in page.text and online_device in page.text
    assert page.text.count(format_label_code(code)) >= 1
    assert audited(services, "label.reprint") == ["ok"]


def test_retry_without_an_open_claim_is_refused_and_audited(services, desk, online_device):
    _, claim, _ = claim_for(services, PHONE, online_device)
    refused = fix(desk, online_device, "retry", claim_id=claim.id)  # the claim has finished
    assert refused.status_code == 409 and "This claim has already finished." in refused.text
    refused = fix(desk, online_device, "cancel", reason="replaced")  # no claim named, none open
    assert refused.status_code == 409 and "This device has no open claim." in refused.text
    assert audited(services, "claim.retry") == ["refused"] and audited(services, "claim.cancel") == ["refused"]
