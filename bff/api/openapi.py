"""The JSON API described in OpenAPI 3.1 (served as `/api/v1/openapi.json`), written by hand.

Kept true by tests: tests/api checks every response they get against this document, and
schemathesis fuzzes every operation against it. Change a route, change this file.
"""
from __future__ import annotations

import copy

from bff.api import fields
from bff.api.openapi_schemas import SCHEMAS, ref

_ERROR_RESPONSES = {
    "400": "The request was not right (see error.code).",
    "401": "No bearer token, or it is unknown or revoked.",
    "403": "Not allowed (a claim of a device that is not yours to claim; a change only its owner may make).",
    "404": "Not found.",
    "409": "In conflict with what is there (a phone number another account uses; a device being moved; "
           "an offer answered already; a Wi-Fi setup code or token for a product in product mode: "
           "needs_customers_mode).",
    "405": "Wrong method.",
    "413": "The request body is too large.",
    "415": "The request body is not sent as JSON (Content-Type: application/json).",
    "429": "Too many requests; wait (Retry-After when known).",
    "500": "Something went wrong in bff.",
    "502": "The device cloud refused the request (cloud_error; cloud_permission_missing: bff's own access to "
           "the cloud lacks a permission, which only its operators can give: retrying soon will not help).",
    "503": "The device cloud is busy or down; try again later.",
}


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema_name)}}}


def _operation(summary: str, ok: tuple[str, str, str], errors: list[str], *, body: str | None = None,
               body_required: bool = True, auth: bool = True, params: list | None = None) -> dict:
    """One operation: its 2xx reply `ok` = (status, schema, description), its error statuses."""
    status, schema, description = ok
    responses = {status: _json(schema, description)}
    body_errors = {"400", "413", "415"} if body else set()  # the body reader's (bff/web/json_body.py)
    for code in sorted(set(errors) | body_errors | {"405", "500"} | ({"401"} if auth else set())):
        responses[code] = _json("Error", _ERROR_RESPONSES[code])
    operation = {"summary": summary, "responses": responses}
    if not auth:
        operation["security"] = []
    if body:
        operation["requestBody"] = {"required": body_required,
                                    "content": {"application/json": {"schema": ref(body)}}}
    if params:
        operation["parameters"] = params
    return operation


def _id_param(name: str) -> list:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}]


def _device_param(*more: str) -> list:
    device = {"name": "device_id", "in": "path", "required": True,
              "schema": fields.DEVICE_ID.schema()}
    return [device] + [param for name in more for param in _id_param(name)]


_CLOUD = ["502", "503"]
_DEVICE_ERRORS = ["400", "403", "404", "409", "429", *_CLOUD]
_OFFER_ERRORS = ["404", "409"]

PATHS = {
    "/api/v1/sign-in/code": {"post": _operation(
        "Text a sign-in code to a phone number", ("202", "SignInCodeSent", "Code sent."),
        ["400", "429"], body="SignInCodeRequest", auth=False)},
    "/api/v1/sign-in": {"post": _operation(
        "Trade the texted code for a bff API token", ("201", "SignedIn", "Signed in."),
        ["400", "429"], body="SignInRequest", auth=False)},
    "/api/v1/tokens/current": {"delete": _operation(
        "Revoke the token this request carries", ("200", "Revoked", "Revoked."), [])},
    "/api/v1/products": {"get": _operation(
        "The Wi-Fi products bff serves", ("200", "ProductList", "Products."), _CLOUD)},
    "/api/v1/claim-codes": {"post": _operation(
        "Get a claim code for Wi-Fi setup", ("201", "IssuedClaimCode", "A new claim code."),
        ["400", "404", "409", "429", *_CLOUD], body="ProductChoice", body_required=False)},
    "/api/v1/claim-codes/{code_id}": {"get": _operation(
        "What became of a claim code", ("200", "ClaimCodeStatus", "The code's status."),
        ["404", *_CLOUD], params=_id_param("code_id"))},
    "/api/v1/claim-codes/{code_id}/device": {"put": _operation(
        "Say which device was set up with the code", ("200", "ClaimCodeStatus", "The code's status."),
        ["400", "404", "429", *_CLOUD], body="DeviceReport", params=_id_param("code_id"))},
    "/api/v1/setup-token": {"post": _operation(
        "A short-lived customer token for Particle's setup libraries", ("201", "SetupToken", "A token."),
        ["400", "404", "409", "429", *_CLOUD], body="ProductChoice", body_required=False)},
    "/api/v1/devices": {"get": _operation(
        "The person's devices", ("200", "DeviceList", "Devices."), _CLOUD)},
    "/api/v1/claims": {"post": _operation(
        "Claim a device with its QR tag or box code",
        ("200", "Claim", "The claim (new or the same one), as it stands after its first attempt."),
        ["400", "403", "429", *_CLOUD], body="ClaimRequest")},
    "/api/v1/claims/{claim_id}": {"get": _operation(
        "One of the person's claims", ("200", "Claim", "The claim."), ["404"],
        params=_id_param("claim_id"))},
    # after the first claim (bff/ownership): remove, give, share, ask; offers and their answers
    "/api/v1/devices/{device_id}": {"delete": _operation(
        "Remove a device from your account (the cloud too)", ("200", "Move", "Removed (202: under way)."),
        _DEVICE_ERRORS, params=_device_param())},
    "/api/v1/devices/{device_id}/give": {"post": _operation(
        "Offer your device to another phone number", ("200", "Offer", "The offer (new or the same one)."),
        _DEVICE_ERRORS, body="PhoneRequest", params=_device_param())},
    "/api/v1/devices/{device_id}/share": {"post": _operation(
        "Invite another phone number to share your device", ("200", "Offer", "The invite."),
        _DEVICE_ERRORS, body="PhoneRequest", params=_device_param())},
    "/api/v1/devices/{device_id}/shares": {"get": _operation(
        "The device's live shares (the owner: all; a shared person: theirs)", ("200", "ShareList", "Shares."),
        _DEVICE_ERRORS, params=_device_param())},
    "/api/v1/devices/{device_id}/shares/{share_id}": {"delete": _operation(
        "End a share (its owner, or the person it is shared with)", ("200", "ShareEnded", "Ended."),
        _DEVICE_ERRORS, params=_device_param("share_id"))},
    "/api/v1/devices/{device_id}/ask": {"post": _operation(
        "Ask the owner of a device you hold to give it to you", ("200", "Offer", "The ask."),
        _DEVICE_ERRORS, body="Proof", params=_device_param())},
    "/api/v1/devices/{device_id}/asks/block": {
        "post": _operation("Take no more asks for your device", ("200", "AsksStopped", "Stopped."),
                           _DEVICE_ERRORS, params=_device_param()),
        "delete": _operation("Take asks for your device again", ("200", "AsksStopped", "Taken again."),
                             _DEVICE_ERRORS, params=_device_param())},
    "/api/v1/offers": {"get": _operation(
        "Your open questions and the open offers you made", ("200", "OfferList", "Offers."), [])},
    "/api/v1/offers/{offer_id}": {"get": _operation(
        "An offer you take part in", ("200", "Offer", "The offer."), _OFFER_ERRORS, params=_id_param("offer_id"))},
    "/api/v1/offers/{offer_id}/accept": {"post": _operation(
        "Yes: take the device, or share it", ("200", "Answer", "Accepted."), [*_OFFER_ERRORS, *_CLOUD],
        params=_id_param("offer_id"))},
    "/api/v1/offers/{offer_id}/decline": {"post": _operation(
        "No", ("200", "Answer", "Declined."), _OFFER_ERRORS, params=_id_param("offer_id"))},
    "/api/v1/offers/{offer_id}/cancel": {"post": _operation(
        "Withdraw an offer you made", ("200", "Offer", "Cancelled."), _OFFER_ERRORS, params=_id_param("offer_id"))},
    "/api/v1/me/number": {"post": _operation(
        "Move to a new phone number: codes are texted", ("202", "NumberChange", "Codes sent."),
        ["400", "409", "429"], body="NumberChangeRequest")},
    "/api/v1/me/number/confirm": {"post": _operation(
        "Send the texted codes; the move is made when all are right", ("200", "NumberChange", "Where it stands."),
        ["400", "404", "409", "429"], body="NumberCodes", body_required=False)},
    "/api/v1/openapi.json": {"get": {
        "summary": "This document", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {
            "schema": {"type": "object"}}}}, "405": _json("Error", _ERROR_RESPONSES["405"])}}},
}

PATHS["/api/v1/devices/{device_id}"]["delete"]["responses"]["202"] = _json(
    "Move", "Under way: the cloud was busy; bff finishes the move (follow it in GET /api/v1/devices).")
PATHS["/api/v1/claims"]["post"]["responses"]["202"] = {**_json(
    "Claim", "Stored and still `requested`: the cloud did not answer within the reply deadline "
             "(BFF_API_REPLY_DEADLINE); bff finishes it. Follow it at status_url (also the Location header)."),
    "headers": {"Location": {"schema": {"type": "string"}, "description": "the claim's status URL"}}}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "bff setup API",
        "version": "1.0.0",
        "description": (
            "For setup apps: sign in by phone (a texted code) to get a bff API token; get a Wi-Fi "
            "claim code, hand it to the Photon over SoftAP, and follow it until the device is "
            "online and yours (or bff says why not). After the first claim: remove a device, give or "
            "share it with another phone number, ask the owner of a device you hold for it, and answer "
            "offers; the other side's phone number is never shown. Every error has the shape "
            '{"error": {"code", "message", "next_step"}}.'),
    },
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "a bff API token from POST /api/v1/sign-in"}},
    },
    "security": [{"bearer": []}],
}


def openapi_document() -> dict:
    """A copy of the document (callers may change theirs)."""
    return copy.deepcopy(DOCUMENT)
