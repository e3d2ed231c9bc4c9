"""Every SMS reply text is one plain GSM-7 segment, with its placeholders at their longest."""
from __future__ import annotations

import string

import pytest

from bff import errors, labels
from bff.sms import texts
from bff.claims.texts import NOTIFY_TEXTS, OUTCOME_TEXTS

from tests.sms.sms_support import is_one_plain_segment


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


@pytest.mark.parametrize("name", sorted(texts.TEMPLATES))
def test_every_reply_template_fits_one_plain_segment(name):
    template = texts.TEMPLATES[name]
    assert _placeholders(template) <= set(texts.LONGEST), f"{name} has an unknown placeholder"
    filled = template.format(**texts.LONGEST)
    assert is_one_plain_segment(filled), f"{name}: {len(filled)} characters: {filled!r}"


def test_the_templates_list_is_complete():
    """A new text added to bff/sms/texts.py is checked too (it lands in TEMPLATES by itself)."""
    assert {"MENU", "UNKNOWN", "WORKING", "CLAIMED", "FOR_CUSTOMER_CLAIMED", "CODE_PLAIN",
            "STATUS_NONE", "NAME_DONE", "TOO_MANY_TEXTS", "SORRY"} <= set(texts.TEMPLATES)
    assert len(texts.TEMPLATES) >= 35


def test_a_setup_code_with_its_validity_fits():
    code = "c" * 63
    assert len(texts.CODE_PLAIN.format(minutes=60, code=code)) <= 160
    assert texts.CODE_PLAIN.format(minutes=60, code=code).endswith(code)


@pytest.mark.parametrize("outcome", sorted(OUTCOME_TEXTS))
def test_claim_outcomes_read_by_text_fit(outcome):
    """Refused and failed claims are answered with the claim's own message and next step."""
    _, message, next_step = OUTCOME_TEXTS[outcome]
    assert is_one_plain_segment(f"{message} {next_step}")


@pytest.mark.parametrize("state", sorted(NOTIFY_TEXTS))
def test_later_claim_texts_fit(state):
    assert is_one_plain_segment(NOTIFY_TEXTS[state].format(device="x" * 24))


def _all_error_classes(base=errors.BffError):
    for cls in base.__subclasses__():
        yield cls
        yield from _all_error_classes(cls)


_ARGUMENTS = {
    "RateLimited": {"retry_after": 30},
    "TooManySignInCodes": {"retry_after": 7200},
    "TooManySignInTries": {"retry_after": 7200},
    "ChooseWifiProduct": {"names": ["sandbox-photon", "sandbox-p1"], "sms": True},
    "NotAWifiProduct": {"product": "p" * 24, "sms": True},
}


@pytest.mark.parametrize("cls", sorted(set(_all_error_classes()), key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_every_error_a_command_can_answer_with_fits(cls):
    """A BffError anywhere in a command becomes its customer text: each must fit one segment."""
    error = cls(**_ARGUMENTS.get(cls.__name__, {}))
    assert is_one_plain_segment(error.customer_text), f"{cls.__name__}: {error.customer_text!r}"


@pytest.mark.parametrize("typed", ["", "K7Q2", "x" * 64, "K7Q2-M9XA-3F4T-XXXX-YYYY", "??"])
def test_label_code_refusals_fit(typed):
    with pytest.raises(labels.LabelCodeError) as caught:
        labels.check_label_code(typed)
    assert is_one_plain_segment(caught.value.customer_text)
