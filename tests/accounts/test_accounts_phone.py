"""Phone numbers: the many ways people type them become one E.164 string; the rest is refused plainly."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from bff.accounts.service import AccountService
from bff.errors import InvalidPhoneNumber

E164 = re.compile(r"\+[1-9]\d{6,14}")


@pytest.mark.parametrize("text", [
    "(201) 555-0123", "201-555-0123", "201.555.0123", "2015550123", "201 555 0123",
    "+1 201 555 0123", "1 201 555 0123", "1-201-555-0123", "+12015550123", "  +1 (201) 555-0123  ",
    "+1.201.555.0123", "\uff12\uff10\uff11\uff15\uff15\uff15\uff10\uff11\uff12\uff13",  # full-width digits
    "tel:+1-201-555-0123", "011 1 201 555 0123",
])
def test_us_forms(accounts, text):
    assert accounts.normalize_phone(text) == "+12015550123"


@pytest.mark.parametrize("text, expected", [
    ("+44 7911 123456", "+447911123456"),
    ("+44 (0)7911 123456", "+447911123456"),
    ("011 44 7911 123456", "+447911123456"),
    ("+49 30 123456", "+4930123456"),
    ("+33 6 12 34 56 78", "+33612345678"),
])
def test_international_forms(accounts, text, expected):
    assert accounts.normalize_phone(text) == expected


def test_default_region(accounts):
    assert accounts.normalize_phone("07911 123456", "GB") == "+447911123456"
    with pytest.raises(InvalidPhoneNumber):
        accounts.normalize_phone("07911 123456")  # not a US number


@pytest.mark.parametrize("text", [
    "", "   ", "hello", "123", "555-0123", "+1 555 123 4567", "+999 1234567", "12345678901234567890",
    "1" * 41, "<script>alert(1)</script>", "+1 201 555 01234567", "+1 201 555 012",
])
def test_invalid(accounts, text):
    with pytest.raises(InvalidPhoneNumber) as caught:
        accounts.normalize_phone(text)
    assert "+1 201 555 0123" in caught.value.next_step  # says how to type it


def test_invalid_words_are_plain():
    error = InvalidPhoneNumber()
    assert error.customer_text.isascii() and len(error.customer_text) <= 160


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=45) | st.from_regex(r"\A\+?[0-9 ()./-]{0,20}\Z"))
def test_any_text_is_a_number_or_refused(text):
    accounts = AccountService(store=None, sms=None)  # parsing needs neither
    try:
        phone = accounts.normalize_phone(text)
    except InvalidPhoneNumber:
        return
    assert E164.fullmatch(phone)
    assert accounts.normalize_phone(phone) == phone


def test_user_for_phone(accounts, store):
    assert accounts.user_for_phone("+12015550123", create=False) is None
    user = accounts.user_for_phone("(201) 555-0123")
    assert (user.phone, user.role, user.is_operator) == ("+12015550123", "customer", False)
    assert accounts.user_for_phone("+12015550123").id == user.id  # the same person again
    assert accounts.user(user.id).phone == "+12015550123"
    assert accounts.user(987654) is None


def test_user_for_phone_takes_e164_as_given(accounts):
    """Twilio's `From` is E.164 already; fictional 555 numbers of demos still make a user."""
    assert accounts.user_for_phone("+15551230001").phone == "+15551230001"
    with pytest.raises(InvalidPhoneNumber):
        accounts.user_for_phone("555 123 0001")


@pytest.mark.parametrize("typed", [
    "+1\u0662\u0660\u0661\u0665\u0665\u0665\u0662\u0661\u0661\u0662",  # Arabic-Indic digits
    "+1\uff12\uff10\uff11\uff15\uff15\uff15\uff12\uff11\uff11\uff12",  # full-width digits
    "+1\u0968\u0966\u0967\u096b\u096b\u096b\u0968\u0967\u0967\u0968",  # Devanagari digits
])
def test_other_digits_never_make_a_phantom_person(accounts, store, typed):
    """Unicode digits are read as the digits they are (or refused), never stored as typed."""
    user = accounts.user_for_phone(typed)
    assert user.phone == "+12015552112"
    assert [row["phone"] for row in store.db.query("SELECT phone FROM users")] == ["+12015552112"]
