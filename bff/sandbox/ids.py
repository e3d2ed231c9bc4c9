"""Identifiers of simulated devices: device IDs, serial numbers, ICCIDs, IMEIs, claim codes.

Shapes: device IDs are 24 hex digits, 96 bits ("Device identifiers",
https://docs.particle.io/getting-started/cloud/device-claiming/); ICCIDs start with 89 and have
19-21 digits; IMEIs are 15 digits; claim codes are 63 characters of the base64 alphabet (the
Photon keeps `claim_code[63]`, Device OS v2.3.1 `dct.h`,
https://github.com/particle-iot/device-os/tree/v2.3.1). Serial numbers are 15 characters (the
HAL's size): a 4-character SKU prefix per platform (bff/sandbox/platforms.py, from Particle's
"Serial number management" page), then 11 upper-case letters (no I or O) and digits (CHOICE: the page gives
prefixes only). Collected notes with sources: docs/particle.md#device-ids,
docs/particle.md#serial-numbers and docs/softap.md#claim-codes.
"""
from __future__ import annotations

import base64
import random
import re
import secrets

from .platforms import SERIAL_PREFIX

DEVICE_ID = re.compile(r"^[0-9a-fA-F]{24}$")
CLAIM_CODE_LENGTH = 63
SERIAL_LENGTH = 15
SERIAL_SYMBOLS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
ICCID_PREFIX = "8934076500"  # Particle SIMs' issuer prefix in the docs examples' style
IMEI_TAC = "35275308"


def is_device_id(value: str) -> bool:
    """True for 24 hex digits in any case."""
    return bool(DEVICE_ID.match(value or ""))


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for a digit string (ICCIDs and IMEIs carry one)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


class IdFactory:
    """Makes identifiers; seeded for the demo data so resets give the same devices."""

    def __init__(self, seed: str | None = None) -> None:
        self._random = random.Random(seed) if seed is not None else random.SystemRandom()

    def device_id(self) -> str:
        """24 lower-case hex digits."""
        return "".join(self._random.choice("0123456789abcdef") for _ in range(24))

    def serial_number(self, platform_id: int) -> str:
        """15 characters: platform prefix then random symbols."""
        prefix = SERIAL_PREFIX.get(platform_id, "SBX0")
        tail = "".join(self._random.choice(SERIAL_SYMBOLS) for _ in range(SERIAL_LENGTH - len(prefix)))
        return prefix + tail

    def iccid(self) -> str:
        """20 digits starting with 89, the last a Luhn check digit."""
        body = ICCID_PREFIX + "".join(self._random.choice("0123456789") for _ in range(9))
        return body + luhn_digit(body)

    def imei(self) -> str:
        """15 digits, the last a Luhn check digit."""
        body = IMEI_TAC + "".join(self._random.choice("0123456789") for _ in range(6))
        return body + luhn_digit(body)

    def mac(self) -> str:
        """A Wi-Fi MAC address for Wi-Fi devices."""
        return ":".join(f"{self._random.randrange(256):02x}" for _ in range(6))


def claim_code() -> str:
    """63 characters of the base64 alphabet (48 random bytes give 64; the device keeps 63)."""
    return base64.b64encode(secrets.token_bytes(48)).decode("ascii")[:CLAIM_CODE_LENGTH]


def token() -> str:
    """A 40-hex-digit access or refresh token, as Particle's look."""
    return secrets.token_hex(20)


def hex_id(length: int = 24) -> str:
    """A random lower-case hex identifier (customer ids, transfer ids)."""
    return secrets.token_hex(length // 2)
