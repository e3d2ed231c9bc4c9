"""Particle platform ids of the simulated devices, and what each kind of device has.

Platform ids as the Cloud API reports them in `platform_id`: Photon 6, P1 8, Electron 10,
Argon 12, Boron 13 (`@particle/device-constants`,
https://www.npmjs.com/package/@particle/device-constants; table and sources in
docs/particle.md#platform-ids). Electrons and Borons are cellular (ICCID,
IMEI); Photons and P1s are the Wi-Fi devices with a SoftAP listening mode (docs/softap.md).
"""
from __future__ import annotations

PLATFORMS = {"photon": 6, "p1": 8, "electron": 10, "argon": 12, "boron": 13}
PLATFORM_NAMES = {value: name for name, value in PLATFORMS.items()}
CELLULAR = {10, 13}
SOFTAP_PLATFORMS = {6, 8}
