"""A product's devices: importing devices into it, and filtering and sorting its device list.

Import ("Import devices into product", https://docs.particle.io/reference/cloud-apis/api/): a
"single-column list of device identifiers: device IDs, serial numbers, IMEIs or ICCIDs"; the
answer sorts every identifier into `updatedDeviceIds`, `existingDeviceIds`,
`nonmemberDeviceIds`, `invalidDeviceIds`, `protectedDeviceIds`. The list ("List devices in a
product") filters by `deviceId`, `deviceName`, `serialNumber`, `groups`, `quarantined` and sorts
by `sortAttr`/`sortDir`. Collected notes with sources: docs/particle.md#product-devices.

A product of a million devices is listed 100 a page: the filtered and sorted list is kept
(`State.list_cache`) until the product's devices change in a way that could alter it
(indexes.ProductVersions), so a page is a slice, not a sort of every device.
"""
from __future__ import annotations

from operator import attrgetter
from typing import Any, Mapping

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
LISTS_KEPT = 16   # sorted device lists kept (each holds a reference per listed device)


def import_devices(state: State, product: Product, identifiers: list[str], claim_user: str) -> dict:
    """Sort every identifier into one of the documented arrays.

    CHOICES: unknown identifiers and platform mismatches go to invalidDeviceIds; devices in
    another product, or owned by a user who is not a team member, go to nonmemberDeviceIds;
    protectedDeviceIds is always empty (device protection is not simulated). Importing a device
    the product holds in quarantine (or denied) approves it, as Particle documents for quarantine,
    and lists it in updatedDeviceIds.
    """
    result: dict = {"updated": 0, **{name: [] for name in IMPORT_ARRAYS}}
    for identifier in identifiers:
        device = resolve(state, identifier)
        result[_import_one(state, product, device, claim_user)].append(identifier)
    result["updated"] = len(result["updatedDeviceIds"])
    return result


def resolve(state: State, identifier: str) -> Device | None:
    """The device an identifier names (device ID any case, serial any case, IMEI, ICCID)."""
    return state.device_by_identifier(identifier)


def _import_one(state: State, product: Product, device: Device | None, claim_user: str) -> str:
    if device is None or device.platform_id != product.platform_id:
        return "invalidDeviceIds"
    if device.product_id == product.id:
        if not (device.quarantined or device.denied):
            return "existingDeviceIds"
        device.quarantined = device.denied = False  # approved (Particle: "Approve a quarantined device")
        return "updatedDeviceIds"
    owner = state.users.get(device.owner or "") if device.owner_kind == "user" else None
    if device.product_id is not None or (owner is not None and product.id not in owner.products):
        return "nonmemberDeviceIds"
    device.product_id, device.firmware_version, device.development = product.id, 1, False
    if claim_user:
        set_owner(device, ("user", claim_user))
    return "updatedDeviceIds"


def product_device_list(state: State, product: Product, texts: Mapping[str, str],
                        groups: set[str] | None, quarantined: bool | None,
                        attr: str | None, direction: str | None) -> list[Device]:
    """The product's devices passing the filters (filter_devices) in the order `attr` and
    `direction` ask (sort_order), kept until the product's listed devices change. Callers must
    not change the list."""
    attr, direction = sort_order(attr, direction)
    key = ("list", product.id, tuple(sorted(texts.items())),
           None if groups is None else frozenset(groups), quarantined, attr, direction)
    version = state.indexes.versions.of_content(product.id)
    return _cached(state, key, version, lambda: _in_order(
        filter_devices(state, product, texts, groups, quarantined), attr, direction))


def filter_devices(state: State, product: Product, texts: Mapping[str, str],
                   groups: set[str] | None, quarantined: bool | None) -> list[Device]:
    """The product's devices matching the list filters (None: no such filter), in ID order
    (without filters, the kept list itself: not to be changed).

    `texts` maps a device field (id, name, serial_number) to a partial, case-insensitive needle;
    `groups`: devices in any of these groups; `quarantined`: that flag.
    """
    devices = _by_id(state, product.id)
    for field, needle in texts.items():
        lowered = needle.lower()
        devices = [d for d in devices if lowered in (getattr(d, field) or "").lower()]
    if groups is not None:
        devices = [d for d in devices if groups & set(d.groups)]
    if quarantined is not None:
        devices = [d for d in devices if d.quarantined == quarantined]
    return devices


def _by_id(state: State, product_id: int) -> list[Device]:
    """The product's devices sorted by ID, kept until a device joins or leaves the product."""
    version = state.indexes.versions.of_members(product_id)
    return _cached(state, ("by_id", product_id), version, lambda: sorted(
        state.product_devices(product_id).values(), key=attrgetter("id")))


def _cached(state: State, key: tuple, version: Any, make: Any) -> list[Device]:
    """The list kept under `key` if made at this `version`, else a new one (least recently used
    first out: written by hand as functools.lru_cache cannot check a version)."""
    cache = state.list_cache
    kept = cache.pop(key, None)
    if kept is None or kept[0] != version:
        kept = (version, make())
    cache[key] = kept
    while len(cache) > LISTS_KEPT:
        del cache[next(iter(cache))]
    return kept[1]


def sort_order(attr: str | None, direction: str | None) -> tuple[str, str]:
    """`sortAttr` (default lastConnection) and `sortDir`, checked.

    CHOICE: sortDir defaults to desc for lastConnection and asc for the others.
    """
    attr = attr or "lastConnection"
    if attr not in SORT_KEYS:
        raise ok_error(400, "Invalid sortAttr", f"Use one of {', '.join(SORT_KEYS)}")
    direction = direction or ("desc" if attr == "lastConnection" else "asc")
    if direction not in ("asc", "desc"):
        raise ok_error(400, "Invalid sortDir", "Use asc or desc")
    return attr, direction


def _in_order(by_id: list[Device], attr: str, direction: str) -> list[Device]:
    """Devices given in ID order, sorted by the sort key: ties stay in ID order (a stable sort,
    also with reverse=True)."""
    return sorted(by_id, key=SORT_KEYS[attr], reverse=direction == "desc")


def customer_owners(state: State, devices: list[Device]) -> list[dict]:
    """The customers owning the listed devices: `[{"id", "username"}]`."""
    found = {}
    for device in devices:
        if device.owner_kind == "customer":
            customer = state.customer(device.product_id, device.owner)
            if customer is not None:
                found[customer.id] = {"id": customer.id, "username": customer.username}
    return list(found.values())
