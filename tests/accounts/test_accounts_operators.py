"""Operators: argon2id passwords, one refusal for unknown login and wrong password, tries capped."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from argon2.profiles import CHEAPEST

from bff.accounts.service import AccountService
from bff.cli import create_operator_command
from bff.errors import InvalidPhoneNumber, OperatorSetupError, TooManySignInTries, WrongPassword

PASSWORD = "correct horse battery"


def test_create_and_sign_in(accounts, store):
    operator = accounts.create_operator("Alice", PASSWORD, role="field")
    assert (operator.login, operator.role, operator.is_operator, operator.phone) == \
        ("alice", "operator", True, None)
    stored = store.user_by_login("alice")["password_hash"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate_operator(" ALICE ", PASSWORD).id == operator.id


def test_wrong_password_and_unknown_login_read_the_same(accounts):
    accounts.create_operator("alice", PASSWORD, role="field")
    with pytest.raises(WrongPassword) as wrong:
        accounts.authenticate_operator("alice", PASSWORD + "x")
    with pytest.raises(WrongPassword) as unknown:
        accounts.authenticate_operator("bob", PASSWORD)
    assert wrong.value.customer_text == unknown.value.customer_text
    with pytest.raises(WrongPassword):
        accounts.authenticate_operator("", "")


def test_customers_have_no_password(accounts):
    customer = accounts.user_for_phone("+12015550123")
    assert not customer.is_operator
    with pytest.raises(WrongPassword):
        accounts.authenticate_operator("+12015550123", "")


def test_login_taken(accounts):
    accounts.create_operator("alice", PASSWORD, role="field")
    with pytest.raises(OperatorSetupError) as caught:
        accounts.create_operator("ALICE", PASSWORD, role="field")
    assert caught.value.public_message == "That login is taken."


@pytest.mark.parametrize("login, password", [
    ("alice", "short"), ("a", PASSWORD), ("has space", PASSWORD), ("", PASSWORD), ("x" * 65, PASSWORD),
])
def test_bad_operator_details(accounts, login, password):
    with pytest.raises(OperatorSetupError) as caught:
        accounts.create_operator(login, password, role="field")
    assert caught.value.customer_text.isascii()


def test_operator_with_phone(accounts):
    operator = accounts.create_operator("alice", PASSWORD, phone="(201) 555-0177", role="admin")
    assert operator.phone == "+12015550177"
    assert accounts.user_for_phone("+12015550177").id == operator.id  # her texts are hers


def test_a_customer_becomes_an_operator(accounts):
    customer = accounts.user_for_phone("+12015550177")
    operator = accounts.create_operator("alice", PASSWORD, phone="+12015550177", role="admin")
    assert operator.id == customer.id and operator.is_operator
    with pytest.raises(OperatorSetupError):
        accounts.create_operator("bob", PASSWORD, phone="+12015550177", role="admin")  # already an operator's


def test_rehash_when_parameters_change(accounts, store):
    accounts.create_operator("alice", PASSWORD, role="field")
    before = store.user_by_login("alice")["password_hash"]
    accounts.hasher = PasswordHasher(time_cost=CHEAPEST.time_cost + 1, memory_cost=CHEAPEST.memory_cost,
                                     parallelism=1)
    accounts.authenticate_operator("alice", PASSWORD)
    after = store.user_by_login("alice")["password_hash"]
    assert after != before and ",t=2," in after
    assert accounts.authenticate_operator("alice", PASSWORD)


def test_tries_are_capped_per_login(accounts, clock):
    accounts.create_operator("alice", PASSWORD, role="field")
    for _ in range(10):
        with pytest.raises(WrongPassword):
            accounts.authenticate_operator("alice", "guess guess", ip="198.51.100.9")
    with pytest.raises(TooManySignInTries) as caught:
        accounts.authenticate_operator("alice", PASSWORD, ip="198.51.100.10")
    assert caught.value.retry_after <= 900
    clock.advance(caught.value.retry_after)
    assert accounts.authenticate_operator("alice", PASSWORD)


def test_tries_are_capped_per_ip(accounts):
    for n in range(30):
        with pytest.raises(WrongPassword):
            accounts.authenticate_operator(f"user{n}", "guess guess", ip="198.51.100.9")
    with pytest.raises(TooManySignInTries):
        accounts.authenticate_operator("user99", "guess guess", ip="198.51.100.9")


def test_create_operator_command(app, services):
    runner = app.test_cli_runner()
    result = runner.invoke(create_operator_command, ["Carol", "--role", "support", "--phone", "+1 201 555 0144"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Operator 'carol' (support) is ready" in result.output and PASSWORD not in result.output
    carol = services.accounts.authenticate_operator("carol", PASSWORD)
    assert (carol.phone, carol.ops_role) == ("+12015550144", "support")
    [entry] = services.audit.entries(action="operator.create")
    assert (entry.actor, entry.person_id) == ("system", carol.id) and "command line" in entry.detail


def test_create_operator_command_reads_a_piped_password(app, services):
    result = app.test_cli_runner().invoke(create_operator_command, ["dan", "--role", "field", "--password-stdin"],
                                          input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert services.accounts.authenticate_operator("dan", PASSWORD).ops_role == "field"


@pytest.mark.parametrize("args, words", [
    (["erin", "--role", "admin", "--password-stdin"], "Admins and support staff need a phone number."),
    (["erin", "--role", "boss", "--password-stdin"], "Invalid value for '--role'"),
])
def test_create_operator_command_refuses_a_role_it_cannot_serve(app, services, args, words):
    result = app.test_cli_runner().invoke(create_operator_command, args, input=f"{PASSWORD}\n")
    assert result.exit_code != 0 and words in result.output
    assert services.operators.operators() == []


def test_create_operator_command_refuses_plainly(app, services):
    runner = app.test_cli_runner()
    result = runner.invoke(create_operator_command, ["carol", "--role", "field", "--password-stdin"],
                           input="short\n")
    assert result.exit_code != 0 and "at least 10 characters" in result.output


# -- creating operators: the rules, and the words people read --------------------------------------


@pytest.mark.parametrize("typed, login", [
    ("ab", "ab"), ("x" * 64, "x" * 64), ("a.b_c@d-e", "a.b_c@d-e"), ("0perator", "0perator"),
    ("  Alice@Example.COM ", "alice@example.com"), ("ops-1", "ops-1"),
])
def test_logins_that_are_accepted(accounts, typed, login):
    assert accounts.create_operator(typed, PASSWORD, role="field").login == login
    assert accounts.authenticate_operator(login, PASSWORD).login == login


@pytest.mark.parametrize("typed", [
    "a", "x" * 65, "", None, "   ", ".alice", "-alice", "_alice", "@alice", "al ice", "alice!", "al/ice",
    "\u00e9lodie", "ali\nce",
])
def test_logins_that_are_refused(accounts, store, typed):
    with pytest.raises(OperatorSetupError) as caught:
        accounts.create_operator(typed, PASSWORD, role="field")
    assert caught.value.public_message == "A login uses 2 to 64 letters, numbers, dots, dashes, _ or @."
    assert caught.value.next_step == "Choose another login."
    assert caught.value.detail != caught.value.public_message  # the log says which rule
    assert list(store.db.query("SELECT id FROM users")) == []


@pytest.mark.parametrize("length, accepted", [(9, False), (10, True), (1024, True), (1025, False)])
def test_password_length_bounds(accounts, length, accepted):
    password = ("correct horse battery staple " * 40)[:length]
    if accepted:
        assert accounts.create_operator("alice", password, role="field").is_operator
        assert accounts.authenticate_operator("alice", password).login == "alice"
        return
    with pytest.raises(OperatorSetupError) as caught:
        accounts.create_operator("alice", password, role="field")
    too_long = length > 1024
    assert caught.value.public_message == ("The password must be at most 1024 characters." if too_long
                                           else "The password must be at least 10 characters.")
    assert caught.value.next_step == ("Choose a shorter password." if too_long else "Choose a longer password.")
    assert caught.value.detail == "password must be 10 to 1024 characters"


@pytest.mark.parametrize("password", [None, ""])
def test_no_password_is_too_short(accounts, password):
    with pytest.raises(OperatorSetupError) as caught:
        accounts.create_operator("alice", password, role="field")
    assert caught.value.next_step == "Choose a longer password."


def test_a_taken_login_is_refused_plainly(accounts, store):
    first = accounts.create_operator("alice", PASSWORD, role="field")
    with pytest.raises(OperatorSetupError) as caught:
        accounts.create_operator(" ALICE ", "another password", phone="+12015550188", role="admin")
    assert (caught.value.public_message, caught.value.next_step) == ("That login is taken.", "Choose another login.")
    assert "'alice'" in caught.value.detail
    assert accounts.authenticate_operator("alice", PASSWORD).id == first.id  # alice is unchanged
    assert store.user_by_phone("+12015550188") is None


def test_a_login_taken_meanwhile_is_refused_plainly(accounts, store, monkeypatch):
    """Two operators created at once with one login: the database's unique index decides."""
    accounts.create_operator("alice", PASSWORD, role="field")
    monkeypatch.setattr(store, "user_by_login", lambda login: None)  # as if not there yet when asked
    with pytest.raises(OperatorSetupError) as caught:
        accounts.create_operator("alice", "another password", role="field")
    assert (caught.value.public_message, caught.value.next_step) == ("That login is taken.", "Choose another login.")
    assert "'alice'" in caught.value.detail
    monkeypatch.undo()
    assert accounts.authenticate_operator("alice", PASSWORD).login == "alice"


def test_an_operator_is_created_on_the_injected_clock(accounts, store, clock):
    accounts.create_operator("alice", PASSWORD, phone="+12015550177", role="admin")
    assert store.user_by_login("alice")["created_at"] == clock.now


def test_a_customer_promoted_by_phone_keeps_their_account_and_signs_in_by_password(accounts, store):
    customer = accounts.user_for_phone("+12015550177")
    operator = accounts.create_operator("Alice", PASSWORD, phone="(201) 555-0177", role="support")
    assert (operator.id, operator.login, operator.role, operator.phone) == \
        (customer.id, "alice", "operator", "+12015550177")
    assert accounts.authenticate_operator("alice", PASSWORD).id == customer.id
    assert store.user_by_login("alice")["password_hash"].startswith("$argon2id$")
    assert len(list(store.db.query("SELECT id FROM users"))) == 1


def test_the_phone_of_another_operator_is_refused_plainly(accounts, store):
    alice = accounts.create_operator("alice", PASSWORD, phone="+12015550177", role="admin")
    with pytest.raises(OperatorSetupError) as caught:
        accounts.create_operator("bob", "bob's password", phone="201 555 0177", role="admin")
    assert caught.value.public_message == "That phone number belongs to another operator."
    assert caught.value.next_step == "Use another phone number, or none."
    assert caught.value.detail != caught.value.public_message
    assert store.user_by_login("bob") is None
    assert accounts.user_for_phone("+12015550177").login == "alice"
    assert accounts.authenticate_operator("alice", PASSWORD).id == alice.id
    with pytest.raises(WrongPassword):
        accounts.authenticate_operator("bob", "bob's password")


def test_an_operator_without_a_phone(accounts, store):
    operator = accounts.create_operator("alice", PASSWORD, phone="", role="field")
    assert operator.phone is None and store.user_by_login("alice")["phone"] is None


def test_a_bad_phone_for_an_operator_is_refused(accounts, store):
    with pytest.raises(InvalidPhoneNumber):
        accounts.create_operator("alice", PASSWORD, phone="12", role="admin")
    assert store.user_by_login("alice") is None


def test_the_default_hasher_is_argon2id():
    hasher = AccountService(store=None, sms=None).hasher
    assert isinstance(hasher, PasswordHasher) and hasher.type is Type.ID


# -- signing in: one path for every refusal ------------------------------------------------------------


class SpyHasher:
    """A cheap argon2id hasher that records what it was asked."""

    def __init__(self):
        self.inner = PasswordHasher.from_parameters(CHEAPEST)
        self.hashed, self.verified = 0, []

    def hash(self, password):
        self.hashed += 1
        return self.inner.hash(password)

    def verify(self, password_hash, password):
        self.verified.append(password_hash)
        return self.inner.verify(password_hash, password)

    def check_needs_rehash(self, password_hash):
        return self.inner.check_needs_rehash(password_hash)


def test_an_unknown_login_costs_one_argon2_check_like_a_known_one(accounts):
    accounts.create_operator("alice", PASSWORD, role="field")
    spy = accounts.hasher = SpyHasher()
    with pytest.raises(WrongPassword):
        accounts.authenticate_operator("alice", "wrong password")
    with pytest.raises(WrongPassword):
        accounts.authenticate_operator("nobody", "wrong password")
    with pytest.raises(WrongPassword):
        accounts.authenticate_operator("someone", PASSWORD)
    assert len(spy.verified) == 3
    real, dummy, dummy_again = spy.verified
    assert dummy.startswith("$argon2id$") and dummy != real
    assert dummy_again == dummy and spy.hashed == 1  # the dummy hash is made once


def test_the_log_tells_an_unknown_login_from_a_wrong_password(accounts):
    accounts.create_operator("alice", PASSWORD, role="field")
    with pytest.raises(WrongPassword) as wrong:
        accounts.authenticate_operator("alice", "wrong password")
    with pytest.raises(WrongPassword) as unknown:
        accounts.authenticate_operator("nobody", PASSWORD)
    assert wrong.value.public_message == unknown.value.public_message == "That login or password is not right."
    assert len({wrong.value.detail, unknown.value.detail, wrong.value.public_message}) == 3


@pytest.mark.parametrize("login, password", [
    (None, PASSWORD), ("", PASSWORD), ("   ", PASSWORD), ("nobody", None), ("alice", None), ("alice", ""),
    (None, None),
])
def test_a_missing_login_or_password_signs_no_one_in(accounts, login, password):
    accounts.create_operator("alice", PASSWORD, role="field")
    accounts.create_operator("xxxx", PASSWORD, role="field")  # what a missing login must not turn into
    accounts.hasher = spy = SpyHasher()
    with pytest.raises(WrongPassword):
        accounts.authenticate_operator(login, password)
    assert len(spy.verified) == 1  # still one argon2 check


def test_an_operator_without_a_password_hash_cannot_sign_in(accounts, store):
    operator = accounts.create_operator("alice", PASSWORD, role="field")
    store.db.execute("UPDATE users SET password_hash = NULL WHERE id = ?", [operator.id])
    accounts.hasher = spy = SpyHasher()
    with pytest.raises(WrongPassword):
        accounts.authenticate_operator("alice", PASSWORD)
    assert len(spy.verified) == 1 and spy.verified[0].startswith("$argon2id$")


def test_a_user_who_is_no_longer_an_operator_cannot_sign_in_by_password(accounts, store):
    operator = accounts.create_operator("alice", PASSWORD, role="field")
    store.db.execute("UPDATE users SET role = 'customer' WHERE id = ?", [operator.id])
    with pytest.raises(WrongPassword):
        accounts.authenticate_operator("alice", PASSWORD)


def test_a_broken_stored_hash_is_a_wrong_password(accounts, store):
    operator = accounts.create_operator("alice", PASSWORD, role="field")
    store.set_password_hash(operator.id, "not an argon2 hash")
    with pytest.raises(WrongPassword):
        accounts.authenticate_operator("alice", PASSWORD)


def test_no_rehash_while_the_parameters_hold(accounts, store):
    accounts.create_operator("alice", PASSWORD, role="field")
    before = store.user_by_login("alice")["password_hash"]
    accounts.hasher = spy = SpyHasher()
    accounts.authenticate_operator("alice", PASSWORD)
    assert spy.hashed == 0 and store.user_by_login("alice")["password_hash"] == before


def test_a_taken_login_with_a_customers_phone_leaves_the_customer_alone(accounts, store):
    accounts.create_operator("alice", PASSWORD, role="field")
    customer = accounts.user_for_phone("+12015550177")
    with pytest.raises(OperatorSetupError) as caught:
        accounts.create_operator("Alice", "another password", phone="+12015550177", role="admin")
    assert caught.value.public_message == "That login is taken."
    after = accounts.user_for_phone("+12015550177")
    assert (after.id, after.role, after.login) == (customer.id, "customer", None)
