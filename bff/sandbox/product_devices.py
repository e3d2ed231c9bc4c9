"""A product's devices: importing devices into it, and filtering and sorting its device list.

Import ("Import devices into product", https://docs.particle.io/reference/cloud-apis/api/): a
"single-column list of device identifiers: device IDs, serial numbers, IMEIs or ICCIDs"; the
answer sorts every identifier into `updatedDeviceIds`, `existingDeviceIds`,
`nonmemberDeviceIds`, `invalidDeviceIds`, `protectedDeviceIds`. The list ("List devices in a
product") filters by `deviceId`, `deviceName`, `serialNumber`, `groups`, `quarantined` and sorts
by `sortAttr`/`sortDir`. Collected notes with sources: docs/particle.md#product-devices.
"""
from __future__ import annotations

from typing import Mapping

from .auth import set_owner
from .errors import ok_error
from .state import Device, Product, State

IMPORT_ARRAYS = ("updatedDeviceIds", "existingDeviceIds", "nonmemberDeviceIds",
                 "invalidDeviceIds", "protectedDeviceIds")
SORT_KEYS = {
    "deviceName": lambda d: (d.name or "").lower(),
    "deviceId": lambda d: d.id,
    "firmwareVersion": lambda d: d.firmware_version or 0,
    "lastConnection": lambda d: d.last_handshake_at or 0,
}


def import_devices(state: State, product: Product, identifiers: list[str], claim_user: str) -> dict:
    """Sort every identifier into one of the documented arrays.

    CHOICES: unknown identifiers and platform mismatches go to invalidDeviceIds; devices in
    another product, or owned by a user who is not a team member, go to nonmemberDeviceIds;
    protectedDeviceIds is always empty (device protection is not simulated).
    """
    result: dict = {"updated": 0, **{name: [] for name in IMPORT_ARRAYS}}
    for identifier in identifiers:
        device = resolve(state, identifier)
        result[_import_one(state, product, device, claim_user)].append(identifier)
    result["updated"] = len(result["updatedDeviceIds"])
    return result


def resolve(state: State, identifier: str) -> Device | None:
    """The device an identifier names (device ID any case, serial any case, IMEI, ICCID)."""
    lowered = identifier.lower()
    if lowered in state.devices:
        return state.devices[lowered]
    return next((d for d in state.devices.values()
                 if d.serial_number.lower() == lowered or identifier in (d.imei, d.iccid)), None)


def _import_one(state: State, product: Product, device: Device | None, claim_user: str) -> str:
    if device is None or device.platform_id != product.platform_id:
        return "invalidDeviceIds"
    if device.product_id == product.id:
        return "existingDeviceIds"
    owner = state.users.get(device.owner or "") if device.owner_kind == "user" else None
    if device.product_id is not None or (owner is not None and product.id not in owner.products):
        return "nonmemberDeviceIds"
    device.product_id, device.firmware_version, device.development = product.id, 1, False
    if claim_user:
        set_owner(device, ("user", claim_user))
    return "updatedDeviceIds"


def filter_devices(state: State, product: Product, texts: Mapping[str, str],
                   groups: set[str] | None, quarantined: bool | None) -> list[Device]:
    """The product's devices matching the list filters (None: no such filter).

    `texts` maps a device field (id, name, serial_number) to a partial, case-insensitive needle;
    `groups`: devices in any of these groups; `quarantined`: that flag.
    """
    devices = [d for d in state.devices.values() if d.product_id == product.id]
    for field, needle in texts.items():
        lowered = needle.lower()
        devices = [d for d in devices if lowered in (getattr(d, field) or "").lower()]
    if groups is not None:
        devices = [d for d in devices if groups & set(d.groups)]
    if quarantined is not None:
        devices = [d for d in devices if d.quarantined == quarantined]
    return devices


def sort_devices(devices: list[Device], attr: str | None, direction: str | None) -> list[Device]:
    """Sorted by `sortAttr` (default lastConnection) and `sortDir`.

    CHOICE: sortDir defaults to desc for lastConnection and asc for the others.
    """
    attr = attr or "lastConnection"
    if attr not in SORT_KEYS:
        raise ok_error(400, "Invalid sortAttr", f"Use one of {', '.join(SORT_KEYS)}")
    direction = direction or ("desc" if attr == "lastConnection" else "asc")
    if direction not in ("asc", "desc"):
        raise ok_error(400, "Invalid sortDir", "Use asc or desc")
    ordered = sorted(devices, key=lambda d: d.id)  # stable tie-break
    return sorted(ordered, key=SORT_KEYS[attr], reverse=direction == "desc")


def customer_owners(state: State, devices: list[Device]) -> list[dict]:
    """The customers owning the listed devices: `[{"id", "username"}]`."""
    found = {}
    for device in devices:
        if device.owner_kind == "customer":
            customer = state.customer(device.product_id, device.owner)
            if customer is not None:
                found[customer.id] = {"id": customer.id, "username": customer.username}
    return list(found.values())
