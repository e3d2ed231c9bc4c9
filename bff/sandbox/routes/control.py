"""The sandbox control API under /sandbox/ (not Particle's; no authentication). JSON in, JSON out.

GET  /sandbox/demo                       demo_info()
GET  /sandbox/state                      products+clients, users, customers, devices, claim codes, orgs, API users...
POST /sandbox/reset                      back to the demo data (same OAuth clients)
GET|PUT /sandbox/options                 require_online_to_claim, offline_claim_body, token_lockout, sse_keepalive
GET|POST /sandbox/clock                  {"advance": seconds} moves the sandbox's time forward
GET|POST|DELETE /sandbox/faults, DELETE /sandbox/faults/<id>
GET|DELETE /sandbox/requests             the API call log (?since=<id>)
GET  /sandbox/events                     recently published events; DELETE /sandbox/streams ends streams
Devices and Wi-Fi networks: bff/sandbox/routes/control_devices.py; API users and orgs:
bff/sandbox/routes/control_api_users.py. The whole API is described
in bff/sandbox/README.md.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from ..errors import ok_error
from ..records import record_fields
from ..state import State
from ..times import iso
from .context import bus, faults, lifecycle, request_log, simulator, store
from .control_devices import device_view
from .params import flag, params, text

bp = Blueprint("sandbox_control", __name__, url_prefix="/sandbox")
OPTION_TYPES = {"require_online_to_claim": bool, "offline_claim_body": str,
                "token_lockout": bool, "sse_keepalive": float}


@bp.get("/demo")
def demo():
    return jsonify(lifecycle().demo_info())


@bp.post("/reset")
def reset():
    lifecycle().reset()
    return jsonify({"ok": True, **lifecycle().demo_info()})


@bp.get("/state")
def state_view():
    with store().read() as state:
        return jsonify(_state_json(state, store().now()))


def _state_json(state: State, now: float) -> dict:
    tokens: dict[str, int] = {}  # API users' tokens are not counted: one per entry of api_users
    for token in state.tokens.values():
        if token.kind != "api_user":
            tokens[token.kind] = tokens.get(token.kind, 0) + 1
    return {
        "now": iso(now), "options": state.options,
        "products": [record_fields(p) for p in state.products.values()],
        "users": [{"username": u.username, "products": u.products} for u in state.users.values()],
        "customers": [{"id": c.id, "username": c.username, "product_id": c.product_id,
                       "has_password": bool(c.password), "created_at": iso(c.created_at)}
                      for c in state.customers],
        "devices": [device_view(simulator(), d) for d in state.devices.values()],
        "claim_codes": [{**record_fields(c), "created_at": iso(c.created_at), "expires_at": iso(c.expires_at),
                         "used_at": iso(c.used_at), "expired": c.expires_at <= now}
                        for c in state.claim_codes.values()],
        "wifi": [record_fields(w) for w in state.wifi],
        "transfers": [record_fields(t) for t in state.transfers],
        "orgs": [{**record_fields(o), "products": list(o.products)} for o in state.orgs.values()],
        "api_users": [{"username": u.username, "friendly_name": u.friendly_name,
                       "scopes": list(u.scopes), "product_id": u.product_id, "org_id": u.org_id}
                      for u in state.api_users.values()],
        "tokens": tokens, "streams": bus().stream_count(),
    }


@bp.get("/options")
def get_options():
    with store().read() as state:
        return jsonify(state.options)


@bp.put("/options")
def put_options():
    body = params()
    unknown = set(body) - set(OPTION_TYPES)
    if unknown:
        raise ok_error(400, "Unknown option", ", ".join(sorted(unknown)))
    values = {key: _option(key, value) for key, value in body.items()}
    with store().write() as state:
        state.options.update(values)
        return jsonify(state.options)


def _option(key: str, value: Any) -> Any:
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
    with store().read() as state:
        return jsonify({"now": iso(store().now()), "offset": state.clock_offset})


@bp.post("/clock")
def advance_clock():
    try:
        seconds = float(params().get("advance", 0))
    except (TypeError, ValueError):
        raise ok_error(400, "advance must be a number of seconds") from None
    if seconds < 0:
        raise ok_error(400, "The clock only moves forward")
    with store().write() as state:
        state.clock_offset += seconds
        return jsonify({"now": iso(store().now()), "offset": state.clock_offset})


@bp.get("/faults")
def list_faults():
    return jsonify(faults().list())


@bp.post("/faults")
def add_fault():
    """{"path": "/v1/devices*", "method": "POST", "status": 503, "retry_after": 5,
    "latency": 0.5, "drop": "before"|"after", "times": 1, "probability": 0.3, "seed": 7, "body": {...}}"""
    return jsonify(faults().add(_fault_spec(params()))), 201


def _fault_spec(body: dict) -> dict:
    drop = _drop_mode(body.get("drop"))
    try:
        spec = {"path": text(body.get("path")) or "*", "method": text(body.get("method")) or "*",
                "status": int(body["status"]) if body.get("status") else None,
                "latency": float(body.get("latency") or 0), "drop": drop,
                "times": int(body["times"]) if body.get("times") else None,
                "retry_after": int(body["retry_after"]) if body.get("retry_after") else None,
                "probability": float(body["probability"]) if body.get("probability") is not None else None,
                "seed": int(body["seed"]) if body.get("seed") is not None else None,
                "body": body.get("body")}
    except (TypeError, ValueError):
        raise ok_error(400, "Invalid fault",
                       "status, times, retry_after, seed: integers; latency: seconds; probability: 0 to 1") from None
    if spec["probability"] is not None and not 0 <= spec["probability"] <= 1:
        raise ok_error(400, "Invalid fault", "probability must be between 0 and 1")
    if not (spec["status"] or spec["latency"] or drop):
        raise ok_error(400, "Invalid fault", "Give a status, a latency or drop")
    if spec["status"] is not None and not 100 <= spec["status"] <= 599:
        raise ok_error(400, "Invalid fault", "status must be an HTTP status")
    return spec


def _drop_mode(drop: Any) -> str | None:
    """`drop`: true / "true" mean "before"; "before", "after" or nothing."""
    drop = "before" if drop is True or drop == "true" else (drop or None)
    if drop not in (None, "before", "after"):
        raise ok_error(400, "drop must be true, 'before' or 'after'")
    return drop


@bp.delete("/faults")
def clear_faults():
    faults().clear()
    return jsonify({"ok": True})


@bp.delete("/faults/<int:fault_id>")
def remove_fault(fault_id: int):
    if not faults().remove(fault_id):
        raise ok_error(404, "Fault not found")
    return jsonify({"ok": True})


@bp.get("/requests")
def list_requests():
    since = int(request.args.get("since") or 0)
    return jsonify([e for e in request_log().entries() if e["id"] > since])


@bp.delete("/requests")
def clear_requests():
    request_log().clear()
    return jsonify({"ok": True})


@bp.get("/events")
def recent_events():
    return jsonify([{"name": e.name, **e.payload(), "product_only": e.product_only}
                    for e in bus().recent()])


@bp.delete("/streams")
def close_streams():
    bus().close_all()
    return jsonify({"ok": True})
