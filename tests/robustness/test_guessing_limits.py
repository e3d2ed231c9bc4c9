"""Limits on guessing (issue 12, item 1): wrong QR tags, label codes and sign-in codes, as an attacker
sends them on every channel, are refused after a few with 429 + Retry-After (pages and API) or the
wait in words (SMS); right proofs never count, and another person, phone or address is not held up.

The limits are in bff/guesses.py. The app's counters run on the accounts service's clock, set to a
FakeClock a minute into an hour (`hour_clock`): the quarter hour ends in 14 minutes, so the waits are
exact and no window turns over mid-test.
"""
from __future__ import annotations

import pytest

from bff import errors, labels
from bff.errors import SignInError, TooManyWrongCodes
from bff.guesses import PROOF_LIMITS, SIGN_IN_GUESSES_PER_IP
from bff.ops import field_scan
from bff.sms.webhook import webhook_auth_token
from bff.wiring import get_services

from tests.api.test_api_routes import assert_error
from tests.sms.sms_support import TwilioPhone, is_one_plain_segment
from tests.support import OTHER_PHONE, PHONE
from tests.support.api_client import ApiClient
from tests.support.clock import FakeClock
from tests.support.fake_twilio import SMS_APP_SETTINGS
from tests.support.pages import claim, csrf_token, landing_path, page_text, signed_in_client

PER_PERSON = PROOF_LIMITS["person"][0][0]  # wrong proofs a person may make in 15 minutes
PER_IP = PROOF_LIMITS["ip"][0][0]
PER_OPERATOR = PROOF_LIMITS["operator"][0][0]
SIGN_IN_PER_IP = SIGN_IN_GUESSES_PER_IP[0][0]
WAIT = 14 * 60  # a minute into the hour: the quarter hour ends in 14 minutes
WAIT_WORDS = "Please wait 14 minutes, then try again."
SOME_DEVICE = "0123456789abcdef01234567"  # a device ID (no device needed: the tag is checked first)
WRONG_TAG = "aaaaaaaaaaaaaaaa"
IP, OTHER_IP = "203.0.113.7", "198.51.100.1"


def wrong_landing(browser, device_id: str = SOME_DEVICE):
    return browser.get(f"/d/{device_id}?k={WRONG_TAG}")


def from_address(client, ip: str):
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def unknown_code() -> str:
    """A well-formed label code (its check symbol right) that no device has."""
    return labels.format_label_code(labels.new_label_code())


def type_code(browser, code: str):
    start = browser.get("/")
    return browser.post("/", data={"csrf_token": csrf_token(start), "code": code})


def assert_wait_page(response) -> None:
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(WAIT)
    text = page_text(response)
    assert TooManyWrongCodes.public_message in text and WAIT_WORDS in text


# -- the web: the QR landing and the start page ------------------------------------------------------


def test_300_wrong_tags_by_one_person_get_429_after_the_limit(member, hour_clock):
    statuses = [wrong_landing(member).status_code for _ in range(300)]
    assert statuses[:PER_PERSON] == [404] * PER_PERSON  # each refused as a wrong tag
    assert set(statuses[PER_PERSON:]) == {429}  # then refused unchecked, well before 300
    assert_wait_page(wrong_landing(member))


def test_a_right_tag_while_refused_is_refused_too_until_the_window_ends(member, services, new_devices,
                                                                        hour_clock):
    [device_id] = new_devices(1)
    for _ in range(PER_PERSON):
        wrong_landing(member)
    assert_wait_page(member.get(landing_path(device_id)))  # nothing is checked at the limit
    hour_clock.advance(WAIT)
    assert member.get(landing_path(device_id)).status_code == 200
    assert wrong_landing(member).status_code == 404  # a new window, a new count


def test_a_right_proof_after_some_failures_still_claims_and_successes_never_count(
        member, services, person, new_devices, hour_clock):
    devices = new_devices(4)
    for _ in range(PER_PERSON - 1):
        assert wrong_landing(member).status_code == 404
    for device_id in devices:  # each a landing with the right tag and a claim: none counts
        assert claim(member, device_id).status_code == 303
    assert {d.device_id for d in services.devices.owned_devices(person.id)} == set(devices)
    assert wrong_landing(member).status_code == 404  # the limit's last wrong tag
    assert wrong_landing(member).status_code == 429


def test_a_wrong_tag_on_the_claim_button_counts_and_the_limit_refuses_it(member, new_devices, hour_clock):
    [device_id] = new_devices(1)
    for _ in range(PER_PERSON):
        assert claim(member, device_id, tag=WRONG_TAG).status_code == 403
    assert_wait_page(claim(member, device_id, tag=WRONG_TAG))
    assert_wait_page(claim(member, device_id))  # the right tag waits too


def test_another_person_and_another_address_are_not_held_up(app, member, other_person, hour_clock):
    for _ in range(PER_PERSON):
        wrong_landing(member)
    assert wrong_landing(member).status_code == 429
    other = from_address(signed_in_client(app, other_person), OTHER_IP)
    assert wrong_landing(other).status_code == 404
    assert wrong_landing(from_address(app.test_client(), OTHER_IP)).status_code == 404


def test_anonymous_wrong_label_codes_on_the_start_page_are_limited_per_address(app, services, new_devices,
                                                                               hour_clock):
    browser = from_address(app.test_client(), IP)
    statuses = [type_code(browser, unknown_code()).status_code for _ in range(PER_IP + 5)]
    assert statuses[:PER_IP] == [422] * PER_IP and set(statuses[PER_IP:]) == {429}
    [device_id] = new_devices(1)
    code = labels.format_label_code(services.devices.find(device_id).label_code)
    assert_wait_page(type_code(browser, code))  # the right code waits too: nothing is checked
    elsewhere = from_address(app.test_client(), OTHER_IP)
    assert type_code(elsewhere, code).status_code == 303  # another address finds it


def test_typos_caught_by_the_check_symbol_do_not_count(app, hour_clock):
    browser = from_address(app.test_client(), IP)
    code = labels.new_label_code()
    typo = code[:-1] + next(s for s in labels.LABEL_CODE_ALPHABET if s != code[-1])
    for _ in range(PER_IP + 5):
        assert type_code(browser, typo).status_code == 422
    assert type_code(browser, unknown_code()).status_code == 422


@pytest.mark.app_settings(TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(app, hour_clock):
    proxy = app.test_client()  # every request comes from the proxy's address

    def typed_from(ip: str):
        start = proxy.get("/", headers={"X-Forwarded-For": ip})
        return proxy.post("/", data={"csrf_token": csrf_token(start), "code": unknown_code()},
                          headers={"X-Forwarded-For": ip})

    for _ in range(PER_IP):
        assert typed_from(IP).status_code == 422
    assert typed_from(IP).status_code == 429
    assert typed_from(OTHER_IP).status_code == 422


# -- the JSON API ---------------------------------------------------------------------------------------


def test_api_claims_with_wrong_tags_get_a_429_with_retry_after(api_client, other_api_client, hour_clock):
    body = {"device_id": SOME_DEVICE, "tag": WRONG_TAG}
    for _ in range(PER_PERSON):
        assert_error(api_client.post("/api/v1/claims", body), 403, "claim_refused")
    refused = api_client.post("/api/v1/claims", body)
    error = assert_error(refused, 429, "too_many_wrong_codes")
    assert refused.headers["Retry-After"] == str(WAIT) and error["next_step"] == WAIT_WORDS
    assert_error(api_client.post(f"/api/v1/devices/{SOME_DEVICE}/ask", {"tag": WRONG_TAG}), 429,
                 "too_many_wrong_codes")  # asking the owner needs the same proof
    from_address(other_api_client.client, OTHER_IP)  # another person, from another address
    assert_error(other_api_client.post("/api/v1/claims", body), 403, "claim_refused")


def test_api_wrong_label_codes_count_and_a_right_one_still_claims(api_client, services, new_devices, hour_clock):
    [device_id] = new_devices(1)
    for _ in range(PER_PERSON - 1):
        refused = api_client.post("/api/v1/claims", {"device_id": device_id, "label_code": unknown_code()})
        assert refused.status_code == 403
    code = services.devices.find(device_id).label_code
    claimed = api_client.post("/api/v1/claims", {"device_id": device_id, "label_code": code})
    assert claimed.status_code in (200, 202) and claimed.get_json()["state"] in ("claimed", "requested")


def test_sign_in_code_guesses_over_30_phones_from_one_address_are_refused_after_the_cap(
        app, services, checker, hour_clock):
    phones = [f"+1201555{n:04d}" for n in range(30)]
    for n, phone in enumerate(phones):  # codes asked from many places: each phone has a live code
        services.accounts.request_sign_in_code(phone, ip=f"192.0.2.{n + 1}")
    api = ApiClient(from_address(app.test_client(), IP), checker)
    statuses = [api.post("/api/v1/sign-in", {"phone": phone, "code": "000000"}, token="").status_code
                for phone in phones for _ in range(5)]  # 150 guesses
    assert statuses[:SIGN_IN_PER_IP] == [400] * SIGN_IN_PER_IP
    assert set(statuses[SIGN_IN_PER_IP:]) == {429}
    refused = api.post("/api/v1/sign-in", {"phone": phones[-1], "code": "000000"}, token="")
    error = assert_error(refused, 429, "too_many_wrong_codes")
    assert refused.headers["Retry-After"] == str(59 * 60) and "59 minutes" in error["next_step"]  # an hour
    other = ApiClient(from_address(app.test_client(), OTHER_IP), checker)
    assert_error(other.post("/api/v1/sign-in", {"phone": phones[-1], "code": "000000"}, token=""), 400,
                 "wrong_sign_in_code")  # the last phone's code was never tried: 5 tries left for it


def test_the_sign_in_page_says_how_long_to_wait_once_the_address_is_at_its_cap(app, services, hour_clock):
    for n in range(SIGN_IN_PER_IP // 5):  # wrong codes from this address, for other phones
        phone = f"+1201555{n:04d}"
        services.accounts.request_sign_in_code(phone, ip=f"192.0.2.{n + 1}")
        for _ in range(5):
            with pytest.raises(SignInError):
                services.accounts.verify_sign_in_code(phone, "000000", ip=IP)
    browser = from_address(app.test_client(), IP)
    page = browser.get("/login")
    browser.post("/login", data={"csrf_token": csrf_token(page), "phone": PHONE})
    form = browser.get("/login/code")
    refused = browser.post("/login/code", data={"csrf_token": csrf_token(form), "code": "123456"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == str(59 * 60)
    assert TooManyWrongCodes.public_message in page_text(refused) and 'id="code"' in refused.text


# -- SMS --------------------------------------------------------------------------------------------------


@pytest.mark.app_settings(**SMS_APP_SETTINGS)
def test_sms_claim_with_wrong_codes_from_one_phone_says_the_wait_in_words(app, client, hour_clock):
    phone = TwilioPhone(client, webhook_auth_token(app))
    replies = [phone.text(f"CLAIM {unknown_code()}").messages[0] for _ in range(PER_PERSON + 3)]
    assert TooManyWrongCodes.public_message not in " ".join(replies[:PER_PERSON])
    expected = f"{TooManyWrongCodes.public_message} {WAIT_WORDS}"
    assert replies[PER_PERSON:] == [expected] * 3 and is_one_plain_segment(expected)
    assert phone.text(f"ASK {unknown_code()}").messages[0] == expected  # ASK needs the box code too
    other = phone.text(f"CLAIM {unknown_code()}", phone=OTHER_PHONE).messages[0]
    assert other != expected  # another phone is checked


# -- operators: field mode, higher limits ----------------------------------------------------------------


def test_field_scans_with_wrong_tags_are_limited_per_operator_higher(services, person, hour_clock):
    operator_id = services.store.create_operator_user("crew", "not-a-real-hash", phone=None)
    operator = services.accounts.user(operator_id)
    chosen = field_scan.FieldPerson(person.id, person.phone, staging=False)
    link = f"http://bff.test/d/{SOME_DEVICE}?k={WRONG_TAG}"
    results = [field_scan.claim_scan(services, operator, chosen, link) for _ in range(PER_OPERATOR + 1)]
    assert PER_OPERATOR > PER_PERSON
    assert all(WAIT_WORDS not in r.message for r in results[:PER_OPERATOR])
    assert results[-1].result == "refused" and WAIT_WORDS in results[-1].message


def test_a_claim_with_no_guesser_named_counts_the_persons_wrong_proofs(services, person, hour_clock):
    """A caller that names no guesser (request_claim's default): the person is counted."""
    for _ in range(PER_PERSON):
        with pytest.raises(errors.ClaimRefused):
            services.claims.request_claim(person.id, SOME_DEVICE, channel="test", tag=WRONG_TAG)

    with pytest.raises(TooManyWrongCodes):
        services.claims.request_claim(person.id, SOME_DEVICE, channel="test", tag=WRONG_TAG)


def test_an_operators_serial_claims_count_under_the_operators_higher_limit(services, person, hour_clock):
    """An operator's claim by serial alone (request_claim_for): the operator is counted, with the
    operators' limit, so a field crew with scuffed labels is not stopped at a person's."""
    operator_id = services.store.create_operator_user("crew", "not-a-real-hash", phone=None)
    for n in range(PER_PERSON + 1):
        with pytest.raises(errors.ClaimRefused) as refused:
            services.claims.request_claim_for(person.id, None, operator_id=operator_id, channel="field",
                                              serial=f"P046AB00NOSUCH{n:02d}")
        assert not isinstance(refused.value, TooManyWrongCodes), n


# -- every worker sees the same counts --------------------------------------------------------------------


def test_two_app_instances_on_one_database_share_the_counters(app_factory, person):
    first, second = app_factory(), app_factory()
    clock = FakeClock()
    clock.now = (clock.now // 3600) * 3600 + 60
    for app in (first, second):
        get_services(app).accounts.clock = clock
    browsers = [signed_in_client(first, person), signed_in_client(second, person)]
    for n in range(PER_PERSON):
        assert wrong_landing(browsers[n % 2]).status_code == 404
    assert wrong_landing(browsers[0]).status_code == 429
    assert wrong_landing(browsers[1]).status_code == 429
