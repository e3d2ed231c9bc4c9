"""Rate limits, exactly: fixed windows on the injected clock, what each cap counts, when it lifts,
and housekeeping that forgets only what is old.

The accounts `clock` starts at 01:01:00 UTC (tests/accounts/conftest.py): the current 15-minute
and hourly windows started a minute ago, the daily window at midnight.
"""
from __future__ import annotations

import re

import pytest

from bff.accounts.service import AccountService
from bff.errors import TooManySignInCodes, TooManySignInTries, WrongPassword

from tests.accounts.conftest import DAY, MIDNIGHT, START
from tests.support import PHONE

IP = "203.0.113.7"
OTHER_IP = "198.51.100.1"
PASSWORD = "correct horse battery"


def phone(n: int) -> str:
    return f"+1201555{n:04d}"


def refused_code(accounts, number=PHONE, ip=IP) -> TooManySignInCodes:
    with pytest.raises(TooManySignInCodes) as caught:
        accounts.request_sign_in_code(number, ip=ip)
    return caught.value


def refused_password(accounts, login, password=PASSWORD, ip=IP) -> TooManySignInTries:
    with pytest.raises(TooManySignInTries) as caught:
        accounts.authenticate_operator(login, password, ip=ip)
    return caught.value


def wrong_password(accounts, login, ip=IP) -> None:
    with pytest.raises(WrongPassword):
        accounts.authenticate_operator(login, "guess guess", ip=ip)


# -- codes per phone ---------------------------------------------------------------------------


def test_three_codes_per_phone_in_a_quarter_hour_window(accounts, sms, clock):
    for _ in range(3):
        accounts.request_sign_in_code(PHONE, ip=IP)
    error = refused_code(accounts, ip=OTHER_IP)  # another place does not help
    assert error.retry_after == 14 * 60  # the window 01:00-01:15 ends in 14 minutes
    assert error.public_message == "We sent too many codes in a short time."
    assert len(sms.outbox(to=PHONE)) == 3  # the refused one sent nothing
    accounts.request_sign_in_code(phone(1), ip=IP)  # other phones are not held up
    clock.advance(14 * 60 - 1)
    assert refused_code(accounts).retry_after == 1
    clock.advance(1)
    accounts.request_sign_in_code(PHONE, ip=IP)
    assert len(sms.outbox(to=PHONE)) == 4


def test_ten_codes_per_phone_in_a_day_window(accounts, sms, clock):
    for window in range(4):  # 3 + 3 + 3 + 1 codes in four quarter-hour windows
        for _ in range(3 if window < 3 else 1):
            accounts.request_sign_in_code(PHONE, ip=IP)
        clock.advance(15 * 60)
    assert len(sms.outbox(to=PHONE)) == 10
    error = refused_code(accounts)
    assert error.retry_after == MIDNIGHT + DAY - clock.now  # until midnight UTC
    assert "hours" in error.next_step
    assert len(sms.outbox(to=PHONE)) == 10
    clock.now = MIDNIGHT + DAY - 1
    refused_code(accounts)
    clock.now = MIDNIGHT + DAY
    accounts.request_sign_in_code(PHONE, ip=IP)


def test_the_per_phone_caps_count_the_phone_however_it_is_typed(accounts):
    for typed in ("(201) 555-0123", "201.555.0123", "+1 201 555 0123"):
        accounts.request_sign_in_code(typed, ip=IP)
    refused_code(accounts, "2015550123")


# -- codes per IP address -----------------------------------------------------------------------


def test_twenty_codes_per_ip_in_an_hour_window(accounts, sms, clock):
    for n in range(20):
        accounts.request_sign_in_code(phone(n), ip=IP)
    error = refused_code(accounts, phone(99))
    assert error.retry_after == 59 * 60  # the window 01:00-02:00
    assert sms.outbox(to=phone(99)) == []
    accounts.request_sign_in_code(phone(99), ip=OTHER_IP)  # another place may still ask
    clock.advance(59 * 60 - 1)
    refused_code(accounts, phone(98))
    clock.advance(1)
    accounts.request_sign_in_code(phone(98), ip=IP)


def test_the_refusal_names_the_cap_for_the_log(accounts):
    for _ in range(3):
        accounts.request_sign_in_code(PHONE, ip=IP)
    error = refused_code(accounts)
    assert error.detail == f"rate limit sign-in-code:phone:{PHONE}: 3 per 900s"
    assert str(error) == error.detail


# -- passwords per login and per IP address --------------------------------------------------------


def test_ten_password_tries_per_login_in_a_quarter_hour(accounts, clock):
    accounts.create_operator("alice", PASSWORD, role="field")
    for n in range(10):
        wrong_password(accounts, "alice", ip=f"198.51.100.{n}")
    error = refused_password(accounts, "alice")  # the right password is not even checked
    assert error.retry_after == 14 * 60
    assert error.public_message == "There were too many tries to sign in."
    assert "minutes" in error.next_step
    accounts.create_operator("bob", PASSWORD, role="field")
    assert accounts.authenticate_operator("bob", PASSWORD, ip=IP).login == "bob"  # bob is not held up
    clock.advance(14 * 60 - 1)
    refused_password(accounts, "alice")
    clock.advance(1)
    assert accounts.authenticate_operator("alice", PASSWORD, ip=IP).login == "alice"


def test_the_login_cap_counts_the_login_however_it_is_typed(accounts):
    accounts.create_operator("alice", PASSWORD, role="field")
    for typed in ["Alice", " ALICE ", "alice"] * 3 + ["aLiCe"]:
        wrong_password(accounts, typed, ip=None)
    refused_password(accounts, "alice", ip=None)


def test_thirty_password_tries_per_ip_in_a_quarter_hour(accounts, clock):
    accounts.create_operator("alice", PASSWORD, role="field")
    for n in range(30):
        wrong_password(accounts, f"user{n}")
    assert refused_password(accounts, "alice").retry_after == 14 * 60
    assert accounts.authenticate_operator("alice", PASSWORD, ip=OTHER_IP).login == "alice"
    clock.advance(14 * 60)
    assert accounts.authenticate_operator("alice", PASSWORD, ip=IP).login == "alice"


def test_tries_refused_for_their_address_do_not_use_up_a_logins_tries(accounts):
    """An address over its cap cannot lock an operator out: its refused tries are not counted
    against the login (the address is checked first)."""
    accounts.create_operator("alice", PASSWORD, role="field")
    for n in range(30):
        wrong_password(accounts, f"user{n}")
    for _ in range(20):  # far more than the login's 10 tries, all refused for the address
        refused_password(accounts, "alice")
    assert accounts.authenticate_operator("alice", PASSWORD, ip=OTHER_IP).login == "alice"


def test_without_an_address_only_the_phones_are_capped(accounts, sms):
    """A code asked for without an address (no per-IP counter) counts against its phone only."""
    for n in range(25):  # more than the per-IP cap of 20
        accounts.request_sign_in_code(phone(n), ip=None)
    assert len(sms.outbox()) == 25


def test_without_an_address_only_the_login_is_capped(accounts):
    for n in range(40):
        wrong_password(accounts, f"user{n}", ip=None)


# -- the counters --------------------------------------------------------------------------------


def test_hit_rate_limit_counts_in_fixed_windows(accounts, clock):
    clock.now = MIDNIGHT + 120  # a minute window starts here
    hits = [accounts.hit_rate_limit("claim:7", limit=3, window_seconds=60) for _ in range(4)]
    assert hits == [False, False, False, True]
    clock.advance(59.9)  # the same window
    assert accounts.hit_rate_limit("claim:7", limit=3, window_seconds=60) is True
    clock.advance(0.1)  # the next one
    assert accounts.hit_rate_limit("claim:7", limit=3, window_seconds=60) is False


def test_a_counter_is_its_key_and_window_size(accounts):
    assert [accounts.hit_rate_limit("k", limit=1, window_seconds=60) for _ in range(2)] == [False, True]
    assert accounts.hit_rate_limit("k", limit=1, window_seconds=90) is False
    assert accounts.hit_rate_limit("k", limit=1, window_seconds=60.5) is False
    assert accounts.hit_rate_limit("k2", limit=1, window_seconds=60) is False


def test_every_process_shares_the_counters(accounts, store, sms, clock):
    from bff.db.store import Store

    other_store = Store(store.path)
    try:
        other = AccountService(other_store, sms, clock=clock)
        accounts.request_sign_in_code(PHONE, ip=IP)
        other.request_sign_in_code(PHONE, ip=IP)
        accounts.request_sign_in_code(PHONE, ip=IP)
        refused_code(other)
    finally:
        other_store.close()


# -- housekeeping ------------------------------------------------------------------------------


def rate_counters(store) -> list[dict]:
    return list(store.db.query("SELECT * FROM rate_counters ORDER BY window_start"))


def test_prune_keeps_live_codes_and_live_counters(accounts, sms, store, clock):
    for _ in range(2):
        accounts.request_sign_in_code(PHONE, ip=IP)
    counters = rate_counters(store)
    assert len(counters) == 3  # phone per quarter hour and per day, IP per hour
    assert accounts.prune() == 0
    assert rate_counters(store) == counters
    accounts.request_sign_in_code(PHONE, ip=IP)
    refused_code(accounts)  # the counts survived: the fourth code is still refused
    newest = re.search(r"\d{6}", sms.outbox(to=PHONE)[0]["body"]).group()
    assert accounts.verify_sign_in_code(PHONE, newest, ip=IP).phone == PHONE  # the live code still works


def test_prune_forgets_codes_two_days_after_they_expired(accounts, store, clock):
    accounts.request_sign_in_code(PHONE, ip=IP)
    expired_at = START + 600
    clock.now = expired_at + 2 * DAY - 1
    assert accounts.prune() == 3  # the counters' windows started earlier; the code stays
    assert store.latest_sign_in_code(PHONE) is not None
    assert rate_counters(store) == []
    clock.now = expired_at + 2 * DAY + 1
    assert accounts.prune() == 1
    assert store.latest_sign_in_code(PHONE) is None


def test_prune_forgets_counters_of_windows_older_than_two_days(accounts, store, clock):
    accounts.hit_rate_limit("claim:7", limit=5, window_seconds=3600)  # window 01:00
    clock.now = START - 60 + 2 * DAY
    assert accounts.prune() == 0
    clock.advance(1)
    assert accounts.prune() == 1
    assert rate_counters(store) == []


def test_prune_with_another_age(accounts, store, clock):
    accounts.request_sign_in_code(PHONE, ip=IP)
    clock.advance(601)
    assert accounts.prune(older_than=0) == 1 + 3
    assert store.latest_sign_in_code(PHONE) is None


def test_requests_refused_for_their_address_do_not_use_up_a_phones_codes(accounts, sms, clock):
    for n in range(20):
        accounts.request_sign_in_code(phone(n), ip=IP)
    for _ in range(4):  # an hour of asking for PHONE's codes from the address over its cap
        for _ in range(3):
            refused_code(accounts, PHONE, ip=IP)
        clock.advance(15 * 60)
    assert sms.outbox(to=PHONE) == []
    accounts.request_sign_in_code(PHONE, ip=OTHER_IP)  # the owner of PHONE, from home
