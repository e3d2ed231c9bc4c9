"""Wi-Fi (Photon/P1) setup: claim codes for setup apps, and watching the device arrive.

- `service.py`: `SetupService` (claim codes, their status, short-lived setup tokens).
- `watch.py`: `SetupWatch` (what counts as an arrival, diagnoses when none comes).
"""
from bff.wifi_setup.service import SetupService

__all__ = ["SetupService"]
