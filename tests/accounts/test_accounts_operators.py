"""Operators: argon2id passwords, one refusal for unknown login and wrong password, tries capped."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from bff.cli import create_operator_command
from bff.errors import OperatorSetupError, TooManySignInTries, WrongPassword

PASSWORD = "correct horse battery"


def test_create_and_sign_in(accounts, store):
    operator = accounts.create_operator("Alice", PASSWORD)
    assert (operator.login, operator.role, operator.is_operator, operator.phone) == \
        ("alice", "operator", True, None)
    stored = store.user_by_login("alice")["password_hash"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate_operator(" ALICE ", PASSWORD).id == operator.id


def test_wrong_password_and_unknown_login_read_the_same(accounts):
    accounts.create_operator("alice", PASSWORD)
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
    accounts.create_operator("alice", PASSWORD)
    with pytest.raises(OperatorSetupError) as caught:
        accounts.create_operator("ALICE", PASSWORD)
    assert caught.value.public_message == "That login is taken."


@pytest.mark.parametrize("login, password", [
    ("alice", "short"), ("a", PASSWORD), ("has space", PASSWORD), ("", PASSWORD), ("x" * 65, PASSWORD),
])
def test_bad_operator_details(accounts, login, password):
    with pytest.raises(OperatorSetupError) as caught:
        accounts.create_operator(login, password)
    assert caught.value.customer_text.isascii()


def test_operator_with_phone(accounts):
    operator = accounts.create_operator("alice", PASSWORD, phone="(201) 555-0177")
    assert operator.phone == "+12015550177"
    assert accounts.user_for_phone("+12015550177").id == operator.id  # her texts are hers


def test_a_customer_becomes_an_operator(accounts):
    customer = accounts.user_for_phone("+12015550177")
    operator = accounts.create_operator("alice", PASSWORD, phone="+12015550177")
    assert operator.id == customer.id and operator.is_operator
    with pytest.raises(OperatorSetupError):
        accounts.create_operator("bob", PASSWORD, phone="+12015550177")  # already an operator's


def test_rehash_when_parameters_change(accounts, store):
    accounts.create_operator("alice", PASSWORD)
    before = store.user_by_login("alice")["password_hash"]
    accounts.hasher = PasswordHasher(time_cost=CHEAPEST.time_cost + 1, memory_cost=CHEAPEST.memory_cost,
                                     parallelism=1)
    accounts.authenticate_operator("alice", PASSWORD)
    after = store.user_by_login("alice")["password_hash"]
    assert after != before and ",t=2," in after
    assert accounts.authenticate_operator("alice", PASSWORD)


def test_tries_are_capped_per_login(accounts, clock):
    accounts.create_operator("alice", PASSWORD)
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
    result = runner.invoke(create_operator_command, ["Carol", "--phone", "+1 201 555 0144"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Operator 'carol' is ready" in result.output and PASSWORD not in result.output
    assert services.accounts.authenticate_operator("carol", PASSWORD).phone == "+12015550144"


def test_create_operator_command_refuses_plainly(app, services):
    runner = app.test_cli_runner()
    result = runner.invoke(create_operator_command, ["carol", "--password", "short"])
    assert result.exit_code != 0 and "at least 10 characters" in result.output
