"""What the customer pages say about removes, gives, asks, shares and offers (bff/web/lifecycle.py).

- `offer_words`: an offer's page for the person reading it (the one who answers, or the one who
  made it) in every state: a title, what it means, what to do next, and a tone (question, ok, bad).
- `web_error`: a lifecycle error's words for a page: the service's words are written for SMS
  ("Text STATUS ..."); a page says where to tap instead.
- `masked_phone`: the last four digits of someone else's number ("••• 0199").

No text shows the other side's phone number in full, as in the texts (bff/ownership/texts.py).
"""
from __future__ import annotations

from bff.accounts.phones import masked_phone  # noqa: F401 (the web pages take it from here)

from dataclasses import dataclass

from bff import errors

ANSWERER, STARTER = "answerer", "starter"


@dataclass(frozen=True)
class Words:
    """A page's words: title, what happened or what it means, the next step, and its tone."""

    title: str
    text: str
    next_step: str
    tone: str = "ok"  # question (open, nothing decided), ok, bad

    @property
    def public_message(self) -> str:  # so templates/auth/_error.html shows it like an error
        return self.title


# (kind, role, state) -> (title, text, next step); `{device}` is the device's short name.
OFFER_WORDS = {
    ("give", ANSWERER, "open"): (
        "Someone wants to give you a device",
        "If you accept, the device {device} moves to your account and leaves theirs. "
        "We do not show them your number.",
        "Accept to take it, or decline."),
    ("give", STARTER, "open"): (
        "You offered {device} to another number",
        "It stays yours until they accept. We texted them the offer.",
        "We will text you their answer. You can cancel the offer until then."),
    ("ask", ANSWERER, "open"): (
        "Someone asks for your device {device}",
        "Maybe you sold it or gave it away. If you give it, it leaves your account and goes to theirs. "
        "We do not show them your number, nor theirs to you.",
        "Give it, or keep it."),
    ("ask", STARTER, "open"): (
        "We asked the owner of {device}",
        "We asked the owner to give it to you. We do not show them your number.",
        "We will text you their answer. You can withdraw your ask until then."),
    ("share", ANSWERER, "open"): (
        "You are invited to see a device",
        "The owner of the device {device} wants to share it with you. You can see it and rename it; "
        "it stays theirs.",
        "Accept to see it in My devices, or decline."),
    ("share", STARTER, "open"): (
        "You invited another number to see {device}",
        "Once they accept, they can see it and rename it, but not remove, give or share it.",
        "We will text you their answer. You can cancel the invite until then."),
    ("give", ANSWERER, "accepted"): (
        "The device {device} is yours now",
        "It is being added to your account.",
        "See it in My devices."),
    ("give", STARTER, "accepted"): (
        "The person took the device {device}",
        "It is no longer on your account.",
        "Nothing more to do."),
    ("ask", ANSWERER, "accepted"): (
        "You gave the device {device} away",
        "It is going to the person who asked. It is no longer on your account.",
        "Nothing more to do."),
    ("ask", STARTER, "accepted"): (
        "The owner gave you the device {device}",
        "It is being added to your account.",
        "See it in My devices."),
    ("share", ANSWERER, "accepted"): (
        "The device {device} is shared with you",
        "You can see it and rename it. It stays its owner's.",
        "See it in My devices."),
    ("share", STARTER, "accepted"): (
        "The device {device} is shared",
        "The person you invited can see it now.",
        "You can stop sharing it in My devices."),
    ("give", ANSWERER, "declined"): (
        "You said no to the device {device}",
        "It stays with its owner.",
        "Nothing more to do."),
    ("give", STARTER, "declined"): (
        "The person said no to the device {device}",
        "It stays on your account.",
        "You can give it to someone else in My devices."),
    ("ask", ANSWERER, "declined"): (
        "You kept the device {device}",
        "It stays on your account. We told the person who asked.",
        "Nothing more to do. To take no more asks for it, tap Stop asks in My devices."),
    ("ask", STARTER, "declined"): (
        "The owner keeps the device {device}",
        "The owner wants to keep it.",
        "If you bought it, contact the seller for help."),
    ("share", ANSWERER, "declined"): (
        "You said no to sharing the device {device}",
        "You will not see it.",
        "Nothing more to do."),
    ("share", STARTER, "declined"): (
        "The person said no to sharing the device {device}",
        "They will not see it.",
        "Nothing more to do."),
}
CLOSED_WORDS = {
    "cancelled": ("This offer was withdrawn",
                  "It was cancelled, or the device {device} changed hands.",
                  "Nothing more to do. You do not need to answer."),
    "expired": ("This offer has ended",
                "Nobody answered within 7 days. Nothing changed for the device {device}.",
                "Nothing more to do."),
}
ASK_EXPIRED_FOR_ASKER = ("The owner did not answer",
                         "The owner of the device {device} did not answer within 7 days.",
                         "Our support team will look at it. Contact the seller if you need help.")
TONES = {"open": "question", "accepted": "ok"}

# Buttons on an open offer for the person who answers: kind -> (yes, no)
ANSWER_BUTTONS = {"give": ("Accept", "Decline"), "ask": ("Give it", "Keep it"), "share": ("Accept", "Decline")}
CANCEL_BUTTONS = {"give": "Cancel the offer", "ask": "Withdraw my ask", "share": "Cancel the invite"}

# My devices: an open question, a line per kind (the device's short name in it)
QUESTION_LINES = {
    "give": "Someone wants to give you the device {device}.",
    "ask": "Someone asks for your device {device}.",
    "share": "You are invited to see the device {device}.",
}
# My devices: an open offer the person made, on the device's line
MADE_LINES = {"give": "Offered to another number", "share": "Invited another number to see it"}

# Service words written for SMS, and what a page says instead.
WEB_NEXT_STEPS = {
    "Text STATUS to see your devices.": "Open My devices to see your devices.",
    "Nothing more to do. Text STATUS to see your devices.": "Nothing more to do.",
    "Claim it with the code on its label.": "You can add it to your account: tap Claim.",
    "Text MENU to see what you can do.": "Open My devices to see what you can do.",
}


def role_of(offer, user_id: int) -> str:
    """The reader's part in an offer: the one who answers it, or the one who made it."""
    return ANSWERER if offer.answerer_user_id == user_id else STARTER


def offer_words(offer, user_id: int, *, now: float, device: str | None = None) -> Words:
    """The offer's page for `user_id` (one of the people in it); `device`: how this person may see
    the device named (the owner's chosen name only for people it is or was shared or given with)."""
    role = role_of(offer, user_id)
    state = "expired" if offer.open and offer.expires_at <= now else offer.state
    if (offer.kind, role, state) in OFFER_WORDS:
        title, text, next_step = OFFER_WORDS[(offer.kind, role, state)]
    elif (offer.kind, role, state) == ("ask", STARTER, "expired"):
        title, text, next_step = ASK_EXPIRED_FOR_ASKER
    else:
        title, text, next_step = CLOSED_WORDS.get(state, CLOSED_WORDS["cancelled"])
    tone = TONES.get(state, "bad")
    if state == "declined" and role == ANSWERER:
        tone = "ok"  # they said no themselves: nothing went wrong
    device = device or offer.device_name
    return Words(title.format(device=device), text.format(device=device), next_step, tone)


def question_line(question) -> str:
    return QUESTION_LINES[question.offer.kind].format(device=question.offer.device_name)


def web_error(error: errors.BffError) -> Words:
    """An error's words for a page (what happened, what to do next)."""
    next_step = WEB_NEXT_STEPS.get(error.next_step, error.next_step)
    return Words(error.public_message, "", next_step, "bad")

