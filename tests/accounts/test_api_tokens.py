"""API tokens (bff/accounts/api_tokens.py): a use is recorded at most once a minute, and a use that
records nothing writes nothing (a read-only request must not take SQLite's write lock)."""
from __future__ import annotations

import pytest

from bff.accounts.api_tokens import TOUCH_EVERY_SECONDS, ApiTokens


@pytest.fixture
def tokens(store, clock) -> ApiTokens:
    return ApiTokens(store, clock=clock)


@pytest.fixture
def token(store, tokens) -> str:
    return tokens.issue(store.create_user(now=0), "tablet")


def _writes_while(store, action) -> list[str]:
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        action()
    finally:
        store.db.conn.set_trace_callback(None)
    return [s for s in statements if s.split()[0].upper() in ("BEGIN", "UPDATE", "INSERT", "DELETE")]


def test_a_use_within_the_minute_writes_nothing(store, tokens, token, clock):
    tokens.caller(token)
    clock.advance(TOUCH_EVERY_SECONDS / 2)

    assert _writes_while(store, lambda: tokens.caller(token)) == []


def test_a_use_after_the_minute_is_recorded(store, tokens, token, clock):
    tokens.caller(token)
    clock.advance(TOUCH_EVERY_SECONDS + 1)

    assert any("last_used_at" in s for s in _writes_while(store, lambda: tokens.caller(token)))
    row = next(store.query("SELECT last_used_at FROM api_tokens"))
    assert row["last_used_at"] == clock()
