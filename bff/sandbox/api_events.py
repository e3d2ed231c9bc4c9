"""Event streams (SSE) and publishing (reference/particle-api.md §2.10).

Who sees what (CHOICES where the docs are silent):
- `/v1/devices/events[/:prefix]` and `/v1/events/:prefix`: events of the devices the caller owns
  (at publish time) and events the caller published through the API; the public firehose no
  longer exists, so `/v1/events` is scoped like `/v1/devices/events`.
- `/v1/devices/:id/events[/:prefix]`: that device's events, for its owner or its product's managers.
- `/v1/products/:p/events[/:prefix]` (product token or team member): every event of the
  product's devices, including the private `spark/device/claim/code` presentations, plus
  events published to the product.
- Claim-code presentations never reach owner (customer/user) streams.
API-published events carry `coreid: "api"`.
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, Response, jsonify

from .api_devices import visible_device
from .api_products import product_device
from .auth import Credential, authenticate, product_for
from .errors import ok_error
from .events import Event, sse_stream
from .web import cloud, params, text

bp = Blueprint("sandbox_events", __name__)


def _open(accepts: Callable[[Event], bool], prefix: str) -> Response:
    """Subscribe and answer with the stream."""
    sandbox = cloud()
    subscriber = sandbox.bus.subscribe(accepts, prefix or "")
    body = sse_stream(sandbox.bus, subscriber, sandbox.keepalive)
    response = Response(body, mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    response.call_on_close(lambda: sandbox.bus.unsubscribe(subscriber))  # even if never read
    return response


def _owner_filter(cred: Credential) -> Callable[[Event], bool]:
    account = cred.account
    return lambda event: not event.product_only and event.account == account


def _authenticated() -> Credential:
    sandbox = cloud()
    with sandbox.store.read() as state:
        return authenticate(state, sandbox.store.now())


@bp.get("/v1/devices/events")
@bp.get("/v1/devices/events/<path:prefix>")
def my_device_events(prefix: str = ""):
    return _open(_owner_filter(_authenticated()), prefix)


@bp.get("/v1/events")
def events_without_prefix():
    """The prefix has been required since 2018 (Events.1)."""
    _authenticated()
    return jsonify({"ok": False, "error": "event prefix filter is required"}), 400


@bp.get("/v1/events/<path:prefix>")
def events(prefix: str):
    return _open(_owner_filter(_authenticated()), prefix)


@bp.get("/v1/devices/<device_id>/events")
@bp.get("/v1/devices/<device_id>/events/<path:prefix>")
def device_events(device_id: str, prefix: str = ""):
    sandbox = cloud()
    with sandbox.store.read() as state:
        cred = authenticate(state, sandbox.store.now())
        device = visible_device(state, cred, device_id)
        user = state.users.get(cred.username or "") if cred.kind == "user" else None
        managed = cred.kind == "product" or (user is not None and device.product_id in user.products)
    wanted = device.id
    return _open(lambda e: e.device_id == wanted and (managed or not e.product_only), prefix)


@bp.get("/v1/products/<product_key>/events")
@bp.get("/v1/products/<product_key>/events/<path:prefix>")
def product_events(product_key: str, prefix: str = ""):
    sandbox = cloud()
    with sandbox.store.read() as state:
        product_id = product_for(state, authenticate(state, sandbox.store.now()), product_key).id
    return _open(lambda e: e.product_id == product_id, prefix)


@bp.get("/v1/products/<product_key>/devices/<device_id>/events")
@bp.get("/v1/products/<product_key>/devices/<device_id>/events/<path:prefix>")
def product_device_events(product_key: str, device_id: str, prefix: str = ""):
    sandbox = cloud()
    with sandbox.store.read() as state:
        product = product_for(state, authenticate(state, sandbox.store.now()), product_key)
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
    sandbox = cloud()
    with sandbox.store.read() as state:
        now = sandbox.store.now()
        cred = authenticate(state, now)
        event = _event_from_body(now)
    event.account = cred.account
    sandbox.bus.publish(event)
    return jsonify({"ok": True})


@bp.post("/v1/products/<product_key>/events")
def publish_to_product(product_key: str):
    """Publish to a product's streams -> `{"ok": true}`."""
    sandbox = cloud()
    with sandbox.store.read() as state:
        now = sandbox.store.now()
        product = product_for(state, authenticate(state, now), product_key)
        event = _event_from_body(now)
    event.product_id = product.id
    sandbox.bus.publish(event)
    return jsonify({"ok": True})
