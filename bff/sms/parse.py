"""Reading an SMS command: a pure function from the text of a message to a `Command`.

Case, extra spaces and dashes do not matter: the text is NFKC-normalised (full-width letters
become plain ones), every kind of dash becomes "-", runs of white space become one space.
The first word is the command (`CLAIM`, `CODE`, `STATUS`, `NAME`, `MENU` or `?`, and after the
first claim `REMOVE`, `GIVE`, `SHARE`, `UNSHARE`, `LEAVE`, `ASK`, `BLOCK`, `ALLOW`, `YES`, `NO`);
what follows is read by the command. A message that is only a valid box code counts as `CLAIM <code>`
(unless it starts with one of the later words and a space: "BLOCK kitchen" has 12 symbols too).

Twilio owns STOP/START/HELP and their synonyms on long codes (it answers them itself), so a
message that is just one of those words is `SILENT`: bff must not answer it. The one exception is
`YES`, also Twilio's opt-in word: it is bff's answer to a question (bff/sms/lifecycle_commands.py
stays quiet when the phone has no open question). Anything else that is not a command is
`UNKNOWN` (answered with a hint). Nothing here raises.

`GIVE`, `SHARE` and `UNSHARE <device> <phone>`: a device name may have spaces and a phone number
may be typed in groups (`GIVE pump house +1 201 555-0123`), so the parser does not decide where
the device ends. It lists the possible cuts (`Command.choices`): the phone is a run of trailing
words made only of digits, `+`, `(`, `)`, `.` and `-`, longest first; the handler takes the first
cut whose phone is a valid number and whose device is one of the sender's (bff/sms/device_words.py).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bff import labels

CLAIM, CODE, STATUS, NAME, MENU, SILENT, UNKNOWN = (
    "claim", "code", "status", "name", "menu", "silent", "unknown")
REMOVE, GIVE, SHARE, UNSHARE, LEAVE, ASK, BLOCK, ALLOW, YES, NO = (
    "remove", "give", "share", "unshare", "leave", "ask", "block", "allow", "yes", "no")
WITH_PHONE = (GIVE, SHARE, UNSHARE)  # <device> <phone>
ONE_DEVICE = (REMOVE, LEAVE, ASK, BLOCK, ALLOW)  # <device> (ASK: the box code)
LIFECYCLE_VERBS = frozenset((*WITH_PHONE, *ONE_DEVICE, YES, NO))  # "BLOCK kitchen" is never read as a box code
MAX_PHONE_WORDS = 6  # "+1 ( 201 ) 555 0123": more trailing words are not tried as the phone
READ_LIMIT = 1600  # characters of a message read at all (Twilio's own maximum)

# Twilio's opt-out, opt-in and help keywords (long codes, default handling; docs/twilio.md#reserved-keywords).
TWILIO_KEYWORDS = frozenset({
    "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
    "start", "yes", "unstop", "help", "info",
})
VERBS = {"claim": CLAIM, "code": CODE, "status": STATUS, "name": NAME, "rename": NAME,
         "menu": MENU, "?": MENU, "remove": REMOVE, "give": GIVE, "share": SHARE, "unshare": UNSHARE,
         "leave": LEAVE, "ask": ASK, "block": BLOCK, "allow": ALLOW, "yes": YES, "no": NO}
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d"), "-")
_VERB = re.compile(r"([a-z]+|\?)(?:[\s:.,;!?-]+|$)(.*)", re.DOTALL | re.IGNORECASE)
_PHONE_WORD = re.compile(r"[0-9+().-]+")  # a word that may be (part of) a typed phone number
_NUMBER = re.compile(r"#?([0-9]{1,3})[.!]*")  # YES 2, NO #3, MENU 2


@dataclass(frozen=True)
class Command:
    """One parsed message.

    `code`: CLAIM, the box code or device ID as typed; NAME, all that follows (the device and the
    new name); REMOVE, LEAVE, ASK, BLOCK, ALLOW, GIVE, SHARE, UNSHARE: all that follows; YES and
    NO: words after the word that are not a number ("" normally). `phone`: CLAIM ... FOR, the
    phone as typed ("" when FOR came without one; None without FOR). `name`: CODE, the product as
    typed ("" for none). `number`: YES 2 / NO 2 / MENU 2 (None without). `choices`: GIVE, SHARE,
    UNSHARE: the possible (device, phone) cuts of `code`, the longest phone first.
    """

    verb: str
    code: str = ""
    phone: str | None = None
    name: str = ""
    number: int | None = None
    choices: tuple[tuple[str, str], ...] = ()


def normalize(body: str | None) -> str:
    """The message with unicode look-alikes folded, dashes unified and white space collapsed."""
    text = unicodedata.normalize("NFKC", str(body or "")[:READ_LIMIT]).translate(_DASHES)
    return " ".join(text.split())


def parse_command(body: str | None) -> Command:
    """The command in a message (never raises)."""
    text = normalize(body)
    if text.rstrip(".!").casefold() == "yes":
        return Command(YES)  # also Twilio's opt-in word: the handler answers only a real question
    if text.rstrip(".!").casefold() in TWILIO_KEYWORDS:
        return Command(SILENT)
    match = _VERB.match(text)
    verb = VERBS.get(match.group(1).casefold()) if match else None
    if labels.is_label_code(text) and not (verb in LIFECYCLE_VERBS and " " in text):
        return Command(CLAIM, code=text)  # (printed codes come in groups of 4: never GIVE, never 5 letters)
    if verb is None:
        return Command(UNKNOWN)
    return _READERS.get(verb, _bare)(verb, match.group(2).strip(" -"))


def _bare(verb: str, rest: str) -> Command:
    return Command(verb)


def _read_claim(verb: str, rest: str) -> Command:
    """`CLAIM <code>` or `CLAIM <code> FOR <phone>` (the last FOR word splits them)."""
    words = rest.split()
    folded = [word.casefold() for word in words]
    if "for" not in folded:
        return Command(CLAIM, code=rest)
    at = len(folded) - 1 - folded[::-1].index("for")
    return Command(CLAIM, code=" ".join(words[:at]), phone=" ".join(words[at + 1:]))


def _read_name(verb: str, rest: str) -> Command:
    """`NAME <code or device> <new name>`: which words name the device is for the handler to
    decide (it knows the person's devices), so `code` keeps everything after NAME."""
    return Command(NAME, code=rest)


def _read_code(verb: str, rest: str) -> Command:
    """`CODE` or `CODE <product>`."""
    return Command(CODE, name=rest)


def _read_menu(verb: str, rest: str) -> Command:
    """`MENU`, or `MENU 2` for the second page."""
    match = _NUMBER.fullmatch(rest)
    return Command(MENU, number=int(match.group(1)) if match else None)


def _read_answer(verb: str, rest: str) -> Command:
    """`YES`, `NO`, `YES 2`, `no #2`: the number, or the other words left in `code` (not understood)."""
    if not rest.strip(".!"):
        return Command(verb)
    match = _NUMBER.fullmatch(rest)
    return Command(verb, number=int(match.group(1))) if match else Command(verb, code=rest)


def _read_device(verb: str, rest: str) -> Command:
    """`REMOVE <device>` and the like: the device as typed."""
    return Command(verb, code=rest)


def _read_device_phone(verb: str, rest: str) -> Command:
    """`GIVE <device> <phone>` and the like: every cut of the words into a device and a phone."""
    return Command(verb, code=rest, choices=phone_splits(rest))


def phone_splits(rest: str) -> tuple[tuple[str, str], ...]:
    """The (device, phone) cuts of `rest`: the phone is a run of trailing words that may be a phone
    number (digits, `+`, `(`, `)`, `.`, `-`) starting with a digit, `+` or `(`; at least one word is
    left for the device. Longest phone first: `kitchen +1 201 555 0123` gives
    `("kitchen", "+1 201 555 0123")`, then `("kitchen +1", "201 555 0123")`, ..."""
    words = rest.split()
    run = 0
    while run < min(len(words) - 1, MAX_PHONE_WORDS) and _PHONE_WORD.fullmatch(words[-run - 1]):
        run += 1
    cuts = []
    for size in range(run, 0, -1):
        device, phone = " ".join(words[:-size]).strip(" -"), " ".join(words[-size:])
        if device and phone[0] in "+(0123456789":
            cuts.append((device, phone))
    return tuple(cuts)


_READERS = {CLAIM: _read_claim, NAME: _read_name, CODE: _read_code, MENU: _read_menu,
            YES: _read_answer, NO: _read_answer,
            **dict.fromkeys(ONE_DEVICE, _read_device), **dict.fromkeys(WITH_PHONE, _read_device_phone)}
