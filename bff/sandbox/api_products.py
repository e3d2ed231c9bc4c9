"""Product routes: product info and product devices (import, list, get, update, remove, unclaim).

All need a product token of that product or a team member's user token (auth.product_for).
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .api_devices import PRODUCT_FIELDS, apply_update
from .auth import authenticate, device_account, product_for, set_owner
from .errors import ok_error, permission_denied
from .state import Device, Product, State
from .views import device_json, product_json
from .web import cloud, flag, page_args, paginate, params, text

bp = Blueprint("sandbox_products", __name__)
SORT_KEYS = {
    "deviceName": lambda d: (d.name or "").lower(),
    "deviceId": lambda d: d.id,
    "firmwareVersion": lambda d: d.firmware_version or 0,
    "lastConnection": lambda d: d.last_handshake_at or 0,
}


@bp.get("/v1/products")
def list_products():
    """`{"products": [...]}`: a user's team products, or a product token's own product."""
    sandbox = cloud()
    with sandbox.store.read() as state:
        cred = authenticate(state, sandbox.store.now())
        if cred.kind == "customer":
            raise permission_denied("Customer access tokens cannot list products")
        user = state.users.get(cred.username or "")
        wanted = user.products if user else [cred.product_id]
        return jsonify({"products": [product_json(p) for p in state.products.values()
                                     if p.id in wanted]})


@bp.get("/v1/products/<product_key>")
def get_product(product_key: str):
    """`{"product": {"id", "platform_id", "name", "slug", "description", ...}}`."""
    sandbox = cloud()
    with sandbox.store.read() as state:
        product = product_for(state, authenticate(state, sandbox.store.now()), product_key)
        return jsonify({"product": product_json(product)})


def product_device(state: State, product: Product, device_id: str) -> Device:
    """A device of this product. CHOICE: 404 `{"ok": false, "error": "Device not found."}`."""
    device = state.devices.get(device_id.lower())
    if device is None or device.product_id != product.id:
        raise ok_error(404, "Device not found.", "That device is not in this product")
    return device


@bp.post("/v1/products/<product_key>/devices")
def import_devices(product_key: str):
    """Import by `id`, `ids` or a multipart `file` (one identifier a line: device ID, serial
    number, IMEI or ICCID). Always the full result with every array."""
    sandbox = cloud()
    with sandbox.store.write() as state:
        product = product_for(state, authenticate(state, sandbox.store.now()), product_key)
        body = params()
        identifiers = _identifiers(body)
        if not identifiers:
            raise ok_error(400, "No devices to import", "Send id, ids or a file")
        claim_user = text(request.args.get("claim_user") or body.get("claim_user"))
        if claim_user and product.id not in getattr(state.users.get(claim_user.lower()), "products", []):
            raise ok_error(400, "Invalid claim_user", "claim_user must be a team member")
        return jsonify(_import(state, product, identifiers, claim_user.lower()))


def _identifiers(body: dict) -> list[str]:
    """The identifiers sent, in order, without blanks or repeats."""
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


def _resolve(state: State, identifier: str) -> Device | None:
    """The device an identifier names (device ID any case, serial any case, IMEI, ICCID)."""
    lowered = identifier.lower()
    if lowered in state.devices:
        return state.devices[lowered]
    return next((d for d in state.devices.values()
                 if d.serial_number.lower() == lowered or identifier in (d.imei, d.iccid)), None)


def _import(state: State, product: Product, identifiers: list[str], claim_user: str) -> dict:
    """Sort every identifier into one of the documented arrays.

    CHOICES: unknown identifiers and platform mismatches go to invalidDeviceIds; devices in
    another product, or owned by a user who is not a team member, go to nonmemberDeviceIds;
    protectedDeviceIds is always empty (device protection is not simulated).
    """
    result: dict = {"updated": 0, "updatedDeviceIds": [], "existingDeviceIds": [],
                    "nonmemberDeviceIds": [], "invalidDeviceIds": [], "protectedDeviceIds": []}
    for identifier in identifiers:
        device = _resolve(state, identifier)
        result[_import_one(state, product, device, claim_user)].append(identifier)
    result["updated"] = len(result["updatedDeviceIds"])
    return result


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


@bp.get("/v1/products/<product_key>/devices")
def list_product_devices(product_key: str):
    """Filters deviceId/deviceName/serialNumber (partial), groups, quarantined; sortAttr,
    sortDir; page with perPage or per_page (default 25). CHOICE: sortDir defaults to desc for
    lastConnection (the default sort) and asc for the others."""
    sandbox = cloud()
    with sandbox.store.read() as state:
        now = sandbox.store.now()
        product = product_for(state, authenticate(state, now), product_key)
        devices = _sorted(_filtered(state, product))
        page, per_page = page_args()
        shown, total_pages = paginate(devices, page, per_page)
        return jsonify({"devices": [device_json(d, now) for d in shown],
                        "customers": _owners(state, shown), "meta": {"total_pages": total_pages}})


def _filtered(state: State, product: Product) -> list[Device]:
    args = request.args
    devices = [d for d in state.devices.values() if d.product_id == product.id]
    for arg, field in (("deviceId", "id"), ("deviceName", "name"), ("serialNumber", "serial_number")):
        if args.get(arg):
            needle = args[arg].lower()
            devices = [d for d in devices if needle in (getattr(d, field) or "").lower()]
    if args.get("groups"):
        wanted = {g.strip() for g in args["groups"].split(",") if g.strip()}
        devices = [d for d in devices if wanted & set(d.groups)]
    if args.get("quarantined") not in (None, ""):
        devices = [d for d in devices if d.quarantined == flag(args["quarantined"])]
    return devices


def _sorted(devices: list[Device]) -> list[Device]:
    attr = request.args.get("sortAttr") or "lastConnection"
    if attr not in SORT_KEYS:
        raise ok_error(400, "Invalid sortAttr", f"Use one of {', '.join(SORT_KEYS)}")
    direction = request.args.get("sortDir") or ("desc" if attr == "lastConnection" else "asc")
    if direction not in ("asc", "desc"):
        raise ok_error(400, "Invalid sortDir", "Use asc or desc")
    ordered = sorted(devices, key=lambda d: d.id)  # stable tie-break
    return sorted(ordered, key=SORT_KEYS[attr], reverse=direction == "desc")


def _owners(state: State, devices: list[Device]) -> list[dict]:
    """The customers owning the listed devices: `[{"id", "username"}]`."""
    found = {}
    for device in devices:
        if device.owner_kind == "customer":
            customer = state.customer(device.product_id, device.owner)
            if customer is not None:
                found[customer.id] = {"id": customer.id, "username": customer.username}
    return list(found.values())


@bp.get("/v1/products/<product_key>/devices/<device_id>")
def get_product_device(product_key: str, device_id: str):
    sandbox = cloud()
    with sandbox.store.read() as state:
        now = sandbox.store.now()
        product = product_for(state, authenticate(state, now), product_key)
        return jsonify(device_json(product_device(state, product, device_id), now))


@bp.put("/v1/products/<product_key>/devices/<device_id>")
def update_product_device(product_key: str, device_id: str):
    sandbox = cloud()
    with sandbox.store.write() as state:
        now = sandbox.store.now()
        product = product_for(state, authenticate(state, now), product_key)
        device = product_device(state, product, device_id)
        return jsonify(apply_update(device, params(), now, PRODUCT_FIELDS))


@bp.delete("/v1/products/<product_key>/devices/<device_id>")
def remove_product_device(product_key: str, device_id: str):
    """Remove from the product -> 204; unclaims it if a customer owned it (`deny` is accepted)."""
    sandbox = cloud()
    with sandbox.store.write() as state:
        product = product_for(state, authenticate(state, sandbox.store.now()), product_key)
        device = product_device(state, product, device_id)
        if device.owner_kind == "customer":
            set_owner(device, None)
        device.product_id = device.firmware_version = device.desired_firmware_version = None
        device.groups, device.development = [], False
        return "", 204


@bp.delete("/v1/products/<product_key>/devices/<device_id>/owner")
def unclaim_product_device(product_key: str, device_id: str):
    """Unclaim a product device, whoever owns it -> `{"ok": true}` (CHOICE: the body)."""
    sandbox = cloud()
    with sandbox.store.write() as state:
        product = product_for(state, authenticate(state, sandbox.store.now()), product_key)
        device = product_device(state, product, device_id)
        if device_account(device) is not None:
            set_owner(device, None)
        return jsonify({"ok": True})
