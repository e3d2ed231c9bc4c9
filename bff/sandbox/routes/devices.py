"""The user device routes: list, get, update, unclaim, claim, ping, serial-number look-up.

Customers and users see the devices they own; product tokens and team members also reach
their products' devices here (`GET /v1/devices/:id` works "for product devices you have access
to, regardless of claiming", "Get device information",
https://docs.particle.io/reference/cloud-apis/api/). API users reach their products' devices
with the documented scopes (`devices:update` to rename or add notes, `devices:release` to
unclaim, `devices:ping`); the routes the reference gives no scope (list, get and claim devices,
the serial-number look-up) are refused to them: they read a device through the product route
(docs/particle.md#api-users).
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import claims
from ..auth import refuse_api_users, set_owner, visible_device
from ..errors import errors_array, ok_error, permission_denied
from ..platforms import CELLULAR
from ..shapes import device_json
from ..state import Device
from .caller import authenticate
from .context import serial_lookups, store
from .device_updates import USER_FIELDS, apply_update
from .params import flag, params, text

bp = Blueprint("sandbox_devices", __name__)


@bp.get("/v1/devices")
def list_devices():
    """The caller's own devices, newest handshake first (customers: only their own)."""
    with store().read() as state:
        now = store().now()
        cred = authenticate(state, now)
        refuse_api_users(cred)  # "must be a user access token, not an API user token"
        owned = state.devices_owned_by(cred.account)
        owned.sort(key=lambda d: (-(d.last_handshake_at or 0), d.id))  # CHOICE: ties by device ID
        return jsonify([device_json(d, now) for d in owned])


@bp.get("/v1/devices/<device_id>")
def get_device(device_id: str):
    with store().read() as state:
        now = store().now()
        device = visible_device(state, authenticate(state, now), device_id, None)
        return jsonify(device_json(device, now))


@bp.put("/v1/devices/<device_id>")
def update_device(device_id: str):
    """Rename / notes / signal (dispatch on the fields present)."""
    with store().write() as state:
        now = store().now()
        device = visible_device(state, authenticate(state, now), device_id, "devices:update")
        return jsonify(apply_update(device, params(), now, USER_FIELDS))


@bp.delete("/v1/devices/<device_id>")
def unclaim_device(device_id: str):
    """Unclaim, whoever owns it, for the owner or the product's managers -> {"ok": true}."""
    with store().write() as state:
        cred = authenticate(state, store().now())
        device = visible_device(state, cred, device_id, "devices:release")
        set_owner(device, None)
        return jsonify({"ok": True})


@bp.post("/v1/devices")
def claim_device():
    """Claim by device ID (`id`, any case; `request_transfer`); JSON or form."""
    with store().write() as state:
        now = store().now()
        cred = authenticate(state, now)
        refuse_api_users(cred)
        body = params()
        device_id = text(body.get("id"))
        if not device_id:
            if body.get("product_id") not in (None, ""):
                raise ok_error(400, "Not supported", "Self-provisioning is not simulated")
            raise errors_array(400, "Please provide a device id", ok=False)
        return jsonify(claims.claim(state, now, cred, device_id, flag(body.get("request_transfer"))))


@bp.put("/v1/devices/<device_id>/ping")
def ping_device(device_id: str):
    """`{"online", "ok": true}`, as documented ("Ping a device")."""
    with store().read() as state:
        cred = authenticate(state, store().now())
        device = visible_device(state, cred, device_id, "devices:ping")
        return jsonify({"online": device.online, "ok": True})


@bp.get("/v1/serial_numbers/<serial>")
def lookup_serial(serial: str):
    """`{"ok": true, "deviceID", "iccid"}` as documented, plus particle-api-js's
    `serial_number`, `device_id`, `platform_id` (CHOICE: both). 50 per hour per account;
    customer tokens are refused (CHOICE); so are API users (CHOICE: the reference gives the
    route no scope, and points product owners to the product device list's serialNumber filter)."""
    with store().read() as state:
        now = store().now()
        cred = authenticate(state, now)
        refuse_api_users(cred)
        if cred.kind == "customer":
            raise permission_denied("Customer access tokens cannot look up serial numbers")
        serial_lookups().count(cred.account, now)
        device = state.device_by_serial(serial.strip())
        if device is None:
            raise ok_error(404, "Serial number not found", f"No device has serial number {serial!r}")
        return jsonify(_serial_body(device))


def _serial_body(device: Device) -> dict:
    body = {"ok": True, "deviceID": device.id, "device_id": device.id,
            "serial_number": device.serial_number, "platform_id": device.platform_id}
    if device.platform_id in CELLULAR:
        body["iccid"] = device.iccid
    return body
