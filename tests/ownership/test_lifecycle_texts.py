"""Every lifecycle text is plain GSM-7 and fits one SMS with a 24-character device name."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from bff.errors import WhichQuestion
from bff.ownership import texts
from bff.twilio.gsm import to_gsm_segment

NAME = "x" * 24
LINK = "https://devices.example.com/offers/1234567890123"  # LINK_BUDGET characters
PHONE_LIKE = re.compile(r"\+?\d[\d -]{6,}")


def all_templates():
    found = [text for pair in texts.QUESTION_TEXTS.values() for text in pair]
    for table in (texts.ENDED_TEXTS, texts.WITHDRAWN_TEXTS, texts.DECIDED_TEXTS, texts.ANSWER_REPLIES):
        found += list(table.values())
    return found + [texts.SHARE_ENDED_TEXT]


@pytest.mark.parametrize("template", all_templates())
def test_each_text_is_one_plain_segment_with_a_24_character_name_and_a_link(template):
    text = template.format(device=NAME, link=LINK)
    assert len(LINK) == texts.LINK_BUDGET
    assert len(text) <= 160, text
    assert to_gsm_segment(text) == text, "plain GSM-7 only"
    assert not PHONE_LIKE.search(template.format(device=NAME, link="")), "no phone number in a text"


@pytest.mark.parametrize("kind", sorted(texts.QUESTION_TEXTS))
def test_a_question_says_what_to_reply_and_leaves_out_a_link_too_long(kind):
    with_link = texts.question_text(kind, NAME, LINK)
    assert "YES" in with_link and "NO" in with_link and len(with_link) <= 160
    too_long = texts.question_text(kind, NAME, LINK + "x")
    assert LINK not in too_long and "YES" in too_long and len(too_long) <= 160


def test_the_ask_text_is_the_issues_words_and_says_how_to_stop_asks():
    assert texts.question_text("ask", "pump", None) == (
        "Someone asks for your device pump. Reply YES to give it to them or NO to keep it. BLOCK pump stops asks.")


@given(st.lists(st.sampled_from(sorted(texts.QUESTION_WORDS)), min_size=2, max_size=30),
       st.integers(min_value=1, max_value=24))
def test_which_question_lists_a_numbered_prefix_in_one_segment(kinds, name_length):
    lines = [texts.question_words(kind, "n" * name_length) for kind in kinds]
    message, next_step = texts.which_question(lines)
    error = WhichQuestion("test", public_message=message, next_step=next_step)
    assert len(error.customer_text) <= 160 and to_gsm_segment(error.customer_text) == error.customer_text
    assert message.startswith(f"You have {len(lines)} open questions") and message.endswith(".")
    listed = re.findall(r"(?:: |, )(\d+) ", message)
    assert listed == [str(n) for n in range(1, len(listed) + 1)], "1, 2, ... in order, none skipped"
    assert len(listed) >= 1 or "and more" not in message
    if listed:
        assert f"1 {lines[0]}" in message
