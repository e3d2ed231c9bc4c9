"""The operators' console in product mode (README "Ownership modes"): the doctor shows bff's owner
without calling the cloud's None a mismatch, its fixes stay in bff, and an API user without a scope
the cloud refuses is shown as a plain reason naming the scope; a device the product holds back
(quarantined, denied) cannot be claimed, the doctor says why and importing its ID approves it."""
from __future__ import annotations

import pytest

from bff.config import PRODUCT_MODE, ProductCredentials

from tests.support import PHONE
from tests.support.pages import csrf_token, page_text

pytestmark = pytest.mark.app_settings(OWNERSHIP_MODE=PRODUCT_MODE)


def test_the_doctor_of_a_device_in_product_mode(services, desk, control, online_device):
    person = services.accounts.user_for_phone(PHONE)
    services.claims.request_claim_for(person.id, online_device, operator_id=None, channel="ops")

    text = page_text(desk.get(f"/ops/devices/{online_device}"))

    assert "disagree on the owner" not in text
    assert control.device(online_device)["owner"] is None and services.store.device(online_device)["owner"]
    page = desk.get(f"/ops/devices/{online_device}")
    released = desk.post(f"/ops/devices/{online_device}/release",
                         data={"csrf_token": csrf_token(page), "confirmed": "yes"})
    assert released.status_code in (200, 303)
    assert services.store.device(online_device)["owner"] is None
    assert control.requests(f"/v1/products/sandbox-electron/devices/{online_device}/owner") == []  # bff's alone
    [entry] = services.audit.entries(action="device.release")
    assert entry.result == "ok" and "product mode: in bff only" in entry.detail


def test_a_missing_scope_is_a_plain_reason_on_the_doctor(services, desk, control, online_device):
    services.devices.find(online_device)  # known to bff, as after an import
    limited = control.create_api_user("sandbox-electron", ["devices:list", "products:get", "events:get"])
    services.particle.products["sandbox-electron"] = ProductCredentials(
        "sandbox-electron", mode=PRODUCT_MODE, api_token=limited["token"])
    person = services.accounts.user_for_phone(PHONE)
    claim = services.claims.request_claim(person.id, online_device, channel="web", operator=True)
    assert claim.state == "failed"

    text = page_text(desk.get(f"/ops/devices/{online_device}"))

    assert "The product's API user may not do this" in text
    assert "it lacks the scope devices:get" in text and "BFF_PARTICLE_PRODUCTS" in text
    assert "This API user's scopes do not allow this action" in text  # the cloud's own words, beside it


@pytest.mark.parametrize("held", ["quarantined", "denied"])
def test_a_device_the_product_holds_back_is_refused_and_an_import_approves_it(services, desk, control,
                                                                            online_device, held):
    services.devices.find(online_device)  # known to bff, as after an import
    control.hold(online_device, **{held: True})
    person = services.accounts.user_for_phone(PHONE)

    claim = services.claims.request_claim(person.id, online_device, channel="web", operator=True)

    assert claim.state == "refused" and services.store.device(online_device)["owner"] is None
    assert claim.message == "This device is not registered for our service yet."  # the customer's words
    text = page_text(desk.get(f"/ops/devices/{online_device}"))
    assert f"The device is {held} in the product" in text and "Import its ID into the product" in text
    assert "Import it" in text  # the fix, offered
    assert "The last claim was refused" not in text and "Give it to a phone number" not in text  # would fail too

    batch = services.imports.start_batch(None, "sandbox-electron", online_device, "pasted")
    services.imports.work(batch.id)

    assert control.device(online_device)[held] is False
    assert services.claims.request_claim(person.id, online_device, channel="web", operator=True).succeeded
    assert f"is {held} in the product" not in page_text(desk.get(f"/ops/devices/{online_device}"))
