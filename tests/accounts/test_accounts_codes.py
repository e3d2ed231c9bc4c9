"""Sign-in codes: random, hashed at rest, 10 minutes, single use, 5 tries, capped per phone and IP."""
from __future__ import annotations

import hashlib
import hmac
import re
import threading

import pytest

from bff.accounts import service
from bff.accounts.service import AccountService
from bff.twilio.gsm import to_gsm_segment
from bff.errors import (
    SignInCodeExpired, SignInCodeLocked, SignInError, TooManySignInCodes, WrongSignInCode,
)

from tests.support import PHONE, cheap_hasher

IP = "203.0.113.7"
DAY = 24 * 3600


def sent_code(sender, phone=PHONE) -> str:
    body = sender.outbox(to=phone)[0]["body"]
    return re.search(r"\b(\d{6})\b", body).group(1)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_request_sends_a_code(accounts, sms):
    assert accounts.request_sign_in_code("(201) 555-0123", ip=IP) == PHONE
    [message] = sms.outbox(to=PHONE)
    code = sent_code(sms)
    assert message["body"] == (f"Your sign-in code is {code}. It works for 10 minutes. "
                               "Type it on the sign-in page where you asked for it.")
    assert (message["purpose"], message["status"]) == ("sign_in", "kept")


def test_codes_are_drawn_from_a_million_values(accounts, sms, monkeypatch):
    """The code is `secrets.randbelow(10**6)`, zero-padded to six digits."""
    bounds, draws = [], iter([0, 999_999, 42])

    def randbelow(bound):
        bounds.append(bound)
        return next(draws)

    monkeypatch.setattr(service.secrets, "randbelow", randbelow)
    for n in range(3):
        accounts.request_sign_in_code(f"+1201555{n:04d}", ip=IP)
    assert bounds == [10**6] * 3
    assert [sent_code(sms, f"+1201555{n:04d}") for n in range(3)] == ["000000", "999999", "000042"]


def test_codes_are_six_random_digits_spread_over_every_digit():
    codes = [AccountService._new_code() for _ in range(400)]
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert len(set(codes)) >= 390  # 400 draws from a million rarely meet; from 60 they could not
    for position in range(6):
        assert {code[position] for code in codes} == set("0123456789")


def test_code_is_hashed_at_rest(accounts, sms, store):
    accounts.request_sign_in_code(PHONE, ip=IP)
    code = sent_code(sms)
    [row] = store.db.query("SELECT * FROM sign_in_codes")
    assert re.fullmatch(r"[0-9a-f]{16}\$[0-9a-f]{64}", row["code_hash"])
    dump = "\n".join(line for line in store.db.conn.iterdump() if "outbound_sms" not in line)
    assert code not in dump


def test_the_database_never_holds_the_code_once_twilio_has_it(store, twilio_sender, clock, fake_twilio):
    accounts = AccountService(store, twilio_sender, clock=clock, secret="s", password_hasher=cheap_hasher())
    accounts.request_sign_in_code(PHONE, ip=IP)
    [received] = fake_twilio.received
    code = re.search(r"\d{6}", received["Body"]).group()
    assert received["To"] == PHONE
    [message] = twilio_sender.outbox()
    assert message["status"] == "sent"
    assert message["body"] == ("Your sign-in code is ******. It works for 10 minutes. "
                               "Type it on the sign-in page where you asked for it.")
    assert code not in "\n".join(store.db.conn.iterdump())


def test_hash_depends_on_the_secret(store, sms, clock):
    first = AccountService(store, sms, clock=clock, secret="one")
    second = AccountService(store, sms, clock=clock, secret="two")
    first.request_sign_in_code(PHONE, ip=IP)
    with pytest.raises(WrongSignInCode):
        second.verify_sign_in_code(PHONE, sent_code(sms), ip=IP)
    assert first.verify_sign_in_code(PHONE, sent_code(sms), ip=IP).phone == PHONE


def test_verify_signs_in_and_creates_the_user(accounts, sms, store):
    accounts.request_sign_in_code(PHONE, ip=IP)
    assert store.user_by_phone(PHONE) is None  # no user until the code is right
    user = accounts.verify_sign_in_code("201-555-0123", sent_code(sms), ip=IP)
    assert (user.phone, user.role) == (PHONE, "customer")
    assert store.user_by_phone(PHONE)["id"] == user.id


def test_code_with_spaces_or_dash(accounts, sms):
    accounts.request_sign_in_code(PHONE, ip=IP)
    code = sent_code(sms)
    assert accounts.verify_sign_in_code(PHONE, f" {code[:3]} {code[3:]} ", ip=IP).phone == PHONE


def test_single_use(accounts, sms):
    accounts.request_sign_in_code(PHONE, ip=IP)
    code = sent_code(sms)
    accounts.verify_sign_in_code(PHONE, code, ip=IP)
    with pytest.raises(SignInCodeExpired):
        accounts.verify_sign_in_code(PHONE, code, ip=IP)


def test_expires_after_ten_minutes(accounts, sms, clock):
    accounts.request_sign_in_code(PHONE, ip=IP)
    code = sent_code(sms)
    clock.advance(600)
    with pytest.raises(SignInCodeExpired) as caught:
        accounts.verify_sign_in_code(PHONE, code, ip=IP)
    assert "Send a new code" in caught.value.next_step


def test_works_just_before_expiry(accounts, sms, clock):
    accounts.request_sign_in_code(PHONE, ip=IP)
    clock.advance(599)
    assert accounts.verify_sign_in_code(PHONE, sent_code(sms), ip=IP).phone == PHONE


def test_no_code_sent(accounts):
    with pytest.raises(SignInCodeExpired):
        accounts.verify_sign_in_code(PHONE, "123456", ip=IP)


def test_five_tries_then_dead(accounts, sms):
    accounts.request_sign_in_code(PHONE, ip=IP)
    code = sent_code(sms)
    for tries_left in (4, 3, 2, 1):
        with pytest.raises(WrongSignInCode) as caught:
            accounts.verify_sign_in_code(PHONE, other_code(code), ip=IP)
        assert caught.value.tries_left == tries_left
        assert f"{tries_left} more tr" in caught.value.next_step
    with pytest.raises(SignInCodeLocked):
        accounts.verify_sign_in_code(PHONE, other_code(code), ip=IP)
    with pytest.raises(SignInCodeLocked):
        accounts.verify_sign_in_code(PHONE, code, ip=IP)  # even the right code: it is dead


def test_malformed_codes_cost_no_try(accounts, sms):
    accounts.request_sign_in_code(PHONE, ip=IP)
    for typed in ("", "12345", "1234567", "abcdef", "12 34 5"):
        with pytest.raises(WrongSignInCode) as caught:
            accounts.verify_sign_in_code(PHONE, typed, ip=IP)
        assert caught.value.tries_left is None
    assert accounts.verify_sign_in_code(PHONE, sent_code(sms), ip=IP)


def test_a_new_code_replaces_the_old_one(accounts, monkeypatch):
    monkeypatch.setattr(accounts, "_new_code", lambda: "111111")
    accounts.request_sign_in_code(PHONE, ip=IP)
    monkeypatch.setattr(accounts, "_new_code", lambda: "222222")
    accounts.request_sign_in_code(PHONE, ip=IP)
    with pytest.raises(WrongSignInCode):
        accounts.verify_sign_in_code(PHONE, "111111", ip=IP)
    assert accounts.verify_sign_in_code(PHONE, "222222", ip=IP).phone == PHONE


def test_a_code_works_only_for_its_phone(accounts, monkeypatch):
    monkeypatch.setattr(accounts, "_new_code", lambda: "424242")
    accounts.request_sign_in_code(PHONE, ip=IP)
    monkeypatch.setattr(accounts, "_new_code", lambda: "171717")
    accounts.request_sign_in_code("+12015550199", ip=IP)
    with pytest.raises(WrongSignInCode):
        accounts.verify_sign_in_code("+12015550199", "424242", ip=IP)
    assert accounts.verify_sign_in_code(PHONE, "424242", ip=IP).phone == PHONE


def test_concurrent_right_codes_sign_in_once(accounts, sms):
    accounts.request_sign_in_code(PHONE, ip=IP)
    code = sent_code(sms)
    results, barrier = [], threading.Barrier(4, timeout=10)

    def verify():
        barrier.wait()
        try:
            results.append(accounts.verify_sign_in_code(PHONE, code, ip=IP))
        except Exception as error:  # every thread reports: a crash must not go unseen
            results.append(error)

    threads = [threading.Thread(target=verify) for _ in range(4)]
    [thread.start() for thread in threads]
    [thread.join(timeout=15) for thread in threads]
    assert not any(thread.is_alive() for thread in threads)
    assert len(results) == 4
    signed_in = [result for result in results if not isinstance(result, Exception)]
    assert len(signed_in) == 1 and signed_in[0].phone == PHONE
    assert all(isinstance(result, SignInCodeExpired) for result in results if result not in signed_in)


# -- caps on sending ------------------------------------------------------------------------------


def test_three_codes_per_phone_per_quarter_hour(accounts, sms, clock):
    for _ in range(3):
        accounts.request_sign_in_code(PHONE, ip=IP)
    with pytest.raises(TooManySignInCodes) as caught:
        accounts.request_sign_in_code(PHONE, ip="198.51.100.1")  # another place does not help
    assert 0 < caught.value.retry_after <= 900
    assert "wait" in caught.value.next_step and "minute" in caught.value.next_step
    assert len(sms.outbox(to=PHONE)) == 3  # the refused one sent nothing
    clock.advance(caught.value.retry_after)
    accounts.request_sign_in_code(PHONE, ip=IP)


def test_ten_codes_per_phone_per_day(accounts, clock):
    clock.advance(DAY - clock.now % DAY + 3600)  # 01:00 UTC: the day's window (from midnight) holds the test
    for _ in range(10):
        accounts.request_sign_in_code(PHONE, ip=IP)
        clock.advance(15 * 60)
    with pytest.raises(TooManySignInCodes) as caught:
        accounts.request_sign_in_code(PHONE, ip=IP)
    assert caught.value.retry_after > 3600
    assert "hours" in caught.value.next_step


def test_twenty_codes_per_ip_per_hour(accounts, sms):
    for n in range(20):
        accounts.request_sign_in_code(f"+1201555{n:04d}", ip=IP)
    with pytest.raises(TooManySignInCodes):
        accounts.request_sign_in_code("+12015559999", ip=IP)
    assert sms.outbox(to="+12015559999") == []
    accounts.request_sign_in_code("+12015559999", ip="198.51.100.2")


def test_counters_are_shared_by_every_process(accounts, store, sms, clock, tmp_path):
    """A second process (its own Store on the same file) sees the same counts."""
    from bff.db.store import Store

    other_store = Store(store.path)
    other = AccountService(other_store, sms, clock=clock)
    for _ in range(3):
        accounts.request_sign_in_code(PHONE, ip=IP)
    with pytest.raises(TooManySignInCodes):
        other.request_sign_in_code(PHONE, ip=IP)
    other_store.close()


def test_hit_rate_limit(accounts, clock):
    assert [accounts.hit_rate_limit("claim:7", limit=2, window_seconds=60) for _ in range(3)] == \
        [False, False, True]
    assert accounts.hit_rate_limit("claim:8", limit=2, window_seconds=60) is False  # its own counter
    assert accounts.hit_rate_limit("claim:7", limit=5, window_seconds=3600) is False  # its own window
    clock.advance(60)
    assert accounts.hit_rate_limit("claim:7", limit=2, window_seconds=60) is False  # a new window


def test_prune_forgets_old_codes_and_counters(accounts, store, clock):
    accounts.request_sign_in_code(PHONE, ip=IP)
    clock.advance(3 * 24 * 3600)
    assert accounts.prune() >= 3  # the code and its counters (phone x2, IP)
    assert store.latest_sign_in_code(PHONE) is None


# -- what is stored, and when --------------------------------------------------------------------


def test_a_code_is_recorded_on_the_injected_clock_with_its_place(accounts, store, clock):
    accounts.request_sign_in_code(PHONE, ip=IP)
    row = store.latest_sign_in_code(PHONE)
    assert (row["created_at"], row["expires_at"]) == (clock.now, clock.now + 600)
    assert (row["ip"], row["attempts"], row["used_at"]) == (IP, 0, None)


def test_the_stored_hash_is_a_salted_hmac_sha256_of_salt_phone_and_code(accounts, store, monkeypatch):
    """`salt$hex(HMAC-SHA256(secret, "salt:phone:code"))`, with a new salt for every code."""
    monkeypatch.setattr(accounts, "_new_code", lambda: "123456")
    accounts.request_sign_in_code(PHONE, ip=IP)
    first = store.latest_sign_in_code(PHONE)["code_hash"]
    accounts.request_sign_in_code(PHONE, ip=IP)
    second = store.latest_sign_in_code(PHONE)["code_hash"]
    assert first != second  # the same code, another salt
    for stored in (first, second):
        salt, mac = stored.split("$")
        assert mac == hmac.new(b"test-secret", f"{salt}:{PHONE}:123456".encode(), hashlib.sha256).hexdigest()


def test_without_a_secret_codes_are_keyed_by_the_default_key(store, sms, clock, monkeypatch):
    accounts = AccountService(store, sms, clock=clock)
    monkeypatch.setattr(accounts, "_new_code", lambda: "654321")
    accounts.request_sign_in_code(PHONE, ip=IP)
    salt, mac = store.latest_sign_in_code(PHONE)["code_hash"].split("$")
    assert mac == hmac.new(b"bff sign-in codes", f"{salt}:{PHONE}:654321".encode(), hashlib.sha256).hexdigest()
    assert accounts.verify_sign_in_code(PHONE, "654321", ip=IP).phone == PHONE


def test_a_secret_as_bytes_or_text_is_the_same_key(store, sms, clock):
    as_text = AccountService(store, sms, clock=clock, secret="s\u00e9cret")
    as_bytes = AccountService(store, sms, clock=clock, secret="s\u00e9cret".encode())
    as_text.request_sign_in_code(PHONE, ip=IP)
    assert as_bytes.verify_sign_in_code(PHONE, sent_code(sms), ip=IP).phone == PHONE


# -- lifetime, tries, the newest code ------------------------------------------------------------


def test_at_exactly_ten_minutes_the_code_is_dead_and_no_try_is_counted(accounts, sms, store, clock):
    accounts.request_sign_in_code(PHONE, ip=IP)
    code = sent_code(sms)
    clock.advance(600)
    with pytest.raises(SignInCodeExpired):
        accounts.verify_sign_in_code(PHONE, other_code(code), ip=IP)  # expired, not "wrong"
    with pytest.raises(SignInCodeExpired):
        accounts.verify_sign_in_code(PHONE, code, ip=IP)
    assert store.latest_sign_in_code(PHONE)["attempts"] == 0


def test_a_code_works_until_the_last_moment(accounts, sms, clock):
    accounts.request_sign_in_code(PHONE, ip=IP)
    clock.advance(599.999)
    assert accounts.verify_sign_in_code(PHONE, sent_code(sms), ip=IP).phone == PHONE


def test_an_expired_code_is_not_guessed_at(accounts, sms, store, clock):
    """After expiry (or use) a wrong code says "too old", and counts no try."""
    accounts.request_sign_in_code(PHONE, ip=IP)
    code = sent_code(sms)
    clock.advance(3600)
    with pytest.raises(SignInCodeExpired) as caught:
        accounts.verify_sign_in_code(PHONE, other_code(code), ip=IP)
    assert type(caught.value) is SignInCodeExpired
    assert store.latest_sign_in_code(PHONE)["attempts"] == 0


def test_a_used_code_is_not_guessed_at(accounts, sms, store):
    accounts.request_sign_in_code(PHONE, ip=IP)
    code = sent_code(sms)
    accounts.verify_sign_in_code(PHONE, code, ip=IP)
    with pytest.raises(SignInCodeExpired) as caught:
        accounts.verify_sign_in_code(PHONE, other_code(code), ip=IP)
    assert type(caught.value) is SignInCodeExpired
    assert store.latest_sign_in_code(PHONE)["attempts"] == 0


def test_the_fifth_try_may_still_be_right(accounts, sms, store):
    accounts.request_sign_in_code(PHONE, ip=IP)
    code = sent_code(sms)
    for _ in range(4):
        with pytest.raises(WrongSignInCode):
            accounts.verify_sign_in_code(PHONE, other_code(code), ip=IP)
    assert store.latest_sign_in_code(PHONE)["attempts"] == 4
    assert accounts.verify_sign_in_code(PHONE, code, ip=IP).phone == PHONE


def test_the_fifth_wrong_try_locks_and_a_new_code_unlocks(accounts, sms, monkeypatch):
    monkeypatch.setattr(accounts, "_new_code", lambda: "111111")
    accounts.request_sign_in_code(PHONE, ip=IP)
    for _ in range(4):
        with pytest.raises(WrongSignInCode):
            accounts.verify_sign_in_code(PHONE, "999999", ip=IP)
    with pytest.raises(SignInCodeLocked) as fifth:
        accounts.verify_sign_in_code(PHONE, "999999", ip=IP)
    assert fifth.value.public_message == "That code was typed wrong too many times."
    with pytest.raises(SignInCodeLocked) as after:
        accounts.verify_sign_in_code(PHONE, "111111", ip=IP)
    assert isinstance(after.value, SignInCodeExpired)  # a locked code is a dead code to callers
    monkeypatch.setattr(accounts, "_new_code", lambda: "222222")
    accounts.request_sign_in_code(PHONE, ip=IP)
    assert accounts.verify_sign_in_code(PHONE, "222222", ip=IP).phone == PHONE


def test_the_old_code_counts_as_a_wrong_try_of_the_new_one(accounts, monkeypatch):
    monkeypatch.setattr(accounts, "_new_code", lambda: "111111")
    accounts.request_sign_in_code(PHONE, ip=IP)
    monkeypatch.setattr(accounts, "_new_code", lambda: "222222")
    accounts.request_sign_in_code(PHONE, ip=IP)
    with pytest.raises(WrongSignInCode) as caught:
        accounts.verify_sign_in_code(PHONE, "111111", ip=IP)
    assert caught.value.tries_left == 4


@pytest.mark.parametrize("typed", ["123456", " 123 456 ", "123-456", "12-34-56", "\t123456\n", "1 2 3 4 5 6"])
def test_spaces_and_dashes_in_a_typed_code_do_not_matter(accounts, monkeypatch, typed):
    monkeypatch.setattr(accounts, "_new_code", lambda: "123456")
    accounts.request_sign_in_code(PHONE, ip=IP)
    assert accounts.verify_sign_in_code(PHONE, typed, ip=IP).phone == PHONE


@pytest.mark.parametrize("typed", [None, "", "12345", "1234567", "12345a", "１２３４５６x", "123.456"])
def test_a_malformed_code_is_refused_and_costs_no_try(accounts, store, monkeypatch, typed):
    monkeypatch.setattr(accounts, "_new_code", lambda: "123456")
    accounts.request_sign_in_code(PHONE, ip=IP)
    with pytest.raises(WrongSignInCode) as caught:
        accounts.verify_sign_in_code(PHONE, typed, ip=IP)
    assert caught.value.tries_left is None
    assert store.latest_sign_in_code(PHONE)["attempts"] == 0


def test_the_operator_view_of_each_refusal_says_what_happened(accounts, clock, monkeypatch):
    """The person reads the same words for a malformed and a wrong code, or for a locked code;
    the log (`detail`, `str(error)`) tells them apart."""
    monkeypatch.setattr(accounts, "_new_code", lambda: "111111")

    def refusal(typed):
        with pytest.raises(SignInError) as caught:
            accounts.verify_sign_in_code(PHONE, typed, ip=IP)
        return caught.value

    accounts.request_sign_in_code(PHONE, ip=IP)
    malformed, wrong = refusal("abc"), refusal("999999")
    assert malformed.public_message == wrong.public_message == "That code is not right."
    for _ in range(3):
        refusal("999999")
    locked_now, locked_later = refusal("999999"), refusal("111111")
    assert type(locked_now) is type(locked_later) is SignInCodeLocked
    clock.advance(600)
    expired = refusal("111111")
    with pytest.raises(SignInCodeExpired) as never:
        accounts.verify_sign_in_code("+12015550100", "111111", ip=IP)  # no code sent to this phone
    details = [error.detail for error in (malformed, wrong, locked_now, locked_later, expired)]
    assert len(set(details)) == len(details)
    for error in (malformed, wrong, locked_now, locked_later, expired, never.value):
        assert str(error) == error.detail != error.public_message


def test_a_code_used_by_another_tab_meanwhile_is_too_old(accounts, sms, store, monkeypatch):
    """Two sign-ins with the same right code race: the one that marks it used second is refused."""
    accounts.request_sign_in_code(PHONE, ip=IP)
    code = sent_code(sms)
    use = store.use_sign_in_code

    def the_other_tab_first(code_id, **options):
        monkeypatch.setattr(store, "use_sign_in_code", use)
        accounts.verify_sign_in_code(PHONE, code, ip=IP)
        return use(code_id, **options)

    monkeypatch.setattr(store, "use_sign_in_code", the_other_tab_first)
    with pytest.raises(SignInCodeExpired) as caught:
        accounts.verify_sign_in_code(PHONE, code, ip=IP)
    assert caught.value.public_message == "That code is too old or was already used."
    assert caught.value.detail != caught.value.public_message
    assert store.latest_sign_in_code(PHONE)["used_at"] is not None


def test_the_sign_in_text_says_where_to_type_the_code_in_one_segment(accounts, sms):
    accounts.request_sign_in_code(PHONE, ip=IP)
    [message] = sms.outbox(to=PHONE)
    body = message["body"]
    assert re.findall(r"\b(\d{6})\b", body) == [sent_code(sms)]  # the code, findable, once
    assert len(body) <= 160 and to_gsm_segment(body) == body
    assert body.endswith("Type it on the sign-in page where you asked for it.")
