"""Particle device IDs: 24 hexadecimal characters, accepted in any case, kept in lower case.

The one place that says what a device ID is (docs/particle.md#device-ids); every channel,
service and adapter reads IDs through it.
"""
from __future__ import annotations

import re

from bff.errors import InvalidDeviceId

_DEVICE_ID = re.compile(r"[0-9a-fA-F]{24}")
_SEPARATORS = re.compile(r"[\s_.:-]+")


def is_device_id(text: object) -> bool:
    """Whether `text` is a device ID (any case, blanks around allowed)."""
    return isinstance(text, str) and _DEVICE_ID.fullmatch(text.strip()) is not None


def normalize_device_id(text: object) -> str:
    """The device ID `text` is, in lower case; raises InvalidDeviceId (also a ValueError)."""
    value = str(text or "").strip()
    if not _DEVICE_ID.fullmatch(value):
        raise InvalidDeviceId(f"not a device ID: {value[:40]!r}")
    return value.lower()


def device_id_in(text: str | None) -> str | None:
    """The device ID typed in `text` with separators ("e00f ce68 ..."), lower case; else None."""
    compact = _SEPARATORS.sub("", text or "")
    return compact.lower() if _DEVICE_ID.fullmatch(compact) else None
