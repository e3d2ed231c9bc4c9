"""SMS text as GSM-7: what fits one segment and shows on every phone (docs/twilio.md#segments).

Hand-written because no maintained library turns arbitrary text into plain GSM-7 basic
characters with look-alikes folded (Twilio's "smart encoding" does it on their side only).
"""
from __future__ import annotations

import re
import unicodedata

SMS_SEGMENT = 160  # GSM-7 characters in one SMS

# GSM 03.38 basic character set (without ESC): each counts as one of the 160.
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_SET = frozenset(GSM_BASIC)

# Look-alikes and GSM extension characters (which cost two) -> plain basic characters.
_REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2022": "-", "\u00b7": "-", "\u2026": "...", "\u2044": "/", "\t": " ",
    "[": "(", "]": ")", "{": "(", "}": ")", "~": "-", "|": "/", "\\": "/", "^": "",
    "\u20ac": "EUR", "\u00d7": "x", "\u2192": "->", "\u2190": "<-", "\u00a9": "(c)", "\u00ae": "(R)",
}

def to_gsm_segment(text: str, limit: int = SMS_SEGMENT) -> str:
    """`text` as plain GSM-7 basic characters, at most `limit` long (one SMS).

    Curly quotes, dashes and ellipses become their plain forms, accents that GSM lacks are
    dropped (a ç becomes c), emoji and other symbols disappear, letters with no plain form
    become "?". Too long: cut at a word near the end, with "..." added.
    """
    plain = "".join(_gsm_char(char) for char in str(text))
    plain = re.sub(r" {2,}", " ", plain)
    plain = re.sub(r" *\n *", "\n", plain).strip()
    return _truncate(plain, limit)


def _gsm_char(char: str) -> str:
    """One character as GSM basic characters ("" for symbols and controls)."""
    if char in _GSM_SET:
        return char
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    parts = unicodedata.normalize("NFKD", char)
    folded = "".join(part if part in _GSM_SET else _REPLACEMENTS.get(part, "") for part in parts)
    if folded:
        return folded
    category = unicodedata.category(char)
    if category.startswith("Z"):
        return " "
    return "" if category[0] in "SCM" else "?"


def _truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with "...", at a space in the last 20 when there is one."""
    if len(text) <= limit:
        return text
    if limit <= 3:
        return text[:limit]
    cut = text[: limit - 3]
    space = cut.rfind(" ")
    if space > 0 and space >= len(cut) - 20:
        cut = cut[:space]
    return cut.rstrip() + "..."
