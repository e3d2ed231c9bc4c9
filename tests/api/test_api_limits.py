"""The claim rate limit on the JSON API: 30 new claims an hour per person; the 31st is a 429
`too_many_claims` in the one error shape that changes nothing (no claim stored, no cloud call).

The limit counts in fixed hours on the accounts service's clock, set here to a FakeClock a minute
into an hour (so the hour never turns over in the middle of a test by chance).
"""
from __future__ import annotations

import pytest

from bff import labels
from bff.claims.service import CLAIMS_PER_USER_PER_HOUR

from tests.api.test_api_routes import assert_error
from tests.support import LABEL_KEY, PHONE
from tests.support.clock import FakeClock

CLAIM_CALL = ("/v1/devices", "POST")


def claim_by_api(api, device_id: str):
    return api.post("/api/v1/claims", {"device_id": device_id, "tag": labels.qr_tag(LABEL_KEY, device_id)})


def test_the_31st_claim_in_an_hour_is_refused_and_changes_nothing(api_client, other_api_client, services,
                                                                 control, new_devices, hour_clock):
    person = services.accounts.user_for_phone(PHONE)
    *allowed, extra = new_devices(CLAIMS_PER_USER_PER_HOUR + 1)
    for device_id in allowed:
        claimed = claim_by_api(api_client, device_id)
        assert claimed.status_code == 200 and claimed.get_json()["state"] == "claimed"
    assert claim_by_api(api_client, allowed[0]).status_code == 200  # a repeat is not a new claim
    control.clear_requests()

    refused = assert_error(claim_by_api(api_client, extra), 429, "too_many_claims")

    assert refused["message"] == "You have tried to add many devices in a short time."
    assert services.store.latest_claim(person.id, extra) is None
    assert len(services.store.claims_of_user(person.id)) == CLAIMS_PER_USER_PER_HOUR
    assert control.requests(*CLAIM_CALL) == []
    assert control.device(extra)["owner"] is None

    assert claim_by_api(other_api_client, extra).status_code == 200  # someone else is not held up

