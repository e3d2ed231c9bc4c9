"""Sign-in codes: random, hashed at rest, 10 minutes, single use, 5 tries, capped per phone and IP."""
from __future__ import annotations

import re
import threading

import pytest

from bff.accounts.service import AccountService
from bff.errors import SignInCodeExpired, SignInCodeLocked, TooManySignInCodes, WrongSignInCode

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
    assert message["body"] == f"Your sign-in code is {code}. It works for 10 minutes."
    assert (message["purpose"], message["status"]) == ("sign_in", "kept")


def test_codes_are_six_random_digits(accounts, sms):
    codes = set()
    for n in range(12):
        phone = accounts.request_sign_in_code(f"+1201555{n:04d}", ip=f"198.51.100.{n}")
        codes.add(sent_code(sms, phone))
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert len(codes) > 6


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
    assert message["body"] == "Your sign-in code is ******. It works for 10 minutes."
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
    results, barrier = [], threading.Barrier(4)

    def verify():
        barrier.wait()
        try:
            results.append(accounts.verify_sign_in_code(PHONE, code, ip=IP))
        except SignInCodeExpired as error:
            results.append(error)

    threads = [threading.Thread(target=verify) for _ in range(4)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    assert sum(not isinstance(result, Exception) for result in results) == 1


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
