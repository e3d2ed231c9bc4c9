"""The kinds of Particle device the sandbox simulates: platform ids, radios, serial-number prefixes.

Ids, names and radios are Particle's own, from `@particle/device-constants` 4.2.1
(`src/constants.json`: `id`, `name`, `aliases`, `features`, `displayName`;
https://www.npmjs.com/package/@particle/device-constants). Serial-number prefixes are those of a
generally available SKU of each platform in Particle's "Serial number management" page (tables
"SKU to Prefix" and "Prefix to SKU", https://docs.particle.io/hardware/best-practices/serial-number/,
particle-iot/docs `src/content/hardware/best-practices/serial-number.md`); where a platform has
several SKUs the table says which one the sandbox takes. Table and sources: docs/particle.md#platform-ids.

What each kind does in the sandbox:
- cellular devices (Electron, Boron, B-SoM, Tracker, M-SoM) have an ICCID and an IMEI and present
  them when they connect (a claim code equal to either claims them);
- Photons and P1s set up Wi-Fi in SoftAP listening mode (docs/softap.md);
- the Argon, the P2 / Photon 2 and the M-SoM set up Wi-Fi over Bluetooth LE (docs/ble-setup.md),
  which the sandbox does not simulate (CHOICE): they join a product and come online when powered
  on, with no Wi-Fi step and no claim code to present.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    """One kind of Particle device as the sandbox simulates it."""

    name: str  # device-constants `name`: the word the control API takes (`"platform": "boron"`)
    id: int  # `platform_id` in the cloud's device JSON
    cellular: bool  # a SIM: ICCID and IMEI in the device JSON
    wifi: bool  # a Wi-Fi radio: a MAC address
    softap: bool  # Wi-Fi set up in SoftAP listening mode (else over BLE, or no Wi-Fi at all)
    serial_prefix: str  # the first 4 of the serial number's 15 characters
    aliases: tuple[str, ...] = ()  # other names device-constants gives the platform


CATALOGUE = (
    # PHHM: "Photon with Headers [x1]".
    Platform("photon", 6, cellular=False, wifi=True, softap=True, serial_prefix="PHHM"),
    # P1MD: "P1 Wi-Fi Module, Cut tape".
    Platform("p1", 8, cellular=False, wifi=True, softap=True, serial_prefix="P1MD"),
    # CHOICE: E310 is a model name, not a serial prefix (an E310 module's is E31M); kept from the
    # sandbox's first versions because fleets and tests made with it are in use.
    Platform("electron", 10, cellular=True, wifi=False, softap=False, serial_prefix="E310"),
    # ARNH: "Argon [x1]" (ARGN-H).
    Platform("argon", 12, cellular=False, wifi=True, softap=False, serial_prefix="ARNH"),
    # P044: "Boron LTE CAT-M1 (NorAm)" (BRN404X, generally available).
    Platform("boron", 13, cellular=True, wifi=False, softap=False, serial_prefix="P044"),
    # P042: "B-Series LTE-M (NorAm, EtherSIM)" (B404X, generally available).
    Platform("bsom", 23, cellular=True, wifi=False, softap=False, serial_prefix="P042"),
    # P031: Tracker One, Tracker SoM and Monitor One LTE M1 (ONE404, T404, MON404).
    Platform("tracker", 26, cellular=True, wifi=False, softap=False, serial_prefix="P031"),
    # P046: "P2 Wi-Fi Module" (P2MOD10, P2REEL); a Photon 2 board's serial starts P051.
    Platform("p2", 32, cellular=False, wifi=True, softap=False, serial_prefix="P046",
             aliases=("photon2",)),
    # P054: "M-Series LTE-M/2G (Global, EtherSIM)" (M404); LTE and Wi-Fi, either may connect it.
    Platform("msom", 35, cellular=True, wifi=True, softap=False, serial_prefix="P054"),
)

BY_ID = {platform.id: platform for platform in CATALOGUE}
PLATFORMS = {name: platform.id for platform in CATALOGUE for name in (platform.name, *platform.aliases)}
PLATFORM_NAMES = {platform.id: platform.name for platform in CATALOGUE}
CELLULAR = {platform.id for platform in CATALOGUE if platform.cellular}
WIFI = {platform.id for platform in CATALOGUE if platform.wifi}
SOFTAP_PLATFORMS = {platform.id for platform in CATALOGUE if platform.softap}
SERIAL_PREFIX = {platform.id: platform.serial_prefix for platform in CATALOGUE}
