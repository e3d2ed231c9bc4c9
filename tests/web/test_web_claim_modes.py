"""The customer pages' claims in both ownership modes (README "Ownership modes"): the QR landing,
the typed label code, an offline device; in product mode bff alone records the owner."""
from __future__ import annotations

from bff import labels
from bff.config import PRODUCT_MODE

from tests.support import LABEL_KEY
from tests.support.pages import claim, csrf_token, landing_path, page_text


def test_a_claim_from_the_qr_landing(member, services, person, online_device, owners, control):
    response = claim(member, online_device, follow=True)

    assert "This device is yours" in page_text(response)
    owners.check(services.store, online_device, person.id)
    assert control.device(online_device)["name"] in page_text(member.get("/devices"))  # named as in the cloud


def test_a_claim_by_the_code_typed_on_the_start_page(app, member, services, person, online_device, owners):
    with app.app_context():
        code = services.claims.device_for_link(online_device, labels.qr_tag(LABEL_KEY, online_device)).label_code
    page = member.get("/")

    typed = member.post("/", data={"csrf_token": csrf_token(page), "code": labels.format_label_code(code)})

    assert typed.headers["Location"] == landing_path(online_device)
    assert "This device is yours" in page_text(claim(member, online_device, follow=True))
    owners.check(services.store, online_device, person.id)


def test_an_offline_device(member, services, person, offline_device, owners, ownership_mode):
    text = page_text(claim(member, offline_device, follow=True))

    if ownership_mode == PRODUCT_MODE:  # bff records the owner: nothing waits for the device
        assert "This device is yours" in text
        owners.check(services.store, offline_device, person.id)
    else:
        assert "Switch the device on" in text
