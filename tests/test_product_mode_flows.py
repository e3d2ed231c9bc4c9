"""Done when: a product in product mode serves every flow without a single customer created in the
cloud and with an API user's token as its only credential (README "Ownership modes").

One bff in product mode, with its worker (the products' event streams) running: an import and its
label, claims by QR code, by typed code, by SMS, by the JSON API and in field mode, an offline device,
a rename, give, share and remove, the operators' doctor, release and give, the Wi-Fi setup page. The
sandbox then holds no customer and no device claimed by bff, and every request bff sent it carried
an API user's token.
"""
from __future__ import annotations

import re

import pytest

from bff import labels
from bff.config import PRODUCT_MODE
from bff.sms.webhook import webhook_auth_token

from tests.sms.sms_support import TwilioPhone
from tests.support import LABEL_KEY, OPERATOR_PHONE, OTHER_PHONE, PHONE
from tests.support.fake_twilio import SMS_APP_SETTINGS
from tests.support.imports import loose_devices
from tests.support.pages import claim, csrf_token, landing_path, page_text
from tests.support.polling import wait_until

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS, OWNERSHIP_MODE=PRODUCT_MODE)


def test_every_flow_with_an_api_user_token_only(app, services, sandbox, control, electron, photon, member, person,
                                                other_person, api_client, worker_factory, new_devices, tmp_path):
    control.clear_requests()
    worker_factory(services, heartbeat_seconds=0.2)  # event streams of every product, with the API users' tokens
    devices = new_devices(4)
    offline = control.demo_devices(electron["id"], online=False)[0]["id"]

    # an import and its label: the device is claimed by the QR code on the box
    [imported] = loose_devices(sandbox, 1)
    listing = tmp_path / "devices.txt"
    listing.write_text(imported + "\n")
    result = app.test_cli_runner().invoke(args=["bff", "import-devices", str(listing), "--product", electron["slug"]])
    assert "Added 1." in result.output, result.output
    assert "This device is yours" in page_text(claim(member, imported, follow=True))

    # the QR landing, the typed code, SMS, the API, an offline device
    assert "This device is yours" in page_text(claim(member, devices[0], follow=True))
    services.devices.find(devices[1])  # (the worker's event handler may be keeping it right now)
    code = services.devices.ensure_label_code(devices[1])
    typed = member.post("/", data={"csrf_token": csrf_token(member.get("/")), "code": code})
    assert typed.headers["Location"] == landing_path(devices[1])
    assert "This device is yours" in page_text(claim(member, devices[1], follow=True))
    phone = TwilioPhone(app.test_client(), webhook_auth_token(app))
    services.devices.find(devices[2])
    assert phone.text(f"CLAIM {services.devices.ensure_label_code(devices[2])}").text.startswith("Done:")
    by_api = api_client.post("/api/v1/claims", {"device_id": offline,
                                                "tag": labels.qr_tag(LABEL_KEY, offline)}).get_json()
    assert by_api["state"] == "claimed"

    # field mode: an operator claims a box for a customer
    crew = services.store.create_operator_user("crew", "not-a-real-hash", phone=OPERATOR_PHONE)
    _, outcome = services.claims.request_claim_for(other_person.id, devices[3], operator_id=crew, channel="field")
    assert outcome == "claimed"

    # the device comes online: the product event stream says so
    control.power(offline, True)
    assert wait_until(lambda: services.store.device(offline)["online"] == 1, timeout=10)

    # rename, share, give, remove
    assert phone.text(f"NAME {code} pump house").text.startswith("Done:")
    assert control.device(devices[1])["name"] == "pump_house"
    lifecycle = services.lifecycle
    lifecycle.share(person, devices[0], OTHER_PHONE, channel="web")
    assert lifecycle.answer(other_person, True).accepted
    lifecycle.give(person, devices[1], OTHER_PHONE, channel="sms")
    assert lifecycle.answer(other_person, True).move.done
    assert api_client.delete(f"/api/v1/devices/{devices[2]}").status_code == 200

    # the operators' doctor, release and give
    desk = services.accounts.create_operator("desk", "correct horse battery", role="support", phone="+12015550182")
    report = services.ownership.report(offline)
    assert report.in_product and not report.problems and report.bff_owner_person.id == person.id
    services.ownership.release(offline, actor=desk)
    services.ownership.give(offline, OTHER_PHONE, actor=desk)

    # Wi-Fi setup says it plainly
    assert f"{photon['name']} needs no setup code from us." in page_text(member.get("/setup"))

    # bff's owners are right; the cloud has no customer, no device of ours claimed, only API-user requests
    mine = {device.device_id for device in services.devices.owned_devices(person.id)}
    theirs = {device.device_id for device in services.devices.owned_devices(other_person.id)}
    assert mine == {imported, devices[0]}
    assert theirs == {devices[1], devices[3], offline}
    state = control.state()
    assert state["customers"] == []
    touched = {imported, offline, *devices}
    assert [d["id"] for d in state["devices"] if d["id"] in touched and d["owner"]] == []
    calls = control.requests()
    assert calls and {call["credential"]["kind"] for call in calls if call.get("credential")} == {"api_user"}
    assert not [c for c in calls if c["path"] == "/oauth/token" or re.search(r"/customers|device_claims", c["path"])]
    assert PHONE  # the person's phone signed in above (member), nothing of theirs went to the cloud
