"""The user device routes: list, get, update, unclaim, claim, ping, serial-number look-up.

Customers and users see the devices they own; product tokens and team members also reach
their products' devices here ("for product devices you have access to", Devices.4).
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from . import claims
from .auth import Credential, authenticate, device_account, may_manage, set_owner
from .errors import device_not_recognized, errors_array, ok_error, permission_denied, rate_limited
from .state import CELLULAR, Device, State, iso
from .views import device_json
from .web import cloud, flag, params, text

bp = Blueprint("sandbox_devices", __name__)
USER_FIELDS = ("name", "notes", "signal", "firmware_updates_forced")
PRODUCT_FIELDS = USER_FIELDS + ("development", "desired_firmware_version", "flash")
SERIAL_LOOKUPS_PER_HOUR = 50


@bp.get("/v1/devices")
def list_devices():
    """The caller's own devices, newest handshake first (customers: only their own)."""
    sandbox = cloud()
    with sandbox.store.read() as state:
        now = sandbox.store.now()
        cred = authenticate(state, now)
        owned = [d for d in state.devices.values() if device_account(d) == cred.account]
        owned.sort(key=lambda d: d.last_handshake_at or 0, reverse=True)
        return jsonify([device_json(d, now) for d in owned])


def visible_device(state: State, cred: Credential, key: str) -> Device:
    """A device by ID (any case) or by the caller's device name, if the caller may see it."""
    device = state.devices.get(key.lower())
    if device is None:
        device = next((d for d in state.devices.values()
                       if d.name == key and device_account(d) == cred.account), None)
    if device is None or not may_manage(state, cred, device):
        raise device_not_recognized()
    return device


@bp.get("/v1/devices/<device_id>")
def get_device(device_id: str):
    sandbox = cloud()
    with sandbox.store.read() as state:
        now = sandbox.store.now()
        device = visible_device(state, authenticate(state, now), device_id)
        return jsonify(device_json(device, now))


@bp.put("/v1/devices/<device_id>")
def update_device(device_id: str):
    """Rename / notes / signal (dispatch on the fields present)."""
    sandbox = cloud()
    with sandbox.store.write() as state:
        now = sandbox.store.now()
        device = visible_device(state, authenticate(state, now), device_id)
        return jsonify(apply_update(device, params(), now, USER_FIELDS))


def apply_update(device: Device, body: dict, now: float, allowed: tuple) -> dict:
    """Apply the recognised fields and answer with the id, the changed fields and updated_at.

    CHOICE (not documented): a body with none of the fields answers 400 "Nothing to do?".
    """
    present = [key for key in allowed if key in body]
    if not present:
        raise ok_error(400, "Nothing to do?", f"Send one of: {', '.join(allowed)}")
    result: dict = {"id": device.id}
    for key in present:
        result.update(_UPDATERS[key](device, body[key]))
    result["updated_at"] = iso(now)
    return result


def _name(device: Device, value) -> dict:
    name = text(value)
    if not name:
        raise ok_error(400, "Invalid name", "A device name cannot be empty")
    device.name = name
    return {"name": name}


def _notes(device: Device, value) -> dict:
    device.notes = None if value is None else str(value)
    return {"notes": device.notes}


def _signal(device: Device, value) -> dict:
    return {"connected": device.online, "signaling": flag(value)}


def _development(device: Device, value) -> dict:
    device.development = flag(value)
    return {"development": device.development}


def _desired(device: Device, value) -> dict:
    try:
        device.desired_firmware_version = None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        raise ok_error(400, "Invalid desired_firmware_version") from None
    return {"desired_firmware_version": device.desired_firmware_version}


_UPDATERS = {
    "name": _name, "notes": _notes, "signal": _signal, "development": _development,
    "desired_firmware_version": _desired,
    "firmware_updates_forced": lambda device, value: {"firmware_updates_forced": flag(value)},
    "flash": lambda device, value: {"flash": flag(value)},
}


@bp.delete("/v1/devices/<device_id>")
def unclaim_device(device_id: str):
    """Unclaim, whoever owns it, for the owner or the product's managers -> {"ok": true}."""
    sandbox = cloud()
    with sandbox.store.write() as state:
        device = visible_device(state, authenticate(state, sandbox.store.now()), device_id)
        set_owner(device, None)
        return jsonify({"ok": True})


@bp.post("/v1/devices")
def claim_device():
    """Claim by device ID (`id`, any case; `request_transfer`); JSON or form."""
    sandbox = cloud()
    with sandbox.store.write() as state:
        now = sandbox.store.now()
        cred = authenticate(state, now)
        body = params()
        device_id = text(body.get("id"))
        if not device_id:
            if body.get("product_id") not in (None, ""):
                raise ok_error(400, "Not supported", "Self-provisioning is not simulated")
            raise errors_array(400, "Please provide a device id", ok=False)
        return jsonify(claims.claim(state, now, cred, device_id, flag(body.get("request_transfer"))))


@bp.put("/v1/devices/<device_id>/ping")
def ping_device(device_id: str):
    """`{"online", "ok": true}` (Devices.7)."""
    sandbox = cloud()
    with sandbox.store.read() as state:
        device = visible_device(state, authenticate(state, sandbox.store.now()), device_id)
        return jsonify({"online": device.online, "ok": True})


@bp.get("/v1/serial_numbers/<serial>")
def lookup_serial(serial: str):
    """`{"ok": true, "deviceID", "iccid"}` as documented, plus particle-api-js's
    `serial_number`, `device_id`, `platform_id` (CHOICE: both). 50 per hour per account;
    customer tokens are refused (CHOICE)."""
    sandbox = cloud()
    with sandbox.store.read() as state:
        now = sandbox.store.now()
        cred = authenticate(state, now)
        if cred.kind == "customer":
            raise permission_denied("Customer access tokens cannot look up serial numbers")
        _count_lookup(sandbox.serial_lookups, cred.account, now)
        device = next((d for d in state.devices.values()
                       if d.serial_number.lower() == serial.strip().lower()), None)
        if device is None:
            raise ok_error(404, "Serial number not found", f"No device has serial number {serial!r}")
        return jsonify(_serial_body(device))


def _serial_body(device: Device) -> dict:
    body = {"ok": True, "deviceID": device.id, "device_id": device.id,
            "serial_number": device.serial_number, "platform_id": device.platform_id}
    if device.platform_id in CELLULAR:
        body["iccid"] = device.iccid
    return body


def _count_lookup(lookups: dict, account: tuple, now: float) -> None:
    recent = [t for t in lookups.get(account, []) if t > now - 3600]
    if len(recent) >= SERIAL_LOOKUPS_PER_HOUR:
        raise rate_limited(int(recent[0] + 3600 - now) + 1,
                           "Serial number look-ups are limited to 50 per hour")
    lookups[account] = recent + [now]
