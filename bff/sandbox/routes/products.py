"""Product routes: product info and product devices (import, list, get, update, remove, unclaim).

All need a product token of that product, a team member's user token, or a token of an API user
of that product (or its org) holding the route's scope (auth.product_for): `products:list`,
`products:get`, `devices:import`, `devices:list`, `devices:get`, `devices:update`,
`devices:remove`, `devices:release`, as generated/api-service.json of the docs lists them
(docs/particle.md#api-users). The import and list rules are in bff/sandbox/product_devices.py.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..auth import check_scope, device_account, product_device, product_for, set_owner
from ..errors import ok_error, permission_denied
from ..product_devices import customer_owners, import_devices, product_device_list
from ..shapes import device_json, product_json
from .caller import authenticate
from .context import store
from .device_updates import PRODUCT_FIELDS, apply_update
from .params import flag, page_args, paginate, params, text

bp = Blueprint("sandbox_products", __name__)
TEXT_FILTERS = {"deviceId": "id", "deviceName": "name", "serialNumber": "serial_number"}


@bp.get("/v1/products")
def list_products():
    """`{"products": [...]}`: a user's team products, a product token's own product, an API
    user's products (`products:list`)."""
    with store().read() as state:
        cred = authenticate(state, store().now())
        if cred.kind == "customer":
            raise permission_denied("Customer access tokens cannot list products")
        check_scope(cred, "products:list")
        user = state.users.get(cred.username or "") if cred.kind == "user" else None
        wanted = user.products if user else (cred.products or [cred.product_id])
        return jsonify({"products": [product_json(p) for p in state.products.values()
                                     if p.id in wanted]})


@bp.get("/v1/products/<product_key>")
def get_product(product_key: str):
    """`{"product": {"id", "platform_id", "name", "slug", "description", ...}}`."""
    with store().read() as state:
        cred = authenticate(state, store().now())
        product = product_for(state, cred, product_key, "products:get")
        return jsonify({"product": product_json(product)})


@bp.post("/v1/products/<product_key>/devices")
def import_to_product(product_key: str):
    """Import by `id`, `ids` or a multipart `file` (one identifier a line: device ID, serial
    number, IMEI or ICCID). Always the full result with every array."""
    with store().write() as state:
        cred = authenticate(state, store().now())
        product = product_for(state, cred, product_key, "devices:import")
        body = params()
        identifiers = _identifiers(body)
        if not identifiers:
            raise ok_error(400, "No devices to import", "Send id, ids or a file")
        claim_user = text(request.args.get("claim_user") or body.get("claim_user"))
        if claim_user and product.id not in getattr(state.users.get(claim_user.lower()), "products", []):
            raise ok_error(400, "Invalid claim_user", "claim_user must be a team member")
        return jsonify(import_devices(state, product, identifiers, claim_user.lower()))


def _identifiers(body: dict) -> list[str]:
    """The identifiers sent, in order, without blanks or repeats (CHOICE: a file's line gives
    its first column when there are commas)."""
    found: list[str] = []
    if body.get("id"):
        found.append(str(body["id"]))
    ids = body.get("ids") or []
    found += ids.split(",") if isinstance(ids, str) else [str(i) for i in ids]
    upload = request.files.get("file")
    if upload is not None:
        lines = upload.read().decode("utf-8", errors="replace").splitlines()
        found += [line.replace(",", " ").split()[0] for line in lines if line.strip()]
    return list(dict.fromkeys(item.strip() for item in found if item.strip()))


@bp.get("/v1/products/<product_key>/devices")
def list_product_devices(product_key: str):
    """Filters deviceId/deviceName/serialNumber (partial), groups, quarantined; sortAttr,
    sortDir; page with perPage or per_page (default 25)."""
    with store().read() as state:
        now = store().now()
        product = product_for(state, authenticate(state, now), product_key, "devices:list")
        devices = product_device_list(state, product, _text_filters(), _groups(), _quarantined(),
                                      request.args.get("sortAttr"), request.args.get("sortDir"))
        shown, total_pages = paginate(devices, *page_args())
        return jsonify({"devices": [device_json(d, now) for d in shown],
                        "customers": customer_owners(state, shown),
                        "meta": {"total_pages": total_pages}})


def _text_filters() -> dict[str, str]:
    """Device field -> needle for the text filters sent."""
    return {field: request.args[arg] for arg, field in TEXT_FILTERS.items() if request.args.get(arg)}


def _groups() -> set[str] | None:
    """The `groups` filter (comma-separated); None when not sent."""
    if not request.args.get("groups"):
        return None
    return {g.strip() for g in request.args["groups"].split(",") if g.strip()}


def _quarantined() -> bool | None:
    """The `quarantined` filter; None when not sent."""
    value = request.args.get("quarantined")
    return None if value in (None, "") else flag(value)


@bp.get("/v1/products/<product_key>/devices/<device_id>")
def get_product_device(product_key: str, device_id: str):
    with store().read() as state:
        now = store().now()
        product = product_for(state, authenticate(state, now), product_key, "devices:get")
        return jsonify(device_json(product_device(state, product, device_id), now))


@bp.put("/v1/products/<product_key>/devices/<device_id>")
def update_product_device(product_key: str, device_id: str):
    with store().write() as state:
        now = store().now()
        product = product_for(state, authenticate(state, now), product_key, "devices:update")
        device = product_device(state, product, device_id)
        return jsonify(apply_update(device, params(), now, PRODUCT_FIELDS))


@bp.delete("/v1/products/<product_key>/devices/<device_id>")
def remove_product_device(product_key: str, device_id: str):
    """Remove from the product -> 204; unclaims it if a customer owned it (`deny` is accepted)."""
    with store().write() as state:
        cred = authenticate(state, store().now())
        product = product_for(state, cred, product_key, "devices:remove")
        device = product_device(state, product, device_id)
        if device.owner_kind == "customer":
            set_owner(device, None)
        device.product_id = device.firmware_version = device.desired_firmware_version = None
        device.groups, device.development = (), False
        return "", 204


@bp.delete("/v1/products/<product_key>/devices/<device_id>/owner")
def unclaim_product_device(product_key: str, device_id: str):
    """Unclaim a product device, whoever owns it -> `{"ok": true}` (CHOICE: the body)."""
    with store().write() as state:
        cred = authenticate(state, store().now())
        product = product_for(state, cred, product_key, "devices:release")
        device = product_device(state, product, device_id)
        if device_account(device) is not None:
            set_owner(device, None)
        return jsonify({"ok": True})
