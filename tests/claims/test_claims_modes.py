"""The claims service in both ownership modes (README "Ownership modes"), against the sandbox: QR tag,
label code, an operator's claim for a customer, an offline device, someone else's device; in product
mode no customer is made and no device claimed in the cloud, and the API user's token is the only
credential. An API user without a scope gets the cloud's refusal, and operators read a plain reason."""
from __future__ import annotations

import logging

import pytest

from bff import errors, labels
from bff.claims.service import ClaimsService
from bff.config import PRODUCT_MODE, ProductCredentials
from bff.ownership import OwnershipService

from tests.support import LABEL_KEY

NOT_YOURS = "We could not add this device to your account."


def cloud_calls(control) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in control.requests()]


def no_customer_work(control) -> bool:
    """Nothing a product-mode bff must never do: no token minted, no customer, no claim in the cloud."""
    return not [call for call in cloud_calls(control)
                if call[1] == "/oauth/token" or call[1].endswith("/customers") or call == ("POST", "/v1/devices")]


def test_a_device_claimed_by_its_qr_tag(claims, person, online_device, tag, owners, store, ownership_mode,
                                        control):
    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert (claim.state, claim.outcome, claim.title) == ("claimed", "claimed", "This device is yours")
    owners.check(store, online_device, person.id)
    assert [d.device_id for d in claims.devices.owned_devices(person.id)] == [online_device]
    if ownership_mode == PRODUCT_MODE:
        assert no_customer_work(control)
        assert store.shadow_customer(person.id, claim.product_key)["confirmed_at"] is None  # bff's name only


def test_a_device_claimed_by_its_label_code(claims, person, online_device, owners, store):
    code = labels.format_label_code(claims.devices.find(online_device).label_code)

    claim = claims.request_claim(person.id, online_device, channel="sms", label_code=code)

    assert claim.succeeded
    owners.check(store, online_device, person.id)


def test_an_operator_claims_a_device_for_a_customer(claims, person, operators, online_device, owners, store):
    crew = operators.create(None, "crew", "long enough password", role="field")

    claim, outcome = claims.request_claim_for(person.id, online_device, operator_id=crew.id, channel="field")

    assert (claim.state, outcome) == ("claimed", "claimed")
    owners.check(store, online_device, person.id)


def test_an_offline_device(claims, person, offline_device, tag, owners, store, control, ownership_mode):
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))

    if ownership_mode == PRODUCT_MODE:  # nothing to wait for: bff records the owner at once
        assert (claim.state, claim.outcome) == ("claimed", "claimed")
        owners.check(store, offline_device, person.id)
        return
    assert claim.state == "waiting_for_device"
    control.power(offline_device, True)
    claims.device_online(claim.product_key, offline_device)
    assert claims.claim(claim.id).succeeded
    owners.check(store, offline_device, person.id)


def test_someone_elses_device_is_refused_in_the_usual_words(claims, person, other_person, online_device, tag,
                                                            owners, store):
    claims.request_claim(other_person.id, online_device, channel="web", tag=tag(online_device))

    refused = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert (refused.state, refused.message) == ("refused", NOT_YOURS)
    assert "DeviceOwnedByOther" in store.claim_row(refused.id)["last_error"]
    owners.check(store, online_device, other_person.id)


def test_claiming_ones_own_device_again_is_already_yours(claims, person, online_device, tag, ownership_mode):
    claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    asked_at = claims.clock()

    again = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert claims.outcome_for(again, asked_at=asked_at + 1) == "already_yours"


def test_a_claim_made_earlier_that_ends_after_the_request_is_claimed_not_already_yours(claims, person,
                                                                                      offline_device, tag,
                                                                                      control, clock):
    claim = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    assert claim.state == "waiting_for_device"  # customers mode: it waits for the device
    clock.advance(60)
    asked_at = clock.now  # the person asks again while it waits (a second text, a reload)
    clock.advance(60)
    control.power(offline_device, True)
    claims.device_online(claim.product_key, offline_device)
    finished = claims.claim(claim.id)

    assert claims.outcome_for(finished, asked_at=asked_at) == "claimed"  # it became theirs after they asked
    assert claims.outcome_for(finished, asked_at=clock.now + 1) == "already_yours"


# -- product mode only ---------------------------------------------------------------------------------


@pytest.fixture
def product_mode_claims(store, particle_factory, demo, sms, audit, events, clock):
    """Builds a product-mode claims service whose products' API users have `scopes` (the demo
    products' own API users when None): `product_mode_claims(scopes=[...])`."""

    def build(control, scopes=None) -> ClaimsService:
        products = []
        for product in demo["products"]:
            token = product["api_user_token"]
            if scopes is not None:
                token = control.create_api_user(product["slug"], scopes)["token"]
            products.append(ProductCredentials(key=product["slug"], mode=PRODUCT_MODE, api_token=token))
        return ClaimsService(store, particle_factory(products=products), sms, label_key=LABEL_KEY,
                             audit=audit, events=events, clock=clock)

    return build


def test_a_product_mode_claim_reads_the_device_once_and_nothing_else(product_mode_claims, control, person,
                                                                    online_device, tag):
    claims = product_mode_claims(control)
    claims.devices.find(online_device)  # bff knows the device (import / reconcile), as in production
    control.clear_requests()

    assert claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device)).succeeded

    assert cloud_calls(control) == [("GET", f"/v1/products/sandbox-electron/devices/{online_device}")]


def test_an_api_user_without_a_scope_gets_the_clouds_refusal_and_operators_a_plain_reason(
        product_mode_claims, control, person, online_device, tag, store, audit, sms, accounts, caplog):
    claims = product_mode_claims(control, scopes=["devices:list", "products:get", "events:get"])  # no devices:get

    with pytest.raises(errors.ApiUserNotAllowed) as refused, caplog.at_level(logging.ERROR, "bff.particle"):
        claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert refused.value.scope == "devices:get"
    assert refused.value.status == 400  # Particle's API-user refusal: "a standard 400 unauthorized"
    assert "devices:get" in refused.value.plain_reason
    assert "setting on our side" in refused.value.public_message  # never the cloud's words
    assert "We have been told" in refused.value.next_step  # and it is so: the log says it as an error
    [said] = [r for r in caplog.records if getattr(r, "event", "") == "api_user_refused"]
    assert said.levelno == logging.ERROR and "lacks the scope devices:get" in said.getMessage()
    [logged] = [c for c in store.cloud_calls(device_id=online_device, limit=5) if c.get("error")]
    assert logged["error"].startswith("ApiUserNotAllowed") and "devices:get" in logged["error"]


def test_a_claim_refused_for_a_scope_fails_and_the_doctor_says_why(product_mode_claims, control, person,
                                                                 online_device, tag, store, audit, sms, accounts):
    good = product_mode_claims(control)
    good.devices.find(online_device)  # known to bff, as after an import
    claims = product_mode_claims(control, scopes=["devices:list", "products:get", "events:get"])

    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert (claim.state, claim.outcome) == ("failed", "failed")
    assert store.claim_row(claim.id)["last_error"].startswith("ApiUserNotAllowed")
    doctor = OwnershipService(store, claims.particle, claims, claims.devices, sms, audit, accounts)
    report = doctor.report(online_device)
    [problem] = [p for p in report.problems if p.key == "api_user_scope"]
    assert "lacks the scope devices:get" in problem.explanation
    assert "person" in problem.explanation and "claim again" in problem.explanation
    assert not [p for p in report.problems if p.key in ("cloud_unreachable", "cloud_errors", "claim_failed")]


def test_a_device_bff_already_records_as_the_persons_is_already_yours(product_mode_claims, control, person,
                                                                     online_device, tag, store):
    claims = product_mode_claims(control)
    product_key = claims.devices.find(online_device).product_key
    store.upsert_device(online_device, owner=claims.particle.owner_name(product_key, person.id))  # e.g. a backup

    claim = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert (claim.state, claim.outcome) == ("claimed", "already_yours")
    assert store.webhook_events(event_type="device.claimed") == []  # nothing changed: no event


def test_a_product_mode_claim_keeps_the_devices_online_state(product_mode_claims, control, person, online_device,
                                                              tag, store):
    claims = product_mode_claims(control)
    claims.devices.find(online_device)
    store.upsert_device(online_device, online=None)  # bff has not heard yet whether it is on

    claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    assert store.device(online_device)["online"] == 1  # from the one product read the claim made
