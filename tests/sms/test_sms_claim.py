"""`CLAIM <code>` and operators' `CLAIM <code or device ID> FOR <phone>`, against the sandbox cloud."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from bff import errors, labels
from bff.sms import texts
from bff.sms.inbox import SmsInbox
from bff.worker import Worker

from tests.sms.sms_support import is_one_plain_segment, left_by_a_crash
from tests.support import LABEL_KEY, OPERATOR_PHONE, OTHER_PHONE, PHONE
from tests.support.fake_twilio import SMS_APP_SETTINGS

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS)


def owner_of(control, device_id: str) -> str | None:
    return control.device(device_id)["owner"]


def user_id(services, phone: str) -> int:
    return services.store.user_by_phone(phone)["id"]


def username(services, phone: str, product_key: str) -> str | None:
    row = services.store.shadow_customer(user_id(services, phone), product_key)
    return row and row["username"]


def device_comes_online(services, control, product_key: str, device_id: str) -> None:
    """Switch the device on, and hand its `spark/status online` event to the worker's handler."""
    control.power(device_id, True)
    event = SimpleNamespace(name="spark/status", coreid=device_id, data="online")
    Worker(services).handle_event(product_key, event)


def typo(code: str) -> str:
    """The code with its first symbol changed (the check symbol catches it)."""
    first = code[0]
    other = labels.LABEL_CODE_ALPHABET[(labels.LABEL_CODE_ALPHABET.index(first) + 1) % 29]
    return other + code[1:]


# -- customers ---------------------------------------------------------------------------------------


def test_claim_from_a_new_phone_claims_the_device(phone, services, control, online_device, label_code, electron):
    code = labels.format_label_code(label_code(online_device))
    name = control.device(online_device)["name"]
    reply = phone.text(f"CLAIM {code}")
    assert reply.text == texts.CLAIMED.format(device=name) and is_one_plain_segment(reply.text)
    assert owner_of(control, online_device) == username(services, PHONE, electron["slug"])
    claim = services.claims.claims_of(user_id(services, PHONE))[0]
    assert (claim.channel, claim.state) == ("sms", "claimed")


def test_case_spacing_and_dashes_do_not_matter(phone, control, online_device, label_code):
    code = label_code(online_device)
    messy = " ".join(code[i:i + 4] for i in range(0, 12, 4)).lower()
    assert phone.text(f"  claim   {messy} ").text.startswith("Done:")


def test_a_bare_code_claims_too(phone, online_device, label_code):
    assert phone.text(label_code(online_device)).text.startswith("Done:")


def test_claiming_again_says_already_yours(phone, control, online_device, label_code):
    code = label_code(online_device)
    phone.text(f"CLAIM {code}")
    again = phone.text(f"CLAIM {code}")
    assert again.text == texts.ALREADY_YOURS.format(device=control.device(online_device)["name"])


def test_a_typo_is_reported_as_a_typo_not_as_not_found(phone, control, online_device, label_code):
    wrong = typo(label_code(online_device))
    control.clear_requests()
    reply = phone.text(f"CLAIM {wrong}")
    assert "mistake" in reply.text and "could not" not in reply.text
    assert reply.text == labels.LabelCodeTypoError().customer_text
    assert owner_of(control, online_device) is None
    assert control.requests() == []  # answered without asking the cloud


def test_a_code_of_the_wrong_length(phone):
    reply = phone.text("CLAIM K7Q2-M9XA")
    assert "12 letters and numbers" in reply.text and is_one_plain_segment(reply.text)


def test_a_valid_code_nobody_has_is_refused_plainly(phone):
    reply = phone.text(f"CLAIM {labels.new_label_code()}")
    assert reply.text.startswith("We could not add this device to your account.")


def test_claim_without_a_code(phone):
    assert phone.text("CLAIM").text == texts.CLAIM_NO_CODE


def test_customers_may_not_claim_by_device_id(phone, control, online_device):
    assert phone.text(f"CLAIM {online_device}").text == texts.CLAIM_DEVICE_ID
    assert owner_of(control, online_device) is None


def test_someone_elses_device_is_refused_with_what_to_do_next(phone, control, online_device, label_code):
    """The box code proves the person has the device: they are told they may ask its owner."""
    code = label_code(online_device)
    phone.text(f"CLAIM {code}", phone=OTHER_PHONE)
    reply = phone.text(f"CLAIM {code}")
    assert reply.text == texts.CLAIM_ASK_OWNER.format(code=labels.format_label_code(code))
    assert "Text ASK " in reply.text and is_one_plain_segment(reply.text)
    unknown = phone.text(f"CLAIM {labels.new_label_code()}")
    assert unknown.text == ("We could not add this device to your account. "
                            "Check the code on the label. If it is right, contact the seller for help.")


def test_an_offline_device_waits_and_a_second_sms_says_when_it_is_done(phone, services, control,
                                                                         offline_device, label_code,
                                                                         outbox, electron):
    code = label_code(offline_device)
    name = control.device(offline_device)["name"]
    reply = phone.text(f"CLAIM {code}")
    assert reply.text == texts.WAITING.format(device=name)
    claim = services.claims.claims_of(user_id(services, PHONE))[0]
    assert claim.state == "waiting_for_device" and owner_of(control, offline_device) is None
    device_comes_online(services, control, electron["slug"], offline_device)
    assert owner_of(control, offline_device) == username(services, PHONE, electron["slug"])
    later = outbox(PHONE)
    assert len(later) == 1 and later[0].startswith("Good news:") and name in later[0]
    assert phone.text("STATUS").text == f"Your devices: {name} on."


@pytest.fixture
def at_the_claim_limit(services, control, electron):
    """Makes `phone`'s person claim 30 devices this hour (on the web, as the claims service does for a
    page) and returns a fresh device for them to try next; the rate counters' clock is set a minute
    into an hour, so the hour does not turn over during the test."""
    from bff.claims.service import CLAIMS_PER_USER_PER_HOUR
    from tests.support.clock import FakeClock

    clock = FakeClock()
    clock.now = (clock.now // 3600) * 3600 + 60
    services.accounts.clock = clock

    def fill(phone: str) -> str:
        user = services.accounts.user_for_phone(phone)
        for _ in range(CLAIMS_PER_USER_PER_HOUR):
            device_id = control.create_device("electron", electron["id"], online=True)["id"]
            claimed = services.claims.request_claim(user.id, device_id, channel="web",
                                                    tag=labels.qr_tag(LABEL_KEY, device_id))
            assert claimed.succeeded
        probe = control.create_device("electron", electron["id"], online=True)["id"]
        with pytest.raises(errors.TooManyClaimAttempts):  # at the limit now, as a customer
            services.claims.request_claim(user.id, probe, channel="web", tag=labels.qr_tag(LABEL_KEY, probe))
        return control.create_device("electron", electron["id"], online=True)["id"]

    return fill


def test_the_claim_rate_limit_is_answered_in_words_and_changes_nothing(phone, services, control,
                                                                       at_the_claim_limit):
    extra = at_the_claim_limit(PHONE)
    code = services.devices.find(extra).label_code
    control.clear_requests()

    reply = phone.text(f"CLAIM {code}")

    assert reply.status == 200  # Twilio gets its answer; the person reads why
    assert reply.text == errors.TooManyClaimAttempts().customer_text and is_one_plain_segment(reply.text)
    assert services.store.latest_claim(user_id(services, PHONE), extra) is None
    assert control.requests("/v1/devices", "POST") == []
    assert owner_of(control, extra) is None


def test_operators_claims_by_sms_are_not_limited(phone, services, control, operator, outbox, electron,
                                                 at_the_claim_limit):
    """An operator who claimed 30 devices on the web this hour, and a customer at the limit, can
    still have devices claimed by the operator's texts."""
    own = at_the_claim_limit(OPERATOR_PHONE)
    for_customer = at_the_claim_limit(PHONE)

    assert phone.text(f"CLAIM {own}", phone=OPERATOR_PHONE).text.startswith("Done:")
    reply = phone.text(f"CLAIM {for_customer} FOR {PHONE}", phone=OPERATOR_PHONE)

    assert reply.text.startswith("Done:")
    assert owner_of(control, own) == username(services, OPERATOR_PHONE, electron["slug"])
    assert owner_of(control, for_customer) == username(services, PHONE, electron["slug"])
    assert outbox(PHONE)[-1] == texts.FOR_CUSTOMER_CLAIMED.format(device=services.devices.short_name(for_customer))


# -- operators --------------------------------------------------------------------------------------------


def test_an_operator_claims_by_bare_device_id(phone, services, control, online_device, operator, electron):
    reply = phone.text(f"CLAIM {online_device.upper()}", phone=OPERATOR_PHONE)
    assert reply.text.startswith("Done:")
    assert owner_of(control, online_device) == username(services, OPERATOR_PHONE, electron["slug"])


def test_an_operator_claims_for_a_customer_and_the_customer_gets_a_text(phone, services, control,
                                                                          online_device, label_code,
                                                                          operator, outbox, electron):
    code = label_code(online_device)
    name = control.device(online_device)["name"]
    customer = "+12015550150"
    reply = phone.text(f"claim {code} for +1 (201) 555-0150", phone=OPERATOR_PHONE)
    assert reply.text == texts.FOR_CLAIMED.format(device=name, phone=customer)
    assert owner_of(control, online_device) == username(services, customer, electron["slug"])
    assert outbox(customer) == [texts.FOR_CUSTOMER_CLAIMED.format(device=name)]
    claim = services.claims.claims_of(user_id(services, customer))[0]
    assert claim.state == "claimed"
    row = services.store.claim_row(claim.id)
    assert row["actor_user_id"] == operator.id and row["channel"] == "sms"
    assert outbox(OPERATOR_PHONE) == []  # the operator's answer is the reply itself


def test_an_operators_claim_for_run_again_after_a_crash_says_done_once_and_texts_once(
        phone, services, control, online_device, label_code, operator, outbox, electron):
    customer = "+12015550151"
    left_by_a_crash(services.store, f"CLAIM {label_code(online_device)} FOR {customer}", OPERATOR_PHONE)
    customer_id = services.accounts.user_for_phone(customer).id
    services.claims.request_claim_for(customer_id, online_device, operator_id=operator.id, channel="sms",
                                      label_code=label_code(online_device))  # the first run, then it died

    assert SmsInbox(services, deadline=0).finish_stuck() == 1

    name = control.device(online_device)["name"]
    assert outbox(OPERATOR_PHONE) == [texts.FOR_CLAIMED.format(device=name, phone=customer)]  # not "already"
    assert outbox(customer) == [texts.FOR_CUSTOMER_CLAIMED.format(device=name)]  # once, by the first run


def test_a_claim_text_run_again_after_the_person_was_told_texts_nothing_more(phone, services, control,
                                                                             offline_device, label_code, outbox,
                                                                             electron):
    sid = left_by_a_crash(services.store, f"CLAIM {label_code(offline_device)}", PHONE)
    person = services.accounts.user_for_phone(PHONE)
    assert services.claims.request_claim(person.id, offline_device, channel="sms", label_code=label_code(
        offline_device)).state == "waiting_for_device"  # the first run, then it died
    device_comes_online(services, control, electron["slug"], offline_device)  # claimed; the service texts it
    told = outbox(PHONE)
    assert len(told) == 1

    assert SmsInbox(services, deadline=0).finish_stuck() == 1

    assert outbox(PHONE) == told  # nothing more
    assert not services.store.inbound_sms(sid)["result"]  # and a redelivery of the text gets nothing either


def test_operators_claims_by_sms_are_in_the_audit_log(phone, services, online_device, offline_device,
                                                      label_code, operator):
    phone.text(f"CLAIM {label_code(online_device)} FOR +12015550153", phone=OPERATOR_PHONE)
    phone.text(f"CLAIM {offline_device}", phone=OPERATOR_PHONE)  # their own (staging) account
    entries = services.audit.entries(action="claim.for")
    assert [(e.actor_login, e.device_id, e.result) for e in entries] == [
        ("crew", offline_device, "ok"), ("crew", online_device, "ok")]
    assert entries[0].person_id == operator.id and entries[0].detail.startswith("sms: claim")
    assert entries[1].person_id == user_id(services, "+12015550153")


def test_an_operator_claims_for_a_customer_by_device_id(phone, services, control, online_device, operator,
                                                         electron):
    reply = phone.text(f"CLAIM {online_device} FOR +12015550151", phone=OPERATOR_PHONE)
    assert reply.text.startswith("Done:") and "+12015550151" in reply.text
    assert owner_of(control, online_device) == username(services, "+12015550151", electron["slug"])


def test_claim_for_an_offline_device_texts_the_customer_twice(phone, services, control, offline_device,
                                                               label_code, operator, outbox, electron):
    code = label_code(offline_device)
    name = control.device(offline_device)["name"]
    customer = "+12015550152"
    reply = phone.text(f"CLAIM {code} FOR {customer}", phone=OPERATOR_PHONE)
    assert reply.text == texts.FOR_WAITING.format(device=name, phone=customer)
    assert outbox(customer) == [texts.FOR_CUSTOMER_WAITING.format(device=name)]
    device_comes_online(services, control, electron["slug"], offline_device)
    texts_to_customer = outbox(customer)
    assert len(texts_to_customer) == 2 and texts_to_customer[1].startswith("Good news:")
    assert owner_of(control, offline_device) == username(services, customer, electron["slug"])


def test_repeating_claim_for_does_not_text_the_customer_again(phone, online_device, label_code, operator,
                                                               outbox):
    code = label_code(online_device)
    phone.text(f"CLAIM {code} FOR +12015550153", phone=OPERATOR_PHONE)
    again = phone.text(f"CLAIM {code} FOR +12015550153", phone=OPERATOR_PHONE)
    assert again.text.startswith("Done:") or "already" in again.text
    assert len(outbox("+12015550153")) == 1


def test_customers_may_not_claim_for_someone_else(phone, services, control, online_device, label_code, outbox):
    reply = phone.text(f"CLAIM {label_code(online_device)} FOR +12015550154")
    assert reply.text == texts.CLAIM_FOR_STAFF_ONLY
    assert owner_of(control, online_device) is None
    assert services.store.user_by_phone("+12015550154") is None and outbox("+12015550154") == []


@pytest.mark.parametrize("phone_text", ["", "555", "not a phone"])
def test_claim_for_needs_a_real_phone_number(phone, control, online_device, label_code, operator, phone_text):
    reply = phone.text(f"CLAIM {label_code(online_device)} FOR {phone_text}", phone=OPERATOR_PHONE)
    expected = texts.CLAIM_FOR_NO_PHONE if not phone_text else "That phone number does not look right."
    assert reply.text.startswith(expected)
    assert owner_of(control, online_device) is None


def test_an_operators_typo_is_a_typo_too(phone, online_device, label_code, operator):
    reply = phone.text(f"CLAIM {typo(label_code(online_device))} FOR +12015550155", phone=OPERATOR_PHONE)
    assert "mistake" in reply.text


def test_an_unknown_device_id_is_refused_for_operators(phone, operator):
    reply = phone.text("CLAIM 0123456789abcdef01234567", phone=OPERATOR_PHONE)
    assert reply.text.startswith("We could not add this device")


def test_an_operators_claim_for_of_a_device_held_by_another_claim_names_the_customer(
        phone, services, control, offline_device, label_code, operator, outbox, tag):
    """A device another person's open claim holds: the operator reads it is held and for whom it was
    meant, never "your account" (the refusal words meant for customers)."""
    other = services.accounts.user_for_phone(OTHER_PHONE)
    held = services.claims.request_claim(other.id, offline_device, channel="web", tag=tag(offline_device))
    assert held.state == "waiting_for_device"
    customer = "+12015550156"

    reply = phone.text(f"CLAIM {label_code(offline_device)} FOR {customer}", phone=OPERATOR_PHONE).text

    name = services.devices.short_name(offline_device)
    assert reply == texts.FOR_HELD.format(device=name, phone=customer)
    assert "another person's open claim" in reply and customer in reply and "your account" not in reply
    assert is_one_plain_segment(reply)
    assert outbox(customer) == []  # nothing texted to a customer who gets nothing
