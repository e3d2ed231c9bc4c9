"""The SMS command parser: commands in any case, spacing and dashes; never raises (hypothesis).

Parametrised ids must be the same on every run: box codes here are fixed, not drawn.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bff import labels
from bff.sms.parse import (
    ALLOW, ASK, BLOCK, CLAIM, CODE, GIVE, LEAVE, MENU, NAME, NO, REMOVE, SHARE, SILENT, STATUS,
    LIFECYCLE_VERBS, TWILIO_KEYWORDS, UNKNOWN, UNSHARE, VERBS, YES, Command, normalize, parse_command,
)

CODE_TEXT = "3RAD-YKH0-31T9"  # a fixed valid box code, so test ids are the same on every run


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
                                  "QUIT", "START", "UNSTOP", "HELP", "help", "INFO", " help! "])
def test_twilio_keywords_are_left_to_twilio(body):
    assert parse_command(body) == Command(SILENT)


@pytest.mark.parametrize("body", ["", "   ", "hello", "HELP CLAIM", "stop it", "claimK7Q2",
                                  "\U0001f600", "CLAIMS", "12345", "\x00", "-", "&<>"])
def test_anything_else_is_unknown(body):
    assert parse_command(body).verb == UNKNOWN


def test_normalize_folds_lookalikes_and_spaces():
    assert normalize("  \uff33\uff34\uff21\uff34\uff35\uff33\u00a0\u2003now\n") == "STATUS now"
    assert normalize(None) == ""


_VERBS = {CLAIM, CODE, STATUS, NAME, MENU, SILENT, UNKNOWN} | LIFECYCLE_VERBS


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


def test_the_fixed_code_is_a_valid_box_code():
    assert labels.is_label_code(CODE_TEXT)


@settings(max_examples=100, deadline=None)
@given(st.builds(lambda symbols: symbols + labels.label_check_symbol(symbols),
                 st.text(alphabet=labels.LABEL_CODE_ALPHABET, min_size=11, max_size=11)),
       st.sampled_from(["CLAIM ", "claim: ", "Claim-", ""]), st.booleans())
def test_any_box_code_claims(code, word, grouped):
    typed = labels.format_label_code(code) if grouped else code
    command = parse_command(word + typed)
    assert command == Command(CLAIM, code=typed)


# -- every verb and alias ----------------------------------------------------------------------------


@pytest.mark.parametrize("word, verb", sorted(VERBS.items()))
def test_every_command_word_in_any_case(word, verb):
    for typed in (word, word.upper(), word.capitalize(), f"  {word.upper()}  ", f"{word}."):
        assert parse_command(typed).verb == verb, typed


def test_the_command_words_and_what_they_mean():
    assert VERBS == {"claim": CLAIM, "code": CODE, "status": STATUS, "name": NAME, "rename": NAME,
                     "menu": MENU, "?": MENU, "remove": REMOVE, "give": GIVE, "share": SHARE,
                     "unshare": UNSHARE, "leave": LEAVE, "ask": ASK, "block": BLOCK, "allow": ALLOW,
                     "yes": YES, "no": NO}


def test_rename_is_name():
    assert parse_command("RENAME pump house garage") == Command(NAME, code="pump house garage")
    assert parse_command("rename") == Command(NAME)


@pytest.mark.parametrize("body", ["STATUS of everything", "MENU please", "? what", "status: now"])
def test_status_and_menu_ignore_what_follows(body):
    command = parse_command(body)
    assert command.code == command.name == "" and command.phone is None


# -- CLAIM ... FOR ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body, code, phone", [
    ("CLAIM 3RAD YKH0 31T9 FOR +1 201 555 0123", "3RAD YKH0 31T9", "+1 201 555 0123"),
    ("claim 3RAD-YKH0-31T9 For 201.555.0123", "3RAD-YKH0-31T9", "201.555.0123"),
    ("CLAIM 0123456789abcdef01234567 for +12015550123", "0123456789abcdef01234567", "+12015550123"),
    ("CLAIM pump FOR ford FOR +12015550123", "pump FOR ford", "+12015550123"),  # the last FOR splits
    ("CLAIM 3RAD-YKH0-31T9 FORWARD", "3RAD-YKH0-31T9 FORWARD", None),  # FOR only as a word
    ("CLAIM 3RAD-YKH0-31T9   FOR   +1  201", "3RAD-YKH0-31T9", "+1 201"),
    ("CLAIM FOR", "", ""),
], ids=["grouped-code", "mixed-case-for", "device-id", "last-for", "forward", "spaces", "for-alone"])
def test_claim_for_reads_the_code_and_the_phone(body, code, phone):
    assert parse_command(body) == Command(CLAIM, code=code, phone=phone)


# -- white space, dashes, case -----------------------------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    ("CODE photon -", Command(CODE, name="photon")),
    ("CODE - photon - ", Command(CODE, name="photon")),
    ("CODE --widget-wifi--", Command(CODE, name="widget-wifi")),
    ("CLAIM \u2013 3RAD-YKH0-31T9 \u2014", Command(CLAIM, code="3RAD-YKH0-31T9")),
    ("NAME\u00a0pump\u2003house", Command(NAME, code="pump house")),
    ("NAME pump\n\nhouse", Command(NAME, code="pump house")),
    ("CODE\uff0dphoton", Command(CODE, name="photon")),
], ids=["trailing-dash", "dashes-around", "double-dashes", "unicode-dashes", "unicode-spaces",
        "new-lines", "full-width-dash"])
def test_dashes_and_white_space_around_what_follows_do_not_matter(body, expected):
    assert parse_command(body) == expected


def test_normalize_unifies_every_dash():
    dashes = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d"
    assert normalize(f"a{dashes}b") == "a" + "-" * len(dashes) + "b"


def test_only_the_first_1600_characters_are_read():
    assert parse_command("CODE " + "a" * 1595 + "bbbb") == Command(CODE, name="a" * 1595)
    assert normalize("x" * 1700) == "x" * 1600


# -- words Twilio answers ----------------------------------------------------------------------------


@pytest.mark.parametrize("word", sorted(TWILIO_KEYWORDS - {"yes"}))
def test_every_twilio_keyword_is_silent_in_any_case_with_a_full_stop(word):
    for typed in (word, word.upper(), word.capitalize(), f" {word.upper()}. ", f"{word}!", f"{word}!!",
                  f"{word}.!"):
        assert parse_command(typed) == Command(SILENT), typed


def test_the_twilio_keywords():
    assert TWILIO_KEYWORDS == {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
                               "start", "yes", "unstop", "help", "info"}


@pytest.mark.parametrize("body", ["YES", "yes", " Yes. ", "YES!", "\uff39\uff25\uff33"])
def test_yes_alone_is_an_answer_not_left_to_twilio(body):
    """YES is Twilio's opt-in word and bff's answer; the handler stays quiet without a question."""
    assert parse_command(body) == Command(YES)


@pytest.mark.parametrize("body", ["STOPX", "XSTOP", "STOP STOP", "HELPX", "stop please", "INFOX", "YESX"])
def test_only_the_keyword_alone_is_silent(body):
    assert parse_command(body).verb == UNKNOWN
