"""Browsers (Flask test clients) signed in to the console, both steps, as an operator of each role."""
from __future__ import annotations

import pytest

from tests.support.ops import make_operator, ops_sign_in


@pytest.fixture
def operator_browser(app, services):
    """Builds test clients signed in as a new operator: `operator_browser(login, role)`."""
    def build(login: str, role: str):
        make_operator(services, login, role)
        browser = app.test_client()
        ops_sign_in(browser, services, login)
        return browser
    return build


@pytest.fixture
def desk(operator_browser):
    """A browser signed in as "desk", a support operator."""
    return operator_browser("desk", "support")


@pytest.fixture
def boss(operator_browser):
    """A browser signed in as "boss", an admin."""
    return operator_browser("boss", "admin")


@pytest.fixture
def crew(operator_browser):
    """A browser signed in as "crew", a field crew member."""
    return operator_browser("crew", "field")


@pytest.fixture
def operator_named(services):
    """The operator `User` with this login: `operator_named("desk")`."""
    return lambda login: services.accounts.user(services.store.user_by_login(login)["id"])
