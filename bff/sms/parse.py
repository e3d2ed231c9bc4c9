"""Reading an SMS command: a pure function from the text of a message to a `Command`.

Case, extra spaces and dashes do not matter: the text is NFKC-normalised (full-width letters
become plain ones), every kind of dash becomes "-", runs of white space become one space.
The first word is the command (`CLAIM`, `CODE`, `STATUS`, `NAME`, `MENU` or `?`); what follows
is read by the command. A message that is only a valid box code counts as `CLAIM <code>`.

Twilio owns STOP/START/HELP and their synonyms on long codes (it answers them itself), so a
message that is just one of those words is `SILENT`: bff must not answer it. Anything else
that is not a command is `UNKNOWN` (answered with a hint). Nothing here raises.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bff import labels

CLAIM, CODE, STATUS, NAME, MENU, SILENT, UNKNOWN = (
    "claim", "code", "status", "name", "menu", "silent", "unknown")
READ_LIMIT = 1600  # characters of a message read at all (Twilio's own maximum)

# Twilio's opt-out, opt-in and help keywords (long codes, default handling; docs/twilio.md#reserved-keywords).
TWILIO_KEYWORDS = frozenset({
    "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
    "start", "yes", "unstop", "help", "info",
})
VERBS = {"claim": CLAIM, "code": CODE, "status": STATUS, "name": NAME, "rename": NAME,
         "menu": MENU, "?": MENU}
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d"), "-")
_VERB = re.compile(r"([a-z]+|\?)(?:[\s:.,;!?-]+|$)(.*)", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    """One parsed message.

    `code`: CLAIM, the box code or device ID as typed; NAME, all that follows (the device and the
    new name). `phone`: CLAIM ... FOR, the phone as typed ("" when FOR came without one; None
    without FOR). `name`: CODE, the product as typed ("" for none).
    """

    verb: str
    code: str = ""
    phone: str | None = None
    name: str = ""


def normalize(body: str | None) -> str:
    """The message with unicode look-alikes folded, dashes unified and white space collapsed."""
    text = unicodedata.normalize("NFKC", str(body or "")[:READ_LIMIT]).translate(_DASHES)
    return " ".join(text.split())


def parse_command(body: str | None) -> Command:
    """The command in a message (never raises)."""
    text = normalize(body)
    if text.rstrip(".!").casefold() in TWILIO_KEYWORDS:
        return Command(SILENT)
    if labels.is_label_code(text):
        return Command(CLAIM, code=text)
    match = _VERB.match(text)
    verb = VERBS.get(match.group(1).casefold()) if match else None
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


_READERS = {CLAIM: _read_claim, NAME: _read_name, CODE: _read_code}
