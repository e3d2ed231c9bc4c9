"""The one fake clock of the tests: a callable that returns the time a test sets and moves by hand."""
from __future__ import annotations

import time


class FakeClock:
    """`clock()` is `clock.now`; the test moves it with `advance` (services take it as `clock=`).

    It starts at the real time by default: the sandbox cloud and its tokens and claim codes run on
    the real clock, and bff compares its own times with theirs.
    """

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
