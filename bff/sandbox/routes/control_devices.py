"""The control API's devices and Wi-Fi networks (under /sandbox/; not Particle's).

POST /sandbox/devices                    {"platform", "product", "online", "name"?, "id"?} -> 201 device;
                                         with "count": n devices at once -> 201 {"count", "ids"}
GET  /sandbox/devices/<id>               one device (control view)
PUT  /sandbox/devices/<id>               {"quarantined"?, "denied"?}: a product device held or refused
                                         by its product (an import of its ID approves it again)
POST /sandbox/devices/<id>/online|offline|listen
POST /sandbox/devices/<id>/events        {"name", "data", "private"?}: the device publishes
GET|POST /sandbox/wifi                   {"ssid", "password", "security"?, "channel"?, "rssi"?}
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from ..errors import ok_error
from ..fleet import MAX_FLEET, create_fleet
from ..platforms import PLATFORM_NAMES
from ..records import record_fields
from ..simulator import CLAIM_CODE_EVENT, DeviceSimulator
from ..softap.security import security_value
from ..state import Device, Wifi
from ..times import iso
from .context import simulator, store
from .params import flag, params, text

bp = Blueprint("sandbox_control_devices", __name__, url_prefix="/sandbox")
NEW_DEVICE_FIELDS = ("id", "name", "serial_number", "iccid", "imei")


def device_view(devices: DeviceSimulator, device: Device) -> dict:
    """A device as the control API shows it (with its SoftAP memory when it has one)."""
    memory = devices.memory(device.id)
    stored = device.softap_memory or {}
    return {
        "id": device.id, "platform": PLATFORM_NAMES.get(device.platform_id),
        "platform_id": device.platform_id, "product_id": device.product_id,
        "serial_number": device.serial_number, "serial": device.serial_number,
        "iccid": device.iccid, "imei": device.imei,
        "mac_wifi": device.mac_wifi, "name": device.name, "online": device.online,
        "listening": device.listening, "owner": device.owner, "owner_kind": device.owner_kind,
        "quarantined": device.quarantined, "denied": device.denied,
        "wifi_ssid": (device.wifi or {}).get("ssid"),
        "claim_code": getattr(memory, "claim_code", stored.get("claim_code", "")),
        "claimed_flag": bool(getattr(memory, "claimed", stored.get("claimed", False))),
        "last_claim_ack": device.last_claim_ack, "connect_ap_count": device.connect_ap_count,
        "last_heard": iso(device.last_heard), "last_handshake_at": iso(device.last_handshake_at),
    }


@bp.post("/devices")
def create_device():
    body = params()
    if body.get("count") is not None:
        return _create_fleet(body)
    extra = {k: text(body[k]) for k in NEW_DEVICE_FIELDS if body.get(k)}
    with store().write() as state:
        device = simulator().create(state, store().now(), text(body.get("platform")),
                                    body.get("product"), flag(body.get("online")), **extra)
        return jsonify(device_view(simulator(), device)), 201


def _create_fleet(body: dict):
    """`count` devices alike (platform, product, online): 201 `{"count", "ids"}`."""
    try:
        count = int(body["count"])
    except (TypeError, ValueError):
        raise ok_error(400, "count must be a number") from None
    if not 1 <= count <= MAX_FLEET:
        raise ok_error(400, f"count must be between 1 and {MAX_FLEET}")
    ids = create_fleet(store(), simulator(), count, text(body.get("platform")), body.get("product"),
                       flag(body.get("online")))
    return jsonify({"count": len(ids), "ids": ids}), 201


@bp.get("/devices/<device_id>")
def get_device(device_id: str):
    with store().read() as state:
        device = state.devices.get(device_id.lower())
        if device is None:
            raise ok_error(404, "Device not found.", f"No sandbox device {device_id!r}")
        return jsonify(device_view(simulator(), device))


@bp.put("/devices/<device_id>")
def hold_device(device_id: str):
    """Quarantine or deny a product device, as a product that does not approve new devices by
    itself would (Particle: Device OS 3.x and earlier; docs/particle.md#product-devices)."""
    body = params()
    flags = {key: flag(body[key]) for key in ("quarantined", "denied") if key in body}
    if not flags:
        raise ok_error(400, "Nothing to do?", "Send quarantined or denied")
    with store().write() as state:
        device = state.devices.get(device_id.lower())
        if device is None:
            raise ok_error(404, "Device not found.", f"No sandbox device {device_id!r}")
        if device.product_id is None:
            raise ok_error(409, "Device is in no product", "Only a product's device can be quarantined or denied")
        for key, value in flags.items():
            setattr(device, key, value)
        return jsonify(device_view(simulator(), device))


@bp.post("/devices/<device_id>/online")
def power_on(device_id: str):
    return jsonify(simulator().power(device_id, True))


@bp.post("/devices/<device_id>/offline")
def power_off(device_id: str):
    return jsonify(simulator().power(device_id, False))


@bp.post("/devices/<device_id>/listen")
def listen(device_id: str):
    return jsonify(simulator().listen(device_id))


@bp.post("/devices/<device_id>/events")
def device_publishes(device_id: str):
    """The device publishes an event (it must be online)."""
    body = params()
    name = text(body.get("name"))
    if not name:
        raise ok_error(400, "Event name is required")
    with store().read() as state:
        device = state.devices.get(device_id.lower())
        if device is None or not device.online:
            raise ok_error(409, "Device is offline" if device else "Device not found.")
        data = body.get("data")
        simulator().emit(device, name, None if data is None else str(data),
                         store().now(), product_only=name == CLAIM_CODE_EVENT)
    return jsonify({"ok": True})


@bp.get("/wifi")
def list_wifi():
    with store().read() as state:
        return jsonify([record_fields(w) for w in state.wifi])


@bp.post("/wifi")
def add_wifi():
    """Define (or replace, by SSID) a network Photons can join."""
    body = params()
    ssid, password = text(body.get("ssid")), str(body.get("password") or "")
    if not ssid:
        raise ok_error(400, "ssid is required")
    network = Wifi(ssid=ssid, password=password, security=_security(body.get("security"), password),
                   channel=int(body.get("channel") or 6), rssi=int(body.get("rssi") or -52))
    with store().write() as state:
        state.wifi = [w for w in state.wifi if w.ssid != ssid] + [network]
        return jsonify([record_fields(w) for w in state.wifi]), 201


def _security(value: Any, password: str) -> int:
    """A WICED security value from a number or a name (wpa2_aes...); default by password."""
    try:
        return security_value(value, password)
    except ValueError as error:
        raise ok_error(400, "Invalid security", str(error)) from None
