"""to_gsm_segment: every text becomes one plain GSM-7 SMS."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from bff.twilio.gsm import GSM_BASIC, to_gsm_segment


@pytest.mark.parametrize("text, expected", [
    ("plain text", "plain text"),
    ("\u201cquoted\u201d and \u2018single\u2019", "\"quoted\" and 'single'"),
    ("on \u2013 off \u2014 done", "on - off - done"),
    ("wait\u2026", "wait..."),
    ("Done \u2705 now", "Done now"),
    ("\U0001f44d\U0001f3fd thumbs", "thumbs"),
    ("caf\u00e9 na\u00efve \u00e7a", "caf\u00e9 naive ca"),  # \u00e9 is GSM; \u00ef and \u00e7 are not
    ("[a] {b} ~c| d\\e ^f", "(a) (b) -c/ d/e f"),
    ("10\u20ac", "10EUR"),
    ("\u0142\u00f3d\u017a", "?odz"),  # \u0142 has no plain form
    ("tab\there\u00a0nbsp", "tab here nbsp"),
    ("line one \n line two", "line one\nline two"),
    ("\ufb01ne \uff21\uff22", "fine AB"),
])
def test_replacements(text, expected):
    assert to_gsm_segment(text) == expected


def test_short_text_untouched():
    text = "x" * 160
    assert to_gsm_segment(text) == text


def test_long_text_cut_at_a_word():
    text = ("word " * 40).strip()  # 199 characters
    cut = to_gsm_segment(text)
    assert len(cut) <= 160 and cut.endswith("word...") and "  " not in cut


def test_long_word_cut_hard():
    assert to_gsm_segment("y" * 300) == "y" * 157 + "..."


def test_custom_limit():
    assert to_gsm_segment("abcdefghij", limit=8) == "abcde..."
    assert to_gsm_segment("abcdefghij", limit=2) == "ab"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400))
def test_always_one_gsm_segment(text):
    result = to_gsm_segment(text)
    assert len(result) <= 160
    assert set(result) <= set(GSM_BASIC)
    assert to_gsm_segment(result) == result
