"""Users: what flask-login asks of a user, equality by (id, role), customers made on first contact."""
from __future__ import annotations

import pytest

from bff.accounts.service import CUSTOMER, OPERATOR, AccountService, User
from bff.errors import InvalidPhoneNumber

from tests.support import PHONE


def test_a_user_is_what_flask_login_asks_for():
    user = User(7, phone=PHONE)
    assert (user.is_authenticated, user.is_active, user.is_anonymous) == (True, True, False)
    assert user.get_id() == "7"
    assert (user.role, user.is_operator, user.login) == (CUSTOMER, False, None)
    assert repr(user) == "User(id=7, role='customer')"


def test_from_row_reads_a_stored_user():
    operator = User.from_row({"id": 3, "phone": PHONE, "role": "operator", "login": "alice"})
    assert (operator.id, operator.phone, operator.role, operator.login, operator.is_operator) == \
        (3, PHONE, OPERATOR, "alice", True)
    legacy = User.from_row({"id": 4, "role": None})  # a row from before roles: a customer
    assert (legacy.phone, legacy.role, legacy.login, legacy.is_operator) == (None, CUSTOMER, None, False)


def test_as_customer_is_the_same_person_with_a_customers_rights():
    operator = User(3, phone=PHONE, role=OPERATOR, login="alice")
    customer = operator.as_customer()
    assert (customer.id, customer.phone, customer.login, customer.role) == (3, PHONE, "alice", CUSTOMER)
    assert not customer.is_operator and operator.is_operator  # the operator itself is unchanged


def test_users_are_equal_by_id_and_role():
    alice = User(3, phone=PHONE, role=OPERATOR, login="alice")
    assert alice == User(3, role=OPERATOR)
    assert alice != alice.as_customer()
    assert alice != User(4, role=OPERATOR)
    assert alice != (3, OPERATOR) and alice != 3
    assert {alice, User(3, role=OPERATOR), alice.as_customer()} == {alice, alice.as_customer()}
    assert hash(alice) == hash(User(3, role=OPERATOR)) != hash(alice.as_customer())


def test_user_for_phone_without_create_only_finds(accounts, store):
    assert accounts.user_for_phone(PHONE, create=False) is None
    assert list(store.db.query("SELECT id FROM users")) == []
    made = accounts.user_for_phone(PHONE)
    found = accounts.user_for_phone("(201) 555-0123", create=False)
    assert (found.id, found.phone, found.role) == (made.id, PHONE, CUSTOMER)


def test_a_new_customer_is_made_on_the_injected_clock(accounts, store, clock):
    accounts.user_for_phone(PHONE)
    assert store.user_by_phone(PHONE)["created_at"] == clock.now


def test_the_default_region_reads_national_numbers(store, sms, clock):
    british = AccountService(store, sms, clock=clock, default_region="GB")
    assert british.user_for_phone("07911 123456").phone == "+447911123456"
    assert british.normalize_phone("07911 123456") == "+447911123456"
    assert british.normalize_phone("(201) 555-0123", "US") == PHONE
    with pytest.raises(InvalidPhoneNumber):
        AccountService(store, sms, clock=clock).user_for_phone("07911 123456")
