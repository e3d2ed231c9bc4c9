"""Every text a person reads about a remove, give, ask, share or YES/NO answer (bff/ownership).

Plain GSM-7 words; each SMS fits one segment (160 characters) with a 24-character device name and
a link of `LINK_BUDGET` characters (tests/ownership/test_texts.py checks each). No text names the
other person or shows a phone number: people are "someone", "the owner", "the person".
`{device}` is `DeviceService.short_name`; `{link}` is the offer's page (`{PUBLIC_URL}/offers/<id>`),
left out when it would not fit.
"""
from __future__ import annotations

from bff.twilio.gsm import SMS_SEGMENT

LINK_BUDGET = 48  # a link longer than this is left out of a text (the YES/NO reply still works)

# -- the question, texted to the person who answers YES or NO (kind -> (with link, without link)) --
QUESTION_TEXTS = {
    "give": ("Someone wants to give you the device {device}. Reply YES to take it or NO to say no. Or open {link}",
             "Someone wants to give you the device {device}. Reply YES to take it or NO to say no."),
    "ask": ("Someone asks for your device {device}. Reply YES to give it to them or NO to keep it. "
            "BLOCK {device} stops asks.",) * 2,
    "share": ("The owner of the device {device} wants to share it with you. Reply YES or NO. Or open {link}",
              "The owner of the device {device} wants to share it with you. Reply YES to accept or NO to say no."),
}

# -- the question as a list line (open_questions, "which one?"), short: kind -> words --
QUESTION_WORDS = {
    "give": "take the device {device}",
    "ask": "give away your device {device}",
    "share": "follow the shared device {device}",
}

# -- to the person who started an offer, when it ends: (kind, how it ended) -> text --
ENDED_TEXTS = {
    ("give", "accepted"): ("The person took the device {device}. It is no longer on your account. "
                           "You do not need to do anything."),
    ("give", "declined"): ("The person said no to the device {device}. It stays on your account. "
                           "Text STATUS to see your devices."),
    ("give", "expired"): ("Nobody took the device {device} within 7 days. It stays on your account. "
                          "Text STATUS to see your devices."),
    ("ask", "accepted"): ("Good news: the owner gave you the device {device}. "
                          "It is being added to your account. Text STATUS to see it."),
    ("ask", "declined"): "The owner of the device {device} wants to keep it. Contact the seller if you need help.",
    ("ask", "expired"): ("The owner of the device {device} did not answer in 7 days. "
                         "Our support team will look at it. Contact the seller if you need help."),
    ("share", "accepted"): ("The device {device} is now shared with the person you invited. "
                            "To end it, text UNSHARE {device} and their number."),
    ("share", "declined"): "The person said no to sharing the device {device}. You do not need to do anything.",
    ("share", "expired"): ("Nobody answered your invite to share the device {device} within 7 days. "
                           "To ask again, text SHARE {device} and their number."),
}

# -- to the person who was to answer, when the starter withdraws the offer --
WITHDRAWN_TEXTS = {
    "give": "The offer of the device {device} was withdrawn. You do not need to answer.",
    "ask": "The ask for your device {device} was withdrawn. You do not need to answer.",
    "share": "The invite to share the device {device} was withdrawn. You do not need to answer.",
}

# -- an operator decided an ask the owner did not answer: to the asker --
DECIDED_TEXTS = {
    True: "Our support team gave you the device {device}. It is being added to your account. Text STATUS to see it.",
    False: "Our support team could not give you the device {device}. Contact the seller if you need help.",
}

SHARE_ENDED_TEXT = "The device {device} is no longer shared with you. You do not need to do anything."

# -- what the answerer reads back (the channel's reply to YES or NO) --
ANSWER_REPLIES = {
    ("give", True): "The device {device} is now yours. It is being added to your account. Text STATUS to see it.",
    ("ask", True): "Done: the device {device} is going to the person who asked. You do not need to do anything.",
    ("share", True): "The device {device} is now shared with you. Text STATUS to see it.",
    ("give", False): "OK, you did not take the device {device}. You do not need to do anything.",
    ("ask", False): "OK, you keep the device {device}. You do not need to do anything.",
    ("share", False): "OK, you did not accept the device {device}. You do not need to do anything.",
}

# -- "which question?" (WhichQuestion's words) --
WHICH_QUESTION = "You have {count} open questions: {lines}."
WHICH_NEXT_STEP = "Reply YES {first} or NO {first} with the number."


def question_text(kind: str, device: str, link: str | None) -> str:
    """The SMS that asks the answerer; the link is left out when it would not fit."""
    with_link, without_link = QUESTION_TEXTS[kind]
    if link and len(link) <= LINK_BUDGET and "{link}" in with_link:
        text = with_link.format(device=device, link=link)
        if len(text) <= SMS_SEGMENT:
            return text
    return without_link.format(device=device)


def question_words(kind: str, device: str) -> str:
    return QUESTION_WORDS[kind].format(device=device)


def which_question(lines: list[str], limit: int = SMS_SEGMENT) -> tuple[str, str]:
    """(public message, next step) for YES/NO with several open questions: "1 take X, 2 ..." as
    many as fit one SMS with the next step."""
    next_step = WHICH_NEXT_STEP.format(first=1)
    numbered = [f"{number} {line}" for number, line in enumerate(lines, start=1)]
    shown = list(numbered)
    while shown:
        listed = ", ".join(shown) + (" and more" if len(shown) < len(numbered) else "")
        message = WHICH_QUESTION.format(count=len(lines), lines=listed)
        if len(message) + 1 + len(next_step) <= limit:
            return message, next_step
        shown.pop()
    return WHICH_QUESTION.format(count=len(lines), lines="...").replace(": ...", ""), next_step
