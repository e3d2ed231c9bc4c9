"""Issue 10's "done when", end to end by text: a device goes from the factory to owner A, to owner B
by a give, is shared with C, goes to D by an ask that B approves by text, and back to the shop by a
remove, without anyone opening Particle's console; the product creator's endpoint receives each of
those events exactly once (signed, deduplicated by id)."""
from __future__ import annotations

import pytest

from tests.support.fake_twilio import SMS_APP_SETTINGS

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS)

A, B, C, D = "+12015550161", "+12015550162", "+12015550163", "+12015550164"


@pytest.fixture
def app(events_app):
    """bff sending its events to the test receiver (the product creator's endpoint)."""
    return events_app


def cloud_owner(control, device_id):
    return control.device(device_id)["owner"]


def username_of(services, phone, product_key):
    row = services.store.shadow_customer(services.store.user_by_phone(phone)["id"], product_key)
    return row["username"] if row else None


def test_a_device_goes_from_the_factory_through_four_owners_and_back_to_the_shop(
        phone, services, control, online_device, label_code, electron, receiver):
    code, product = label_code(online_device), electron["slug"]
    owner = lambda: cloud_owner(control, online_device)  # noqa: E731

    assert phone.text(f"CLAIM {code}", phone=A).text.startswith("Done")
    assert owner() == username_of(services, A, product)

    phone.text(f"GIVE {code} {B}", phone=A)
    phone.text("YES", phone=B)
    assert owner() == username_of(services, B, product)

    phone.text(f"SHARE {code} {C}", phone=B)
    phone.text("YES", phone=C)
    assert "(shared)" in phone.text("STATUS", phone=C).text

    phone.text(f"ASK {code}", phone=D)  # D holds the box (its label code) and asks the owner
    phone.text("YES", phone=B)  # B approves by text
    assert owner() == username_of(services, D, product)
    assert "(shared)" not in phone.text("STATUS", phone=C).text  # the share ended with B's ownership

    phone.text(f"REMOVE {code}", phone=D)
    assert owner() is None  # back to the shop: the same label works for the next owner

    services.webhooks.deliver_due()
    services.webhooks.deliver_due()  # a second round sends nothing again
    received = [(event["type"], event["data"].get("device_id")) for event in receiver.events.values()]
    assert sorted(kind for kind, _ in received) == sorted([
        "device.claimed",  # A
        "device.given", "device.claimed",  # A -> B
        "device.shared",  # B shares with C
        "device.given", "device.unshared", "device.claimed",  # B -> D (the share with C ends)
        "device.released",  # D removes it
    ])
    assert {device for _, device in received} == {online_device}
    assert len(receiver.requests) == len(received)  # each event exactly once, each signature good
    assert all(request["verified"] for request in receiver.requests)
