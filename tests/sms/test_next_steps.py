"""Every text a customer reads says what to do next (issue 11, item 4).

The rule, checked on every text of bff/sms/texts.py, bff/claims/texts.py, bff/ownership/texts.py
and every error's `next_step`: its last sentence is a next step, which is one of
- an instruction: it starts with a verb a person acts on (Text, Reply, Switch, Check, ...), or
  "To <goal>, <instruction>" / "If <case>, <instruction>";
- an explicit "nothing to do" ("You do not need to ...", "Nothing more to do", "You can close ...");
- what we do next for them, with the promise of a text ("We will ... text you/them").
Texts that say what happened must say it first (at least two sentences); the how-to answers to an
incomplete command (`*_HOW`, `CLAIM_NO_CODE`, ...) are a single instruction. List fragments that are
never sent alone (STATUS pieces: its own list ends with the questions' "reply YES or NO") and menus (a list of commands) are left out by name.
"""
from __future__ import annotations

import re
import string

import pytest

from bff import errors
from bff.claims import texts as claim_texts
from bff.ownership import texts as lifecycle_texts
from bff.sms import texts as sms_texts

VERBS = ("Text", "Reply", "Switch", "Check", "Contact", "Try", "Type", "Enter", "Use", "Add", "Wait", "Scan",
         "Tap", "Please", "Ask", "Sign", "Open", "Paste", "Give", "Cancel", "Reload", "Start", "Choose", "Get",
         "Claim", "Go", "Pass", "Keep", "Copy")
INSTRUCTION = re.compile(r"^(?:(?:To|If|When) [^,]+, |Or |Then )?(?i:" + "|".join(VERBS) + r")\b"
                         r"|^[A-Z]{3,}\b")  # or an SMS command to text ("BLOCK pump_2 stops asks.")
NOTHING_TO_DO = re.compile(r"^(?:You do not need to|There is nothing more to do|Nothing more to do|"
                           r"You can close this page)")
WE_WILL_TEXT = re.compile(r"^(?:We|Our support team)\b.*\bwill\b.*\b(?:text (?:you|them)|send you a text)\b")

# Pieces of a reply, never a reply alone (STATUS is assembled from them; its end is checked below).
FRAGMENTS = {"STATUS_DEVICES", "STATUS_WAITING", "STATUS_ADDING", "STATUS_ON", "STATUS_OFF", "STATUS_UNSEEN",
             "STATUS_WAITING_ITEM", "STATUS_SWITCH_ON", "STATUS_MORE", "STATUS_SHARED",
             "STATUS_QUESTION", "STATUS_QUESTIONS"}
MENUS = {"MENU", "MENU_OPERATOR", "MENU_2"}  # a list of commands, each a thing to text
INSTRUCTION_ONLY = {"CLAIM_NO_CODE", "CLAIM_SERIAL_NEXT", "CLAIM_FOR_NO_PHONE", "NAME_HOW", "NAME_NO_NAME",
                    "REMOVE_HOW", "GIVE_HOW", "SHARE_HOW", "UNSHARE_HOW", "ASK_HOW", "BLOCK_HOW", "ALLOW_HOW",
                    "ANSWER_HOW", "LEAVE_HOW"}
SAMPLE = {"device": "pump_2", "phone": "+12015550123", "name": "pump_2", "code": "AbC123xyz", "minutes": "60",
          "product": "Sensor", "count": "2", "link": "https://bff.test/offers/1", "reason": "you asked us to stop."}


def sentences(text: str) -> list[str]:
    filled = string.Formatter().vformat(text, (), SAMPLE)
    return [part.strip() for part in re.split(r"(?<=[.!?])\s+", filled.strip()) if part.strip()]


def is_next_step(sentence: str) -> bool:
    return bool(INSTRUCTION.match(sentence) or NOTHING_TO_DO.match(sentence) or WE_WILL_TEXT.match(sentence))


def _errors(base=errors.BffError):
    for cls in base.__subclasses__():
        yield cls
        yield from _errors(cls)


ERROR_ARGUMENTS = {
    "RateLimited": {"retry_after": 30}, "TooManySignInCodes": {"retry_after": 7200},
    "TooManySignInTries": {"retry_after": 7200},
    "ChooseWifiProduct": {"names": ["sandbox-photon", "sandbox-p1"], "sms": True},
    "NotAWifiProduct": {"product": "Sensor", "sms": True},
}


def customer_texts() -> dict[str, str]:
    """Every text with what happened: name -> text."""
    found = {f"sms.{name}": text for name, text in sms_texts.TEMPLATES.items()
             if name not in FRAGMENTS | MENUS | INSTRUCTION_ONLY}
    for outcome, (_, message, next_step) in claim_texts.OUTCOME_TEXTS.items():
        found[f"claims.outcome.{outcome}"] = f"{message} {next_step}"
    for table in ("NOTIFY_TEXTS", "CLAIMED_FOR_YOU_TEXTS"):
        found.update({f"claims.{table}.{key}": text for key, text in getattr(claim_texts, table).items()})
    found["claims.CANCELLED_TEXT"] = claim_texts.CANCELLED_TEXT
    for table in ("ENDED_TEXTS", "WITHDRAWN_TEXTS", "DECIDED_TEXTS", "ANSWER_REPLIES"):
        found.update({f"ownership.{table}.{key}": text for key, text in getattr(lifecycle_texts, table).items()})
    for kind, pair in lifecycle_texts.QUESTION_TEXTS.items():
        found[f"ownership.QUESTION_TEXTS.{kind}"] = pair[1]
    found["ownership.SHARE_ENDED_TEXT"] = lifecycle_texts.SHARE_ENDED_TEXT
    for cls in set(_errors()):
        error = cls(**ERROR_ARGUMENTS.get(cls.__name__, {}))
        found[f"errors.{cls.__name__}"] = error.customer_text
    return found


TEXTS = customer_texts()


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_every_text_says_what_happened_then_what_to_do_next(name):
    said = sentences(TEXTS[name])
    assert len(said) >= 2, f"{name}: says what happened and what to do next in one sentence? {said}"
    assert is_next_step(said[-1]), f"{name}: the last sentence is not a next step: {said[-1]!r}"


@pytest.mark.parametrize("name", sorted(INSTRUCTION_ONLY))
def test_every_how_to_answer_is_an_instruction(name):
    said = sentences(sms_texts.TEMPLATES[name])
    assert is_next_step(said[-1]), f"{name}: {said[-1]!r}"


@pytest.mark.parametrize("sentence", [
    "Done: pump_2 is now called pump_2.", "It is now on your account.", "We texted them.",
    "Copied", "Your Wi-Fi setup code (valid 60 min): AbC123xyz", "The person said no to the device pump_2.",
    "We will keep trying.",
])
def test_a_sentence_that_only_says_what_happened_is_not_a_next_step(sentence):
    assert not is_next_step(sentence)
