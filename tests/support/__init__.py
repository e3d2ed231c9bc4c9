"""What several test folders share besides fixtures (those are in tests/conftest.py).

- `polling`: wait for what happens in other threads (never sleep-then-assert).
- `clock`: `FakeClock`, the one clock a test moves by hand.
- `fake_twilio`: the test Twilio account and a local fake of its REST API.
- `pages`: reading bff's HTML pages, and a test client signed in as someone.
- `api_client`: the JSON API as a setup app uses it, every reply checked against openapi.json.

Below: the test people's phone numbers, the label key every test app signs QR tags with, and a cheap
password hasher.
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

PHONE = "+12015550123"  # `person`'s phone
OTHER_PHONE = "+12015550124"  # `other_person`'s phone
OPERATOR_PHONE = "+12015550199"
LABEL_KEY = "test-label-key"  # BFF_LABEL_KEY of the test apps


def cheap_hasher() -> PasswordHasher:
    """argon2id with the cheapest parameters, so the tests stay fast on 2 cores."""
    return PasswordHasher.from_parameters(CHEAPEST)
