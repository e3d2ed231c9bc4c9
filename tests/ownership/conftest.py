"""What only the lifecycle tests use: the service over the test's store and sandbox, helpers to
own a device, read texts, events and the cloud's owner."""
from __future__ import annotations

import pytest

from bff.ownership.lifecycle import LifecycleService

from tests.ownership.helpers import PUBLIC_URL, THIRD_PHONE


@pytest.fixture
def lifecycle(store, particle, claims, accounts, sms, events, audit, clock) -> LifecycleService:
    return LifecycleService(store, particle, claims, claims.devices, accounts, sms, events, audit,
                            public_url=PUBLIC_URL, rate_limit=accounts.hit_rate_limit, clock=clock)


@pytest.fixture
def third_person(accounts):
    """A third customer: the user of THIRD_PHONE."""
    return accounts.user_for_phone(THIRD_PHONE)


@pytest.fixture
def owns(claims):
    """`owns(person, device_id)`: the person claims the device (as an operator would, no label needed)."""
    def claim(person, device_id):
        claim = claims.request_claim(person.id, device_id, channel="test", operator=True)
        assert claim.state == "claimed", claim
        return device_id
    return claim
