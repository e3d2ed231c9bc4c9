"""The JSON API for setup apps (blueprint "api", `/api/v1/...`), described by `/api/v1/openapi.json`.

A thin layer over the services: sign-in by phone (a JSON variant of the one-time code flow,
giving a bff API token), Wi-Fi claim codes and what became of them, the person's devices,
claims by box code or QR tag, and short-lived customer tokens for Particle's own setup
libraries; after the first claim (remove, give, share, ask the owner, offers): the routes of
bff/api/lifecycle_routes.py, on this blueprint. Authentication: `Authorization: Bearer <bff API
token>` (bff/api/auth.py); no cookies, so no CSRF check either.

Every error, on every route under `/api/v1` (unknown paths and wrong methods too), has one shape:
`{"error": {"code": "<stable word>", "message": "<what happened>", "next_step": "<what to do>"}}`
(bff/api/errors.py). Times are ISO 8601 UTC strings; `expires_in` counts seconds from now.
"""
from __future__ import annotations

from flask import Blueprint, current_app, url_for

from bff.guesses import Guesser
from bff.web.json_body import json_object
from bff.web.login import client_ip, csrf
from bff.api import fields
from bff.api.auth import current_caller
from bff.api.claim_runs import claim_runs_for
from bff.api.errors import ApiError, init_errors, json_response, valid_id
from bff.api.openapi import openapi_document
from bff.api.shapes import (
    claim_json,
    code_json,
    device_json,
    issued_json,
    number_change_json,
    product_json,
    token_json,
)
from bff.wiring import get_services

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, never cookies: nothing for a forged form to ride on
init_errors(bp)

# -- reading requests --------------------------------------------------------------------------------


def _body() -> dict:
    """The request's JSON object ({} for an empty body); anything else is a 4xx (bff/web/json_body.py).
    Its fields are read by their rules in bff/api/fields.py, the rules the OpenAPI document states."""
    return json_object()


def api_guesser(user_id: int) -> Guesser:
    """Who tries a box's tag or label code from this request: the caller and the address."""
    return Guesser(user_id=user_id, ip=client_ip())


def _user_id() -> int:
    return current_caller(get_services().api_tokens).user_id


# -- sign-in and tokens ------------------------------------------------------------------------------


@bp.post("/sign-in/code")
def send_sign_in_code():
    """Text a sign-in code to the phone number."""
    phone = fields.PHONE.read(_body(), "phone", required=True)
    accounts = get_services().accounts
    phone = accounts.request_sign_in_code(phone, ip=client_ip())
    return json_response({"phone": phone, "expires_in": accounts.CODE_LIFETIME}, 202)


@bp.post("/sign-in")
def sign_in():
    """Trade the texted code for a bff API token."""
    body = _body()
    phone = fields.PHONE.read(body, "phone", required=True)
    code = fields.SIGN_IN_CODE.read(body, "code", required=True)
    name = fields.TOKEN_NAME.read(body, "name")
    services = get_services()
    user = services.accounts.verify_sign_in_code(phone, code, ip=client_ip())
    token = services.api_tokens.issue(user.id, name)
    return json_response({"token": token, "token_type": "bearer",
                          "user": {"id": user.id, "phone": user.phone}}, 201)


@bp.delete("/tokens/current")
def revoke_token():
    """Revoke the token this request was sent with."""
    caller = current_caller(get_services().api_tokens)
    get_services().api_tokens.revoke(caller.token_id)
    return json_response({"revoked": True})


# -- Wi-Fi setup ------------------------------------------------------------------------------------


@bp.get("/products")
def products():
    """The Wi-Fi products a claim code or setup token can be for."""
    _user_id()
    return json_response({"products": [product_json(p) for p in get_services().setup.wifi_products()]})


@bp.post("/claim-codes")
def create_claim_code():
    """A claim code to hand to the device over SoftAP (`set` `{"k":"cc","v":CODE}`)."""
    user_id = _user_id()
    product = fields.PRODUCT.read(_body(), "product")
    setup = get_services().setup
    issued = setup.create_claim_code(user_id, product, channel="api")
    status_url = url_for("api.claim_code", code_id=issued.id)
    return json_response(issued_json(issued, setup.product(issued.product_key), setup.clock(), status_url),
                         201, headers={"Location": status_url})


@bp.get("/claim-codes/<int:code_id>")
def claim_code(code_id: int):
    """What became of a claim code: waiting, arrived (the device is yours), or why not."""
    user_id = _user_id()
    setup = get_services().setup
    return json_response(code_json(setup.status(valid_id(code_id), user_id), setup.clock()))


@bp.put("/claim-codes/<int:code_id>/device")
def report_device(code_id: int):
    """Say which device the app set up with the code (from SoftAP `device-id`)."""
    user_id = _user_id()
    device_id = fields.DEVICE_ID.read(_body(), "device_id", required=True)
    setup = get_services().setup
    status = setup.report_device(valid_id(code_id), user_id, device_id)
    return json_response(code_json(status, setup.clock()))


@bp.post("/setup-token")
def setup_token():
    """A customer token for Particle's own setup libraries; it expires in minutes."""
    user_id = _user_id()
    product_name = fields.PRODUCT.read(_body(), "product")
    setup = get_services().setup
    issued = setup.setup_token(user_id, product_name)
    status_url = url_for("api.claim_code", code_id=issued.watch_id)
    return json_response(token_json(issued, setup.clock(), status_url), 201)


# -- devices and claims -------------------------------------------------------------------------------


@bp.get("/devices")
def devices():
    """The person's devices: their own, then those shared with them (`shared`)."""
    user_id = _user_id()
    return json_response({"devices": [device_json(d) for d in get_services().devices.devices_of(user_id)]})


@bp.post("/claims")
def create_claim():
    """Claim a device by ID with proof of holding it: the QR `tag` (k) or the box `label_code`. A
    `serial_number` or `iccid` may stand in for the ID, with the `label_code` (API tokens carry a
    customer's rights: a serial alone proves nothing, bff/claims/serials.py)."""
    user_id = _user_id()
    body = _body()
    serial_number, iccid = fields.SERIAL.read(body, "serial_number"), fields.SERIAL.read(body, "iccid")
    serial = serial_number or iccid
    device_id = fields.DEVICE_ID.read(body, "device_id", required=not serial)
    tag, label_code = fields.read_proof(body)
    services = get_services()
    claim = services.claims.request_claim(user_id, device_id, channel="api", tag=tag, label_code=label_code,
                                          serial=serial, attempt=False, who=api_guesser(user_id))
    if claim.state == "requested" and claim.attempts == 0:  # new: its first attempt, under the deadline
        claim_runs_for(current_app._get_current_object(), services).attempt_within_deadline(claim.id)
        claim = services.claims.claim(claim.id)
    return _claim_reply(claim)


def _claim_reply(claim):
    """The claim; 202 with its status URL (`Location`) while it is still `requested`."""
    status_url = url_for("api.claim", claim_id=claim.id)
    headers = {"Location": status_url} if claim.state == "requested" else None
    return json_response(claim_json(claim, get_services().devices.short_name, status_url),
                         202 if headers else 200, headers=headers)


@bp.get("/claims/<int:claim_id>")
def claim(claim_id: int):
    """One of the person's claims."""
    user_id = _user_id()
    claims = get_services().claims
    found = claims.claim_for_user(valid_id(claim_id), user_id)
    if found is None:
        raise ApiError(f"no claim {claim_id} for user {user_id}", status=404, code="not_found",
                       public_message="We could not find that claim.", next_step="Check the claim id.")
    return json_response(claim_json(found, get_services().devices.short_name, url_for("api.claim", claim_id=claim_id)))


# -- my number ------------------------------------------------------------------------------------------


@bp.post("/me/number")
def start_number_change():
    """Move to a new phone number: a code is texted to it (and to the old number, unless lost)."""
    user_id = _user_id()
    body = _body()
    phone = fields.PHONE.read(body, "phone", required=True)
    lost = bool(fields.FLAG.read(body, "old_number_lost"))
    services = get_services()
    change = services.number_changes.start(services.accounts.user(user_id), phone, ip=client_ip(),
                                           old_number_lost=lost)
    return json_response(number_change_json(change, services.number_changes.clock()), 202)


@bp.post("/me/number/confirm")
def confirm_number_change():
    """The code texted to the new number (and the one to the old number): then the move is made."""
    user_id = _user_id()
    body = _body()
    new_code = fields.SIGN_IN_CODE.read(body, "new_code")
    old_code = fields.SIGN_IN_CODE.read(body, "old_code")
    changes = get_services().number_changes
    change = changes.confirm(user_id, new_code=new_code, old_code=old_code)
    return json_response(number_change_json(change, changes.clock()))


# -- the description --------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    """This API, described in OpenAPI 3.1."""
    return json_response(openapi_document(), cache="public, max-age=300")
