"""`PUT` on a device (`/v1/devices/:id` and `/v1/products/:p/devices/:id`): the fields each
route accepts and how each is applied.

The call dispatches on the fields present ("Update device", and the product variant,
https://docs.particle.io/reference/cloud-apis/api/). CHOICE (not documented): a body with none of
them answers 400 "Nothing to do?"; the answer is `{id, <changed fields>, updated_at}`; name
uniqueness is not enforced.
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import ok_error
from ..state import Device
from ..times import iso
from .params import flag, text

USER_FIELDS = ("name", "notes", "signal", "firmware_updates_forced")
PRODUCT_FIELDS = USER_FIELDS + ("development", "desired_firmware_version", "flash")


def apply_update(device: Device, body: dict, now: float, allowed: tuple) -> dict:
    """Apply the recognised fields and answer with the id, the changed fields and updated_at."""
    present = [key for key in allowed if key in body]
    if not present:
        raise ok_error(400, "Nothing to do?", f"Send one of: {', '.join(allowed)}")
    result: dict = {"id": device.id}
    for key in present:
        result.update(UPDATERS[key](device, body[key]))
    result["updated_at"] = iso(now)
    return result


def _name(device: Device, value: Any) -> dict:
    name = text(value)
    if not name:
        raise ok_error(400, "Invalid name", "A device name cannot be empty")
    device.name = name
    return {"name": name}


def _notes(device: Device, value: Any) -> dict:
    device.notes = None if value is None else str(value)
    return {"notes": device.notes}


def _signal(device: Device, value: Any) -> dict:
    return {"connected": device.online, "signaling": flag(value)}


def _development(device: Device, value: Any) -> dict:
    device.development = flag(value)
    return {"development": device.development}


def _desired(device: Device, value: Any) -> dict:
    try:
        device.desired_firmware_version = None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        raise ok_error(400, "Invalid desired_firmware_version") from None
    return {"desired_firmware_version": device.desired_firmware_version}


UPDATERS: dict[str, Callable[[Device, Any], dict]] = {
    "name": _name, "notes": _notes, "signal": _signal, "development": _development,
    "desired_firmware_version": _desired,
    "firmware_updates_forced": lambda device, value: {"firmware_updates_forced": flag(value)},
    "flash": lambda device, value: {"flash": flag(value)},
}
