"""Event streams (SSE) and publishing.

Routes as documented ("Get a stream of events" and "Publish an event",
https://docs.particle.io/reference/cloud-apis/api/); who sees what (CHOICES where the docs are
silent):
- `/v1/devices/events[/:prefix]` and `/v1/events/:prefix`: events of the devices the caller owns
  (at publish time) and events the caller published through the API; the public firehose no
  longer exists, so `/v1/events` is scoped like `/v1/devices/events`.
- `/v1/devices/:id/events[/:prefix]`: that device's events, for its owner or its product's managers.
- `/v1/products/:p/events[/:prefix]` (product token or team member): every event of the
  product's devices, including the private `spark/device/claim/code` presentations, plus
  events published to the product.
- Claim-code presentations never reach owner (customer/user) streams.
- API users: the product streams with `events:get`, publishing to a product with `events:send`
  (generated/api-service.json of the docs); the user streams and `POST /v1/devices/events` have
  no scope there, so they are refused to API users (docs/particle.md#api-users).
API-published events carry `coreid: "api"`. The wire format is in bff/sandbox/event_bus.py.
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, Response, jsonify

from ..auth import (Credential, is_team_member, product_device, product_for, refuse_api_users,
                    visible_device)
from ..errors import ok_error
from ..event_bus import Event, sse_stream
from ..state import StateStore
from .caller import authenticate
from .context import bus, store
from .params import params, text

bp = Blueprint("sandbox_events", __name__)
DEFAULT_KEEPALIVE = 9.0


def _open(accepts: Callable[[Event], bool], prefix: str) -> Response:
    """Subscribe and answer with the stream."""
    events = bus()
    subscriber = events.subscribe(accepts, prefix or "")
    body = sse_stream(events, subscriber, _keepalive(store()))
    response = Response(body, mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    response.call_on_close(lambda: events.unsubscribe(subscriber))  # even if never read
    return response


def _keepalive(states: StateStore) -> Callable[[], float]:
    """Seconds of silence before a stream writes a keep-alive newline (option sse_keepalive)."""
    def seconds() -> float:
        with states.read() as state:
            return float(state.options.get("sse_keepalive", DEFAULT_KEEPALIVE))
    return seconds


def _owner_filter(cred: Credential) -> Callable[[Event], bool]:
    account = cred.account
    return lambda event: not event.product_only and event.account == account


def _authenticated() -> Credential:
    """The caller of a user event route (no API user may call one)."""
    with store().read() as state:
        cred = authenticate(state, store().now())
    refuse_api_users(cred)
    return cred


@bp.get("/v1/devices/events")
@bp.get("/v1/devices/events/<path:prefix>")
def my_device_events(prefix: str = ""):
    return _open(_owner_filter(_authenticated()), prefix)


@bp.get("/v1/events")
def events_without_prefix():
    """The prefix has been required since April 2018: 400 as documented."""
    _authenticated()
    return jsonify({"ok": False, "error": "event prefix filter is required"}), 400


@bp.get("/v1/events/<path:prefix>")
def events(prefix: str):
    return _open(_owner_filter(_authenticated()), prefix)


@bp.get("/v1/devices/<device_id>/events")
@bp.get("/v1/devices/<device_id>/events/<path:prefix>")
def device_events(device_id: str, prefix: str = ""):
    with store().read() as state:
        cred = authenticate(state, store().now())
        device = visible_device(state, cred, device_id, None)
        managed = cred.kind == "product" or is_team_member(state, cred, device.product_id)
    wanted = device.id
    return _open(lambda e: e.device_id == wanted and (managed or not e.product_only), prefix)


@bp.get("/v1/products/<product_key>/events")
@bp.get("/v1/products/<product_key>/events/<path:prefix>")
def product_events(product_key: str, prefix: str = ""):
    with store().read() as state:
        cred = authenticate(state, store().now())
        product_id = product_for(state, cred, product_key, "events:get").id
    return _open(lambda e: e.product_id == product_id, prefix)


@bp.get("/v1/products/<product_key>/devices/<device_id>/events")
@bp.get("/v1/products/<product_key>/devices/<device_id>/events/<path:prefix>")
def product_device_events(product_key: str, device_id: str, prefix: str = ""):
    with store().read() as state:
        cred = authenticate(state, store().now())
        product = product_for(state, cred, product_key, "events:get")
        wanted = product_device(state, product, device_id).id
    return _open(lambda e: e.device_id == wanted, prefix)


def _event_from_body(now: float) -> Event:
    body = params()
    name = text(body.get("name"))
    if not name:
        raise ok_error(400, "Event name is required")
    try:
        ttl = int(body.get("ttl") or 60)
    except (TypeError, ValueError):
        raise ok_error(400, "Invalid ttl") from None
    data = body.get("data")
    return Event(name=name, data=None if data is None else str(data), published_at=now,
                 coreid="api", ttl=ttl)


@bp.post("/v1/devices/events")
def publish():
    """Publish as the caller -> `{"ok": true}` (`private` is accepted; every event is private)."""
    with store().read() as state:
        now = store().now()
        cred = authenticate(state, now)
        refuse_api_users(cred)
        event = _event_from_body(now)
    event.account = cred.account
    bus().publish(event)
    return jsonify({"ok": True})


@bp.post("/v1/products/<product_key>/events")
def publish_to_product(product_key: str):
    """Publish to a product's streams -> `{"ok": true}`."""
    with store().read() as state:
        now = store().now()
        product = product_for(state, authenticate(state, now), product_key, "events:send")
        event = _event_from_body(now)
    event.product_id = product.id
    bus().publish(event)
    return jsonify({"ok": True})
