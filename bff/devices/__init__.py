"""Devices: known devices as people see them, their names, finding and renaming them."""
from bff.devices.platforms import PLATFORMS, platform_name, platform_word
from bff.devices.service import DeviceService, DeviceView, short_name_of

__all__ = ["DeviceService", "DeviceView", "PLATFORMS", "platform_name", "platform_word", "short_name_of"]
