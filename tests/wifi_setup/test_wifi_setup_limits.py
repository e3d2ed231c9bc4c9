"""The Wi-Fi setup page's limit on claim codes: ten an hour per person; the 11th "Get my setup code"
gets a 429 page that says to wait, and changes nothing (no code stored, no cloud call).

The limit counts in fixed hours on the accounts service's clock, set here to a FakeClock a minute
into an hour (so the hour never turns over in the middle of a test by chance).
"""
from __future__ import annotations

import pytest

from bff import errors
from bff.wifi_setup.service import CODES_PER_USER_PER_HOUR

from tests.support.clock import FakeClock
from tests.support.pages import csrf_token, page_text, signed_in_client


def ask_for_code(browser):
    """Open the start page (a new code, even with one open) and tap "Get my setup code"."""
    start = browser.get("/setup?new=1")
    return browser.post("/setup/codes", data={"csrf_token": csrf_token(start), "product": "sandbox-photon"})


def codes_of(services, user_id: int) -> int:
    return services.store.db.execute("SELECT COUNT(*) FROM claim_codes WHERE user_id = ?", [user_id]).fetchone()[0]


def test_the_11th_code_in_an_hour_gets_a_429_page_and_changes_nothing(app, member, services, control, person,
                                                                     other_person, hour_clock):
    assert CODES_PER_USER_PER_HOUR == 10
    issued = [ask_for_code(member) for _ in range(CODES_PER_USER_PER_HOUR)]
    assert [response.status_code for response in issued] == [303] * 10
    assert codes_of(services, person.id) == 10
    with member.session_transaction() as session:
        newest = session["setup_code"]
    control.clear_requests()

    refused = ask_for_code(member)

    assert refused.status_code == 429
    assert errors.TooManyClaimCodes().customer_text in page_text(refused)
    assert "Get my setup code" in page_text(refused)  # the start page again, to try later
    assert codes_of(services, person.id) == 10
    assert control.requests() == []  # no claim code asked of the cloud
    with member.session_transaction() as session:
        assert session["setup_code"] == newest  # the code shown is still the last one issued

    assert ask_for_code(signed_in_client(app, other_person)).status_code == 303  # others are not held up
    hour_clock.advance(3600 - 60)  # the next hour
    assert ask_for_code(member).status_code == 303 and codes_of(services, person.id) == 11
