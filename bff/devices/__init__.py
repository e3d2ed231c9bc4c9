"""Devices: known devices as people see them, their names, finding and renaming them."""
from bff.devices.service import PLATFORMS, DeviceService, DeviceView, short_name_of

__all__ = ["DeviceService", "DeviceView", "PLATFORMS", "short_name_of"]
