"""What only the lifecycle tests use: the service over the test's store and sandbox, helpers to
own a device, read texts, events and the cloud's owner."""
from __future__ import annotations

import pytest

from bff.ownership import OwnershipService
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


@pytest.fixture
def desk(accounts):
    """A support operator (the actor of every fix)."""
    return accounts.create_operator("desk", "correct horse battery", role="support", phone="+12015550182")


@pytest.fixture
def ownership(store, particle, claims, sms, audit, accounts, clock) -> OwnershipService:
    """Operators' fixes (release, give, re-read) over the test's store and sandbox."""
    return OwnershipService(store, particle, claims, claims.devices, sms, audit, accounts, clock)
