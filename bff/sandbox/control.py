"""The sandbox control API under /sandbox/ (not Particle's; DESIGN.md §6). JSON in, JSON out.

GET  /sandbox/demo                       demo_info()
GET  /sandbox/state                      products+clients, users, customers, devices, claim codes...
POST /sandbox/reset                      back to the demo data (same OAuth clients)
GET|PUT /sandbox/options                 require_online_to_claim, offline_claim_body, token_lockout, sse_keepalive
GET|POST /sandbox/clock                  {"advance": seconds} moves the sandbox's time forward
POST /sandbox/devices                    {"platform", "product", "online", "name"?, "id"?} -> 201 device
GET  /sandbox/devices/<id>               one device (control view)
POST /sandbox/devices/<id>/online|offline|listen
POST /sandbox/devices/<id>/events        {"name", "data", "private"?}: the device publishes
GET|POST /sandbox/wifi                   {"ssid", "password", "security"?, "channel"?, "rssi"?}
GET|POST|DELETE /sandbox/faults, DELETE /sandbox/faults/<id>
GET|DELETE /sandbox/requests             the API call log (?since=<id>)
GET  /sandbox/events                     recently published events; DELETE /sandbox/streams ends streams
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .devices import CLAIM_CODE_EVENT
from .errors import ok_error
from .state import PLATFORM_NAMES, Device, State, Wifi, iso
from .web import cloud, flag, params, text

bp = Blueprint("sandbox_control", __name__, url_prefix="/sandbox")
OPTION_TYPES = {"require_online_to_claim": bool, "offline_claim_body": str,
                "token_lockout": bool, "sse_keepalive": float}


def _body() -> dict:
    return params()


@bp.get("/demo")
def demo():
    return jsonify(cloud().demo_info())


@bp.post("/reset")
def reset():
    cloud().reset()
    return jsonify({"ok": True, **cloud().demo_info()})


@bp.get("/state")
def state_view():
    sandbox = cloud()
    with sandbox.store.read() as state:
        now = sandbox.store.now()
        return jsonify(_state_json(sandbox, state, now))


def _state_json(sandbox, state: State, now: float) -> dict:
    tokens: dict[str, int] = {}
    for token in state.tokens.values():
        tokens[token.kind] = tokens.get(token.kind, 0) + 1
    return {
        "now": iso(now), "options": state.options,
        "products": [vars(p) for p in state.products.values()],
        "users": [{"username": u.username, "products": u.products} for u in state.users.values()],
        "customers": [{"id": c.id, "username": c.username, "product_id": c.product_id,
                       "has_password": bool(c.password), "created_at": iso(c.created_at)}
                      for c in state.customers],
        "devices": [device_view(sandbox, d) for d in state.devices.values()],
        "claim_codes": [{**vars(c), "created_at": iso(c.created_at), "expires_at": iso(c.expires_at),
                         "used_at": iso(c.used_at), "expired": c.expires_at <= now}
                        for c in state.claim_codes.values()],
        "wifi": [vars(w) for w in state.wifi], "transfers": [vars(t) for t in state.transfers],
        "tokens": tokens, "streams": sandbox.bus.stream_count(),
    }


def device_view(sandbox, device: Device) -> dict:
    """A device as the control API shows it (with its SoftAP memory when it has one)."""
    memory = sandbox.devices.memories.get(device.id)
    stored = device.softap_memory or {}
    return {
        "id": device.id, "platform": PLATFORM_NAMES.get(device.platform_id),
        "platform_id": device.platform_id, "product_id": device.product_id,
        "serial_number": device.serial_number, "serial": device.serial_number,
        "iccid": device.iccid, "imei": device.imei,
        "mac_wifi": device.mac_wifi, "name": device.name, "online": device.online,
        "listening": device.listening, "owner": device.owner, "owner_kind": device.owner_kind,
        "wifi_ssid": (device.wifi or {}).get("ssid"),
        "claim_code": getattr(memory, "claim_code", stored.get("claim_code", "")),
        "claimed_flag": bool(getattr(memory, "claimed", stored.get("claimed", False))),
        "last_claim_ack": device.last_claim_ack, "connect_ap_count": device.connect_ap_count,
        "last_heard": iso(device.last_heard), "last_handshake_at": iso(device.last_handshake_at),
    }


@bp.get("/options")
def get_options():
    with cloud().store.read() as state:
        return jsonify(state.options)


@bp.put("/options")
def put_options():
    body = _body()
    unknown = set(body) - set(OPTION_TYPES)
    if unknown:
        raise ok_error(400, "Unknown option", ", ".join(sorted(unknown)))
    values = {key: _option(key, value) for key, value in body.items()}
    with cloud().store.write() as state:
        state.options.update(values)
        return jsonify(state.options)


def _option(key: str, value):
    if OPTION_TYPES[key] is bool:
        return flag(value)
    if key == "offline_claim_body":
        if value not in ("empty", "errors"):
            raise ok_error(400, "offline_claim_body must be 'empty' or 'errors'")
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ok_error(400, f"{key} must be a number") from None
    if number <= 0:
        raise ok_error(400, f"{key} must be positive")
    return number


@bp.get("/clock")
def get_clock():
    sandbox = cloud()
    with sandbox.store.read() as state:
        return jsonify({"now": iso(sandbox.store.now()), "offset": state.clock_offset})


@bp.post("/clock")
def advance_clock():
    sandbox = cloud()
    try:
        seconds = float(_body().get("advance", 0))
    except (TypeError, ValueError):
        raise ok_error(400, "advance must be a number of seconds") from None
    if seconds < 0:
        raise ok_error(400, "The clock only moves forward")
    with sandbox.store.write() as state:
        state.clock_offset += seconds
        return jsonify({"now": iso(sandbox.store.now()), "offset": state.clock_offset})


@bp.post("/devices")
def create_device():
    sandbox = cloud()
    body = _body()
    extra = {k: text(body[k]) for k in ("id", "name", "serial_number", "iccid", "imei") if body.get(k)}
    with sandbox.store.write() as state:
        device = sandbox.devices.create(state, sandbox.store.now(), text(body.get("platform")),
                                        body.get("product"), flag(body.get("online")),
                                        sandbox.factory, **extra)
        return jsonify(device_view(sandbox, device)), 201


@bp.get("/devices/<device_id>")
def get_device(device_id: str):
    sandbox = cloud()
    with sandbox.store.read() as state:
        device = state.devices.get(device_id.lower())
        if device is None:
            raise ok_error(404, "Device not found.", f"No sandbox device {device_id!r}")
        return jsonify(device_view(sandbox, device))


@bp.post("/devices/<device_id>/online")
def power_on(device_id: str):
    return jsonify(cloud().devices.power(device_id, True))


@bp.post("/devices/<device_id>/offline")
def power_off(device_id: str):
    return jsonify(cloud().devices.power(device_id, False))


@bp.post("/devices/<device_id>/listen")
def listen(device_id: str):
    return jsonify(cloud().devices.listen(device_id))


@bp.post("/devices/<device_id>/events")
def device_publishes(device_id: str):
    """The device publishes an event (it must be online)."""
    sandbox = cloud()
    body = _body()
    name = text(body.get("name"))
    if not name:
        raise ok_error(400, "Event name is required")
    with sandbox.store.read() as state:
        device = state.devices.get(device_id.lower())
        if device is None or not device.online:
            raise ok_error(409, "Device is offline" if device else "Device not found.")
        data = body.get("data")
        sandbox.devices.emit(device, name, None if data is None else str(data),
                             sandbox.store.now(), product_only=name == CLAIM_CODE_EVENT)
    return jsonify({"ok": True})


@bp.get("/wifi")
def list_wifi():
    with cloud().store.read() as state:
        return jsonify([vars(w) for w in state.wifi])


@bp.post("/wifi")
def add_wifi():
    """Define (or replace, by SSID) a network Photons can join."""
    body = _body()
    ssid, password = text(body.get("ssid")), str(body.get("password") or "")
    if not ssid:
        raise ok_error(400, "ssid is required")
    network = Wifi(ssid=ssid, password=password, security=_security(body.get("security"), password),
                   channel=int(body.get("channel") or 6), rssi=int(body.get("rssi") or -52))
    with cloud().store.write() as state:
        state.wifi = [w for w in state.wifi if w.ssid != ssid] + [network]
        return jsonify([vars(w) for w in state.wifi]), 201


def _security(value, password: str) -> int:
    """A WICED security value from a number or a name (wpa2_aes...); default by password."""
    try:
        from .softap import security_value
    except ImportError:
        security_value = None
    if security_value is not None:
        try:
            return security_value(value, password)
        except ValueError as error:
            raise ok_error(400, "Invalid security", str(error)) from None
    if value in (None, ""):
        return 4194308 if password else 0
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ok_error(400, "Invalid security", "Send the WICED number, e.g. 4194308") from None


@bp.get("/faults")
def list_faults():
    return jsonify(cloud().faults.list())


@bp.post("/faults")
def add_fault():
    """{"path": "/v1/devices*", "method": "POST", "status": 503, "retry_after": 5,
    "latency": 0.5, "drop": "before"|"after", "times": 1, "body": {...}}"""
    return jsonify(cloud().faults.add(_fault_spec(_body()))), 201


def _fault_spec(body: dict) -> dict:
    drop = body.get("drop")
    drop = "before" if drop is True or drop == "true" else (drop or None)
    if drop not in (None, "before", "after"):
        raise ok_error(400, "drop must be true, 'before' or 'after'")
    try:
        spec = {"path": text(body.get("path")) or "*", "method": text(body.get("method")) or "*",
                "status": int(body["status"]) if body.get("status") else None,
                "latency": float(body.get("latency") or 0), "drop": drop,
                "times": int(body["times"]) if body.get("times") else None,
                "retry_after": int(body["retry_after"]) if body.get("retry_after") else None,
                "body": body.get("body")}
    except (TypeError, ValueError):
        raise ok_error(400, "Invalid fault", "status, times, retry_after: integers; latency: seconds") from None
    if not (spec["status"] or spec["latency"] or drop):
        raise ok_error(400, "Invalid fault", "Give a status, a latency or drop")
    if spec["status"] is not None and not 100 <= spec["status"] <= 599:
        raise ok_error(400, "Invalid fault", "status must be an HTTP status")
    return spec


@bp.delete("/faults")
def clear_faults():
    cloud().faults.clear()
    return jsonify({"ok": True})


@bp.delete("/faults/<int:fault_id>")
def remove_fault(fault_id: int):
    if not cloud().faults.remove(fault_id):
        raise ok_error(404, "Fault not found")
    return jsonify({"ok": True})


@bp.get("/requests")
def list_requests():
    since = int(request.args.get("since") or 0)
    return jsonify([e for e in cloud().requests.entries() if e["id"] > since])


@bp.delete("/requests")
def clear_requests():
    cloud().requests.clear()
    return jsonify({"ok": True})


@bp.get("/events")
def recent_events():
    return jsonify([{"name": e.name, **e.payload(), "product_only": e.product_only}
                    for e in cloud().bus.recent()])


@bp.delete("/streams")
def close_streams():
    cloud().bus.close_all()
    return jsonify({"ok": True})
