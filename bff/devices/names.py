"""Device names as people type them: what a name may be, and which of a person's devices words mean.

A person names only devices bff knows they own (their shadow customer is the device's owner).
Names are kept short and plain so they fit every text message: letters, digits, "-" and "_",
at most `NAME_LIMIT` characters, spaces turned into "_" (Particle's own names look like
`plumber_laser`). Renaming itself is `DeviceService.rename` (the cloud first, then bff's copy).
"""
from __future__ import annotations

import re

from bff import labels
from bff.device_ids import device_id_in

NAME_LIMIT = 24  # = the longest name short_name() puts in a text message
TARGET_WORDS = 3  # a box code may be typed in up to 3 groups ("K7Q2 M9XA 3F4T")
_NAME = re.compile(rf"[A-Za-z0-9_-]{{1,{NAME_LIMIT}}}")
_ID_END = re.compile(r"\.*([0-9a-fA-F]{4,24})")  # "...c0ffee", as STATUS shows a device


def clean_name(text: str) -> str | None:
    """The name a person typed, as bff sets it ("pump house" -> "pump_house"); None if unusable."""
    name = re.sub(r"\s+", "_", (text or "").strip())
    return name if _NAME.fullmatch(name) else None


def find_target(owned: list[dict], words: list[str]) -> tuple[dict | None, str]:
    """The device the first words of `NAME ...` mean among the person's own, and the words left.

    The device is named by its current name, the end of its ID as STATUS shows it ("c0ffee"),
    its whole ID, or the code on its box, which may be typed in up to `TARGET_WORDS` groups.
    At least one word is left for the new name. Names and IDs are tried before box codes, so
    "a86255 second" finds the device ending in a86255 rather than reading a mistyped code.
    A box code with a typing mistake raises `labels.LabelCodeTypoError`.
    """
    cuts = range(1, min(TARGET_WORDS, len(words) - 1) + 1)
    for cut in cuts:
        found = _by_name(owned, " ".join(words[:cut])) or _by_id(owned, "".join(words[:cut]))
        if found:
            return found, " ".join(words[cut:])
    for cut in cuts:
        typed = "".join(words[:cut])
        if looks_like_label_code(typed):
            code = labels.check_label_code(typed)
            found = next((row for row in owned if row.get("label_code") == code), None)
            return found, " ".join(words[cut:])
    return None, " ".join(words[1:])


def _by_name(owned: list[dict], typed: str) -> dict | None:
    matches = [row for row in owned if row.get("name") and row["name"].casefold() == typed.casefold()]
    return matches[0] if len(matches) == 1 else None


def _by_id(owned: list[dict], typed: str) -> dict | None:
    """A whole device ID, or the end of one that only one of the person's devices has."""
    device_id = device_id_in(typed)
    if device_id:
        return next((row for row in owned if row["device_id"] == device_id), None)
    match = _ID_END.fullmatch(typed)
    if not match:
        return None
    end = match.group(1).lower()
    matches = [row for row in owned if row["device_id"].endswith(end)]
    return matches[0] if len(matches) == 1 else None


def looks_like_label_code(typed: str) -> bool:
    """Whether `typed` has exactly the symbols of a box code (its check symbol may be wrong)."""
    try:
        labels.normalize_label_code(typed)
    except labels.LabelCodeError:
        return False
    return True


