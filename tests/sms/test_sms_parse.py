"""The SMS command parser: commands in any case, spacing and dashes; never raises (hypothesis)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bff import labels
from bff.sms.parse import (
    CLAIM, CODE, MENU, NAME, SILENT, STATUS, UNKNOWN, VERBS, Command, normalize, parse_command,
)

CODE_TEXT = labels.format_label_code(labels.new_label_code())


@pytest.mark.parametrize("body", [
    f"CLAIM {CODE_TEXT}", f"claim {CODE_TEXT.lower()}", f"  Claim   {CODE_TEXT}  ",
    f"CLAIM-{CODE_TEXT.replace('-', '')}", f"CLAIM: {CODE_TEXT}", f"\uff23\uff2c\uff21\uff29\uff2d {CODE_TEXT}",
    f"claim\t{CODE_TEXT}\n",
])
def test_claim_in_any_case_spacing_and_dashes(body):
    command = parse_command(body)
    assert command.verb == CLAIM and command.phone is None
    assert labels.check_label_code(command.code) == labels.check_label_code(CODE_TEXT)


def test_claim_code_in_groups_and_with_unicode_dashes():
    spaced = CODE_TEXT.replace("-", " ")
    assert labels.check_label_code(parse_command(f"CLAIM {spaced}").code)
    dashed = CODE_TEXT.replace("-", "\u2013")  # an en dash, as phones like to type
    assert labels.check_label_code(parse_command(f"claim {dashed}").code)


def test_a_bare_box_code_is_a_claim():
    assert parse_command(CODE_TEXT) == Command(CLAIM, code=CODE_TEXT)


@pytest.mark.parametrize("body, code, phone", [
    (f"CLAIM {CODE_TEXT} FOR +12015550123", CODE_TEXT, "+12015550123"),
    (f"claim {CODE_TEXT} for +1 (201) 555-0123", CODE_TEXT, "+1 (201) 555-0123"),
    (f"CLAIM {CODE_TEXT} FOR", CODE_TEXT, ""),
    ("CLAIM FOR +12015550123", "", "+12015550123"),
])
def test_claim_for_a_customer(body, code, phone):
    assert parse_command(body) == Command(CLAIM, code=code, phone=phone)


@pytest.mark.parametrize("body", ["CLAIM", "claim  ", "Claim."])
def test_claim_without_a_code(body):
    assert parse_command(body) == Command(CLAIM, code="")


@pytest.mark.parametrize("body, product", [("CODE", ""), ("code", ""), ("Code widget-wifi", "widget-wifi"),
                                           ("CODE  Sandbox  Photon ", "Sandbox Photon")])
def test_code(body, product):
    assert parse_command(body) == Command(CODE, name=product)


@pytest.mark.parametrize("body", ["STATUS", "status", " Status ", "STATUS?", "status please"])
def test_status(body):
    assert parse_command(body).verb == STATUS


@pytest.mark.parametrize("body", ["MENU", "menu", "?", " ? ", "Menu?"])
def test_menu(body):
    assert parse_command(body).verb == MENU


def test_name_keeps_everything_after_the_word():
    spaced = CODE_TEXT.replace("-", " ")
    assert parse_command(f"NAME {spaced} pump house") == Command(NAME, code=f"{spaced} pump house")
    assert parse_command(f"name:  {CODE_TEXT}  pump") == Command(NAME, code=f"{CODE_TEXT} pump")
    assert parse_command("NAME ...c0ffee tank 2") == Command(NAME, code="c0ffee tank 2")
    assert parse_command("NAME") == Command(NAME)


@pytest.mark.parametrize("body", ["STOP", "stop", "Stop.", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END",
                                  "QUIT", "START", "YES", "UNSTOP", "HELP", "help", "INFO", " help! "])
def test_twilio_keywords_are_left_to_twilio(body):
    assert parse_command(body) == Command(SILENT)


@pytest.mark.parametrize("body", ["", "   ", "hello", "HELP CLAIM", "stop it", "claimK7Q2",
                                  "\U0001f600", "CLAIMS", "12345", "\x00", "-", "&<>"])
def test_anything_else_is_unknown(body):
    assert parse_command(body).verb == UNKNOWN


def test_normalize_folds_lookalikes_and_spaces():
    assert normalize("  \uff33\uff34\uff21\uff34\uff35\uff33\u00a0\u2003now\n") == "STATUS now"
    assert normalize(None) == ""


_VERBS = {CLAIM, CODE, STATUS, NAME, MENU, SILENT, UNKNOWN}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_never_raises_on_any_text(body):
    command = parse_command(body)
    assert command.verb in _VERBS
    assert isinstance(command.code, str) and isinstance(command.name, str)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(v for v in VERBS if v != "?")), st.sampled_from([" ", "  ", "-", " - ", ": "]),
       st.text(max_size=300))
def test_a_command_word_is_read_whatever_follows(verb, separator, rest):
    body = verb.upper() + separator + rest
    command = parse_command(body)
    # (the one exception: the whole message happens to be a valid box code, e.g. "NAME 8 symbols")
    assert command.verb == VERBS[verb] or (command.verb == CLAIM and labels.is_label_code(normalize(body)))


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1600, max_value=20000))
def test_very_long_bodies(length):
    command = parse_command("CLAIM " + "\ufdfa" * length)  # NFKC makes this one character 18
    assert command.verb == CLAIM
    assert len(command.code) <= 1600 * 18
