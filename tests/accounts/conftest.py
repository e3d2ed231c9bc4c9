"""What the accounts tests alone use: a clock far from the wall clock.

`clock` here starts at a fixed moment in 2023 (01:01:00 UTC, one minute into every rate-limit
window: the 15-minute, hourly and daily windows all start at 01:00:00 or midnight), not now. A
rule that read the wall clock (time.time, or the database's default `now`) instead of the
injected one would see a time years later and fail, and the window arithmetic is exact.
"""
from __future__ import annotations

import pytest

from tests.support.clock import FakeClock

MIDNIGHT = 1_699_920_000.0  # 2023-11-14 00:00:00 UTC
START = MIDNIGHT + 3600 + 60  # 01:01:00 UTC
DAY = 24 * 3600


@pytest.fixture
def clock() -> FakeClock:
    """A clock the test moves by hand, starting at START (years before the wall clock)."""
    return FakeClock(start=START)
