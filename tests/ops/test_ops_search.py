"""The operators' search box (`/ops/search?q=`, or `/ops?q=`): a device by ID, ID prefix, label code or
serial number; a person by phone (any format) or customer username; one match opens its page,
several are listed, none says what can be searched."""
from __future__ import annotations

import pytest

from bff.labels import format_label_code

from tests.support import PHONE
from tests.support.pages import page_text

PREFIX_TWINS = ("5ea5c0ffee0000000000aaaa", "5ea5c0ffee0000000000bbbb")


@pytest.fixture
def known(services, electron, online_device):
    """A known device with a label code and a serial number, and a person with a customer."""
    store = services.store
    store.upsert_device(online_device, product_key=electron["slug"], serial_number="E40KAB123456789")
    code = store.ensure_label_code(online_device, lambda: "K7Q2M9XA3F4T")
    person = services.accounts.user_for_phone(PHONE)
    username = services.particle.ensure_customer(electron["slug"], person.id)
    return {"device": online_device, "code": code, "person": person, "username": username}


def _search(client, text: str, path: str = "/ops/search"):
    return client.get(path, query_string={"q": text})


def _goes_to(response, location: str) -> bool:
    return response.status_code == 303 and response.headers["Location"] == location


def test_a_device_by_id_prefix_label_code_and_serial_number(desk, known):
    device = known["device"]
    doctor = f"/ops/devices/{device}"
    for typed in (device.upper(), f"  {device} ", device[:6], device[:10].upper(),
                  known["code"].lower(), format_label_code(known["code"]).lower(), known["code"][:4] + " " + known["code"][4:],
                  "e40kab123456789", "E40KAB123456789"):
        assert _goes_to(_search(desk, typed), doctor), typed


def test_a_whole_device_id_opens_its_doctor_even_when_unknown(desk):
    assert _goes_to(_search(desk, "ABCDEF0123456789ABCDEF01"), "/ops/devices/abcdef0123456789abcdef01")


def test_a_person_by_phone_in_any_format_or_by_customer_username(desk, known):
    page = f"/ops/people/{known['person'].id}"
    username = known["username"]
    for typed in ("(201) 555-0123", "+1 201 555 0123", "201.555.0123", PHONE, username, username.upper(),
                  username.split("@")[0]):
        assert _goes_to(_search(desk, typed), page), typed


def test_the_home_searches_too(desk, known):
    assert _goes_to(_search(desk, known["device"], path="/ops"), f"/ops/devices/{known['device']}")


def test_several_matches_are_listed(desk, services, electron):
    for device_id in PREFIX_TWINS:
        services.store.upsert_device(device_id, product_key=electron["slug"])
    page = _search(desk, "5EA5C0FFEE")
    assert page.status_code == 200
    text = page_text(page)
    assert "2 matches for “5EA5C0FFEE”" in text
    html = page.get_data(as_text=True)
    assert all(f'href="/ops/devices/{device_id}"' in html for device_id in PREFIX_TWINS)
    assert _goes_to(_search(desk, PREFIX_TWINS[0][:21]), f"/ops/devices/{PREFIX_TWINS[0]}")


@pytest.mark.parametrize("typed", ["5ea5c", "nobody-here", "+1 201 555 0199", "K7Q2-M9XA-3F4X", "bff-0000"])
def test_nothing_found_says_what_can_be_searched(desk, services, electron, typed):
    services.store.upsert_device(PREFIX_TWINS[0], product_key=electron["slug"])
    page = _search(desk, typed)
    assert page.status_code == 200
    text = page_text(page)
    assert f"Nothing found for “{typed}”" in text
    assert "a device ID" in text and "a label code" in text and "a serial number" in text
    assert "a phone number" in text and "a customer username" in text


def test_an_empty_search_goes_home(desk):
    assert _goes_to(_search(desk, "  "), "/ops")


def test_a_phone_is_shown_masked_to_support(desk, services, known, electron):
    """Two matches (a device and a person) are listed; support sees the phone masked."""
    services.store.upsert_device(known["device"], serial_number="2015550123")
    page = _search(desk, "2015550123")
    text = page_text(page)
    assert "Person: ••• ••• 0123" in text and PHONE not in page.get_data(as_text=True)
    assert f"Device: {known['device']}" in text
