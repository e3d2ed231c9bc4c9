"""bff's typed errors: plain words for customers (one GSM-7 segment), the details for operators."""
from __future__ import annotations

import re

import pytest

from bff import errors
from bff.errors import BffError, RateLimited


def _all_error_classes():
    found, todo = [], [BffError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__.startswith(errors.__name__)]


@pytest.mark.parametrize("cls", _all_error_classes(), ids=lambda cls: cls.__name__)
def test_every_error_says_what_happened_and_what_to_do_in_plain_sms_text(cls):
    text = cls.public_message + " " + cls.next_step
    assert cls.public_message.endswith(".") and cls.next_step.endswith(".")
    assert re.fullmatch(r"[A-Za-z0-9 .,;:'()?!+-]+", text), "plain GSM-7 words only"
    assert len(text) <= 160, "one SMS segment"


def test_messages_can_be_replaced_per_situation():
    error = RateLimited(retry_after=5, next_step="We will try again for you.", status=429)
    assert error.customer_text == "The device cloud is busy right now. We will try again for you."
    assert error.retry_after == 5
    assert "HTTP 429" in str(error)
