"""Waiting in tests for what happens in other threads: poll, never sleep-then-assert.

Timeouts are generous (a passing run takes a fraction of them); they only bound a broken test.
"""
from __future__ import annotations

import time
from typing import Any, Callable

TIMEOUT_SECONDS = 15.0


def wait_for(predicate: Callable[[], Any], *, timeout: float = TIMEOUT_SECONDS,
             interval: float = 0.02) -> Any:
    """Poll until `predicate()` is truthy and return its value; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout} s for {predicate}")
        time.sleep(interval)
    return value


def wait_until(condition: Callable[[], Any], timeout: float = TIMEOUT_SECONDS,
               interval: float = 0.05) -> bool:
    """Poll `condition` until it is true; False if `timeout` passes first (for `assert wait_until(...)`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False
