"""The claim rate limit on the web: a person's 31st new claim in an hour gets a 429 page that says
to wait, and changes nothing (no claim stored, no cloud call); the next hour it goes through.

The limit counts in fixed hours on the accounts service's clock, which these tests set to a FakeClock
a minute into an hour (so the hour never turns over in the middle of a test by chance).
"""
from __future__ import annotations


from bff.claims.service import CLAIMS_PER_USER_PER_HOUR
from bff.errors import TooManyClaimAttempts

from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import claim, landing_path, page_text, signed_in_client

CLAIM_CALL = ("/v1/devices", "POST")
PASSWORD = "correct horse battery"


def claim_many(browser, devices) -> None:
    for device_id in devices:
        tapped = claim(browser, device_id)
        assert tapped.status_code == 303 and tapped.headers["Location"].endswith("#result"), tapped.status_code


def assert_refused_and_nothing_changed(refused, services, control, user_id: int, device_id: str) -> None:
    assert refused.status_code == 429
    assert TooManyClaimAttempts().customer_text in page_text(refused)
    assert services.store.latest_claim(user_id, device_id) is None  # no claim stored
    assert control.requests(*CLAIM_CALL) == []  # the cloud was not asked
    assert control.device(device_id)["owner"] is None


def test_the_31st_claim_in_an_hour_gets_a_429_page_and_changes_nothing(member, services, control, person,
                                                                      new_devices, hour_clock):
    *allowed, extra = new_devices(CLAIMS_PER_USER_PER_HOUR + 1)
    claim_many(member, allowed)
    assert len(services.devices.owned_devices(person.id)) == CLAIMS_PER_USER_PER_HOUR
    control.clear_requests()

    refused = claim(member, extra)

    assert_refused_and_nothing_changed(refused, services, control, person.id, extra)
    assert 'name="k"' in refused.get_data(as_text=True)  # the device page, with the Claim button to retry
    assert len(services.store.claims_of_user(person.id)) == CLAIMS_PER_USER_PER_HOUR

    hour_clock.advance(3600 - 60)  # the next hour
    assert claim(member, extra).status_code == 303
    assert "This device is yours" in page_text(member.get(landing_path(extra)))


def test_repeats_do_not_count_and_others_are_not_held_up(app, member, services, control, person, other_person,
                                                         new_devices, hour_clock):
    *allowed, extra = new_devices(CLAIMS_PER_USER_PER_HOUR + 1)
    claim_many(member, allowed[:1] * 3 + allowed[1:])  # a double tap and a reload: one claim

    assert claim(member, allowed[0]).status_code == 303  # at the limit, a repeat still shows the claim
    assert claim(member, extra).status_code == 429
    claim_many(signed_in_client(app, other_person), [extra])


def test_an_operator_signed_in_with_a_password_claims_nothing_for_themselves_here(app, services, new_devices):
    """Operators add devices for customers (field mode, the doctor): the landing points them there,
    and its Claim button claims nothing for the operator."""
    make_operator(services, "alice", "field")
    operator = app.test_client()
    ops_sign_in(operator, services, "alice")
    [device_id] = new_devices(1)
    landing = operator.get(landing_path(device_id))
    assert "You are signed in as an operator" in page_text(landing) and 'href="/ops/field"' in landing.text
    assert claim(operator, device_id).status_code == 303
    assert services.store.open_claim_of_device(device_id) is None
    assert services.store.latest_claim(services.store.user_by_login("alice")["id"], device_id) is None
