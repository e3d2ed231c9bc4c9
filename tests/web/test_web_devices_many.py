"""My devices for a person with many devices: the page reads the database a fixed number of times,
whatever the number of devices (shares, offers and stopped asks are read once for the page, not
once per device), and shows each device with its own shares."""
from __future__ import annotations

import pytest

from tests.support import OTHER_PHONE
from tests.support.pages import signed_in_client


@pytest.fixture
def owner_of(services, electron):
    """Gives the person `n` devices in bff (as after their claims): their IDs."""
    def make(person, n: int) -> list[str]:
        username = services.particle.ensure_customer(electron["slug"], person.id)
        device_ids = [f"{person.id:04x}{i:020x}" for i in range(n)]
        with services.store.transaction():
            for device_id in device_ids:
                services.store.upsert_device(device_id, product_key=electron["slug"], owner=username, platform_id=10)
        return device_ids
    return make


def _statements_for_page(app, services, person) -> int:
    client = signed_in_client(app, person)
    client.get("/devices")  # the session's first reads are not the page's
    statements: list[str] = []
    services.store.db.conn.set_trace_callback(statements.append)
    try:
        assert client.get("/devices").status_code == 200
    finally:
        services.store.db.conn.set_trace_callback(None)
    return len(statements)


def test_the_page_costs_the_same_reads_for_3_or_60_devices(app, services, owner_of, person, other_person):
    owner_of(person, 3)
    owner_of(other_person, 60)

    assert _statements_for_page(app, services, person) == _statements_for_page(app, services, other_person)


def test_each_device_shows_its_own_shares(app, services, owner_of, person):
    first, second = owner_of(person, 2)
    friend = services.accounts.user_for_phone(OTHER_PHONE)
    services.store.insert_share(device_id=second, owner_user_id=person.id, user_id=friend.id, offer_id=None)

    shown = signed_in_client(app, person).get("/devices.json").get_json()
    by_id = {device["device_id"]: device for device in shown["devices"]}

    assert by_id[first]["shares"] == [] and len(by_id[second]["shares"]) == 1
    assert by_id[second]["shares"][0]["with"].endswith(OTHER_PHONE[-4:])
