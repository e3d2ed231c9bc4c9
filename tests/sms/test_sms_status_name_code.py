"""`STATUS`, `NAME <code or device> <name>` and `CODE [<product>]` by SMS."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from bff import errors, labels
from bff.sms import texts

from tests.sms.sms_support import is_one_plain_segment
from tests.support import OTHER_PHONE, PHONE
from tests.support.fake_twilio import SMS_APP_SETTINGS

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS)


def claim(phone, code: str, who: str = PHONE) -> None:
    reply = phone.text(f"CLAIM {code}", phone=who).text
    assert reply.startswith("Done:") or "Switch it on" in reply, reply


def give_devices(services, phone_number: str, names: list[str], product_key: str = "sandbox-electron") -> None:
    """Make the person own devices in bff's records (for STATUS layouts; no cloud involved)."""
    user = services.accounts.user_for_phone(phone_number)
    username = services.store.reserve_shadow_customer(user.id, product_key, f"u{user.id}@x.invalid")["username"]
    for index, name in enumerate(names):
        services.store.upsert_device(f"{index:024x}", product_key=product_key, name=name, owner=username,
                                     online=index % 2 == 0)


# -- STATUS -----------------------------------------------------------------------------------------------


def test_status_with_nothing(phone):
    assert phone.text("STATUS").text == texts.STATUS_NONE


def test_status_lists_devices_on_and_off(phone, services, control, online_device, label_code):
    claim(phone, label_code(online_device))
    name = control.device(online_device)["name"]
    assert phone.text("status").text == f"Your devices: {name} on."
    services.store.set_device_online(online_device, False)  # the worker saw it go offline
    assert phone.text("STATUS").text == f"Your devices: {name} off."


def test_status_shows_waiting_claims(phone, control, online_device, offline_device, label_code):
    claim(phone, label_code(online_device))
    claim(phone, label_code(offline_device))
    reply = phone.text("STATUS").text
    on, off = control.device(online_device)["name"], control.device(offline_device)["name"]
    assert reply == f"Your devices: {on} on. Waiting to add: {off} (switch on)."


def test_status_is_shortened_to_one_segment(phone, services):
    names = [f"pump_station_{index:02d}_north" for index in range(30)]
    give_devices(services, PHONE, names)
    reply = phone.text("STATUS").text
    assert is_one_plain_segment(reply)
    shown = [name for name in names if name in reply]
    assert 2 <= len(shown) < 30
    assert reply.endswith(f"+{30 - len(shown)} more.")


def test_status_makes_device_names_plain(phone, services):
    give_devices(services, PHONE, ["Pumpe \u201cNord\u201d \U0001f4a7", "caf\u00e9_\u00fcber"])
    reply = phone.text("STATUS").text
    assert is_one_plain_segment(reply)
    assert 'Pumpe "Nord"' in reply


def test_status_shows_only_my_devices(phone, services):
    give_devices(services, OTHER_PHONE, ["not_mine"])
    assert phone.text("STATUS").text == texts.STATUS_NONE


# -- NAME ---------------------------------------------------------------------------------------------------


def test_name_a_device_by_its_box_code(phone, services, control, online_device, label_code):
    code = label_code(online_device)
    claim(phone, code)
    reply = phone.text(f"NAME {labels.format_label_code(code)} pump house")
    assert reply.text == texts.NAME_DONE.format(name="pump_house")
    assert control.device(online_device)["name"] == "pump_house"
    assert services.store.device(online_device)["name"] == "pump_house"
    assert phone.text("STATUS").text == "Your devices: pump_house on."


def test_name_a_device_by_its_name_id_or_id_end(phone, control, online_device, label_code):
    claim(phone, label_code(online_device))
    old = control.device(online_device)["name"]
    assert phone.text(f"NAME {old} first").text.startswith("Done:")
    assert phone.text(f"name ...{online_device[-6:]} second").text.startswith("Done:")
    assert phone.text(f"Name {online_device.upper()} third").text.startswith("Done:")
    assert control.device(online_device)["name"] == "third"


def test_name_someone_elses_device_is_refused(phone, control, online_device, label_code):
    code = label_code(online_device)
    old = control.device(online_device)["name"]
    claim(phone, code, who=OTHER_PHONE)
    for target in (code, online_device, old):
        assert phone.text(f"NAME {target} mine_now").text == texts.NAME_NOT_YOURS
    assert control.device(online_device)["name"] == old


def test_name_with_a_typo_in_the_code(phone, online_device, label_code):
    code = label_code(online_device)
    claim(phone, code)
    at = next(i for i in range(11) if code[i] != code[i + 1])
    wrong = code[:at] + code[at + 1] + code[at] + code[at + 2:]  # two neighbours swapped
    assert "mistake" in phone.text(f"NAME {wrong} pump").text


@pytest.mark.parametrize("body, expected", [
    ("NAME", texts.NAME_HOW),
    ("NAME K7Q2-M9XA-3F4T", texts.NAME_NO_NAME),
    ("NAME K7Q2 M9XA 3F4T", texts.NAME_NO_NAME),
    ("NAME pump", texts.NAME_NO_NAME),
    ("NAME nothing_i_own new_name", texts.NAME_NOT_YOURS),
])
def test_name_needs_a_device_and_a_name(phone, body, expected):
    assert phone.text(body).text == expected


@pytest.mark.parametrize("name", ["\U0001f680", "x" * 25, "a;b", "caf\u00e9"])
def test_name_must_be_plain(phone, control, online_device, label_code, name):
    code = label_code(online_device)
    claim(phone, code)
    old = control.device(online_device)["name"]
    assert phone.text(f"NAME {code} {name}").text == texts.NAME_BAD
    assert control.device(online_device)["name"] == old


def test_name_the_code_typed_in_groups(phone, control, online_device, label_code):
    code = label_code(online_device)
    claim(phone, code)
    spaced = " ".join(code[i:i + 4] for i in range(0, 12, 4))
    assert phone.text(f"NAME {spaced} tank 2").text == texts.NAME_DONE.format(name="tank_2")
    assert control.device(online_device)["name"] == "tank_2"


def test_name_when_the_cloud_refuses(phone, services, control, online_device, label_code):
    code = label_code(online_device)
    claim(phone, code)
    old = control.device(online_device)["name"]
    control.add_fault(path="/v1/products/*/devices/*", method="PUT", status=503)
    reply = phone.text(f"NAME {code} new_name")
    assert reply.text == errors.CloudUnavailable().customer_text
    assert services.store.device(online_device)["name"] == old


# -- CODE ---------------------------------------------------------------------------------------------------


def test_code_gives_a_wifi_setup_code_with_its_validity(phone, control, photon):
    reply = phone.text("CODE").text
    match = re.fullmatch(r"Wi-Fi setup code for (.+), (\d+) min\. Type it in your setup tool: (\S+)", reply)
    assert match, reply
    assert match.group(1) == photon["name"] and match.group(2) == "60"
    assert len(match.group(3)) == 63 and is_one_plain_segment(reply)
    assert match.group(3) in {code["code"] for code in control.state()["claim_codes"]}


def test_code_for_a_named_product(phone, photon):
    assert phone.text(f"code {photon['slug']}").text.startswith("Wi-Fi setup code for")


def test_code_for_an_unknown_product_says_which_ones_exist(phone, photon):
    reply = phone.text("CODE toaster").text
    assert reply.startswith("We do not know that product.") and f"CODE {photon['slug']}" in reply


def test_code_for_a_cellular_product_says_it_needs_none_and_to_claim_its_box_code(phone, electron, photon,
                                                                                 services, control):
    """A product of ours that is not Wi-Fi: say so and what to do (CLAIM), not "we do not know it"."""
    reply = phone.text(f"CODE {electron['slug']}").text
    name = services.particle.product_info(electron["slug"]).name
    assert reply == (f"{name} is not a Wi-Fi product, so it needs no setup code. "
                     "To add it, text CLAIM and the 12-letter code on its box.")
    assert is_one_plain_segment(reply)
    assert control.state()["claim_codes"] == []  # no code was made


@dataclass
class Issued:
    code: str
    expires_at: float
    product_key: str
    product_name: str = ""


class FakeSetup:
    """A stand-in setup service for the edge cases the sandbox does not produce."""

    def __init__(self, result=None, error=None):
        self.result, self.error, self.calls = result, error, []

    def create_claim_code(self, user_id, product_key=None, *, channel):
        self.calls.append((user_id, product_key, channel))
        if self.error:
            raise self.error
        return self.result


def test_code_fits_with_a_long_product_name_and_a_full_length_code(phone, services, monkeypatch):
    import time

    code = "A1b2/C3d4+" * 6 + "xyz"
    fake = FakeSetup(Issued(code, time.time() + 3600, "p", "A Very Long Product Name For Wi-Fi"))
    monkeypatch.setattr(services, "setup", fake)
    reply = phone.text("CODE my product").text
    assert reply.endswith(code) and is_one_plain_segment(reply)
    assert fake.calls == [(services.store.user_by_phone(PHONE)["id"], "my product", "sms")]


def test_code_errors_are_answered_in_words(phone, services, monkeypatch):
    monkeypatch.setattr(services, "setup", FakeSetup(error=errors.TooManyClaimCodes()))
    assert phone.text("CODE").text == errors.TooManyClaimCodes().customer_text
    monkeypatch.setattr(services, "setup", FakeSetup(error=RuntimeError("boom")))
    assert phone.text("CODE").text == texts.SORRY


def test_code_without_a_setup_service(phone, services, monkeypatch):
    monkeypatch.setattr(services, "setup", None)
    assert phone.text("CODE").text == texts.CODE_UNAVAILABLE
