"""Particle's platforms as bff knows them: the word in JSON, the name people read, how Wi-Fi is set up.

Ids, words and names are Particle's own (`@particle/device-constants` 4.2.1, `src/constants.json`:
`id`, `name`, `displayName`); which Wi-Fi devices have a SoftAP and which are set up over
Bluetooth LE: docs/softap.md and docs/ble-setup.md. The table with its sources:
docs/particle.md#platform-ids.

- `PLATFORMS`: id -> the word bff's JSON API says (`"platform": "boron"`), stable for programs.
- `platform_name(id)`: what a person reads ("Boron", "P2 / Photon 2").
- `SOFTAP_SETUP`: Photons and P1s, the only devices a setup code reaches (through their SoftAP).
- `BLE_SETUP`: Wi-Fi devices set up over Bluetooth (Argon, P2 / Photon 2, M-SoM): no SoftAP, so
  bff offers them no setup code; they are claimed with the QR code or the code on their box.
"""
from __future__ import annotations

from dataclasses import dataclass

UNKNOWN_WORD = "device"  # a platform bff does not know (a new one): still a device
UNKNOWN_NAME = "Particle device"


@dataclass(frozen=True)
class PlatformName:
    """A platform's word for programs and its name for people."""

    word: str  # device-constants `name`
    name: str  # device-constants `displayName`, shortened where it names a whole family


PLATFORM_TABLE = {
    6: PlatformName("photon", "Photon"),
    8: PlatformName("p1", "P1"),
    10: PlatformName("electron", "Electron"),
    12: PlatformName("argon", "Argon"),
    13: PlatformName("boron", "Boron"),
    23: PlatformName("bsom", "B-SoM"),
    25: PlatformName("b5som", "B5-SoM"),
    26: PlatformName("tracker", "Tracker"),  # displayName "Asset Tracker / Monitor One"
    32: PlatformName("p2", "P2 / Photon 2"),  # displayName "Photon 2 / P2"
    35: PlatformName("msom", "M-SoM"),
}
PLATFORMS = {platform_id: platform.word for platform_id, platform in PLATFORM_TABLE.items()}
SOFTAP_SETUP = {6, 8}
BLE_SETUP = {12, 32, 35}


def platform_word(platform_id: int | None) -> str:
    """The platform's word in bff's JSON ("device" for one bff does not know)."""
    return PLATFORMS.get(platform_id, UNKNOWN_WORD)


def platform_name(platform_id: int | None) -> str:
    """The platform's name as a person reads it ("Particle device" for one bff does not know)."""
    known = PLATFORM_TABLE.get(platform_id)
    return known.name if known else UNKNOWN_NAME
