"""A fleet of simulated devices made in one go (`POST /sandbox/devices {"count": n, ...}`), for
tests and benches that need a large product: 100,000 devices in a few seconds.

Each device is made as `POST /sandbox/devices` makes one (DeviceSimulator.create: the same
checks, defaults and power-on), with its ID, serial number, ICCID and IMEI from an IdFactory
seeded from the system's randomness: the system random source itself costs a system call per
character, five times the rest of the work. Devices are made FLEET_CHUNK per write, so other
requests go on meanwhile and each chunk is one journal line.
"""
from __future__ import annotations

import secrets
from typing import Any

from .ids import IdFactory
from .platforms import CELLULAR, PLATFORMS
from .simulator import DeviceSimulator
from .state import StateStore

FLEET_CHUNK = 5000
MAX_FLEET = 1_000_000


def create_fleet(store: StateStore, simulator: DeviceSimulator, count: int, platform: str,
                 product_key: Any, online: bool) -> list[str]:
    """Make `count` devices of a platform (in a product, online, as asked); their IDs in order."""
    identities = IdFactory(secrets.token_hex(16))
    platform_id = PLATFORMS.get(str(platform).lower())
    made: list[str] = []
    while len(made) < count:
        with store.write() as state:
            now = store.now()
            for _ in range(min(FLEET_CHUNK, count - len(made))):
                identity = _identity(identities, platform_id)
                made.append(simulator.create(state, now, platform, product_key, online, **identity).id)
    return made


def _identity(identities: IdFactory, platform_id: int | None) -> dict:
    """A new device's identifiers (the simulator picks the rest; an unknown platform is its 400)."""
    if platform_id is None:
        return {}
    identity = {"id": identities.device_id(), "serial_number": identities.serial_number(platform_id)}
    if platform_id in CELLULAR:
        identity.update(iccid=identities.iccid(), imei=identities.imei())
    return identity
