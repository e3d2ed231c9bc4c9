"""The JSON API described in OpenAPI 3.1 (served as `/api/v1/openapi.json`), written by hand.

Kept true by tests: tests/api checks every response they get against this document, and
schemathesis fuzzes every operation against it. Change a route, change this file.
"""
from __future__ import annotations

import copy

from bff.web.errors import ERROR_STATUS, HTTP_CODES

# Every code an error may carry: the one table of bff's errors and the HTTP errors' own codes (never
# written twice, so a new error cannot be missing here), plus the API's request-reading codes.
_ERROR_CODES = sorted({code for _, _, code in ERROR_STATUS} | set(HTTP_CODES.values())
                      | {"missing_field", "invalid_field", "invalid_token"})


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **more) -> dict:
    return {"type": [kind, "null"], **more}


def _object(properties: dict, *, required: list[str] | None = None) -> dict:
    """A reply object: exactly these properties, every one present (unless `required` says)."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required,
            "additionalProperties": False}


def _request(properties: dict, *, required: list[str]) -> dict:
    """A request object: these fields (others are ignored, so they are allowed)."""
    return {"type": "object", "properties": properties, "required": required}


_TIME = {"type": "string", "format": "date-time"}
_WORD = {"type": "string", "maxLength": 100}

SCHEMAS = {
    "Error": _object({"error": _object({
        "code": {"type": "string", "enum": _ERROR_CODES},
        "message": {"type": "string"},
        "next_step": {"type": "string"},
    })}),
    "Product": _object({
        "key": {"type": "string", "description": "bff's name for the product (send it as `product`)"},
        "id": _nullable("integer", description="Particle's product id (the setup libraries' product_id)"),
        "slug": _nullable("string"),
        "name": {"type": "string"},
        "platform": {"type": "string", "enum": ["photon", "p1", "device"]},
    }),
    "ProductList": _object({"products": {"type": "array", "items": _ref("Product")}}),
    "SignInCodeRequest": _request({"phone": {"type": "string", "maxLength": 40,
                                            "examples": ["+12015550123"]}},
                                  required=["phone"]),
    "SignInCodeSent": _object({"phone": {"type": "string", "description": "E.164"},
                               "expires_in": {"type": "integer", "minimum": 0}}),
    "SignInRequest": _request({
        "phone": {"type": "string", "maxLength": 40},
        "code": {"type": "string", "maxLength": 20, "description": "the 6 digits from the text"},
        "name": {"type": "string", "maxLength": 80, "description": "a name for this token (the app's)"},
    }, required=["phone", "code"]),
    "SignedIn": _object({
        "token": {"type": "string", "description": "send as Authorization: Bearer <token>"},
        "token_type": {"const": "bearer"},
        "user": _object({"id": {"type": "integer"}, "phone": _nullable("string")}),
    }),
    "Revoked": _object({"revoked": {"const": True}}),
    "ProductChoice": _request({"product": {**_WORD, "description": "key, slug, name or id; "
                                          "optional when bff serves one Wi-Fi product"}},
                              required=[]),
    "IssuedClaimCode": _object({
        "id": {"type": "integer", "description": "follow it at status_url"},
        "claim_code": {"type": "string", "description": "hand to the device: SoftAP set {k: cc, v: code}"},
        "expires_at": _TIME,
        "expires_in": {"type": "integer", "minimum": 0},
        "product": _ref("Product"),
        "status_url": {"type": "string"},
    }),
    "Diagnosis": _object({
        "code": {"type": "string", "enum": ["code_expired", "never_online", "owned_by_other",
                                            "not_claimed", "not_in_product"]},
        "message": {"type": "string"},
        "next_step": {"type": "string"},
    }),
    "ClaimCodeStatus": _object({
        "id": {"type": "integer"},
        "state": {"type": "string", "enum": ["open", "arrived", "expired"]},
        "done": {"type": "boolean"},
        "product": _ref("Product"),
        "created_at": _TIME,
        "expires_at": _TIME,
        "expires_in": {"type": "integer", "minimum": 0},
        "code_hint": {"type": "string", "description": "the code's last characters"},
        "device_id": _nullable("string", description="the device that arrived"),
        "device_name": _nullable("string"),
        "reported_device_id": _nullable("string"),
        "diagnosis": {"oneOf": [_ref("Diagnosis"), {"type": "null"}],
                      "description": "why the device has not arrived (open: so far; expired: final)"},
        "title": {"type": "string"},
        "message": {"type": "string"},
        "next_step": {"type": "string"},
        "version": {"type": "string", "description": "changes when anything shown here changes"},
    }),
    "DeviceReport": _request({"device_id": {**_WORD, "description": "24 hex characters, as SoftAP "
                                           "device-id gives it"}},
                             required=["device_id"]),
    "SetupToken": _object({
        "access_token": {"type": "string", "description": "a Particle customer token; short-lived"},
        "token_type": {"const": "bearer"},
        "expires_in": {"type": "integer", "minimum": 0},
        "expires_at": _nullable("string", format="date-time"),
        "product": _ref("Product"),
        "id": {"type": "integer", "description": "follow the setup at status_url, as for a claim code"},
        "status_url": {"type": "string"},
    }),
    "Device": _object({
        "device_id": {"type": "string"},
        "name": _nullable("string"),
        "product": {"type": "string"},
        "product_name": {"type": "string"},
        "platform": {"type": "string"},
        "online": _nullable("boolean"),
        "shared": {"type": "boolean", "description": "shared with you by its owner: you may see and rename "
                                                     "it, not remove, give or share it"},
    }),
    "DeviceList": _object({"devices": {"type": "array", "items": _ref("Device")}}),
    "ClaimRequest": _request({
        "device_id": {**_WORD, "description": "needed unless serial_number or iccid is sent"},
        "tag": {**_WORD, "description": "k from the box QR link"},
        "label_code": {**_WORD, "description": "the code printed on the box"},
        "serial_number": {**_WORD, "description": "instead of device_id; only with label_code (a serial "
                                                  "is printed on the device: it proves nothing alone)"},
        "iccid": {**_WORD, "description": "the SIM's number, instead of device_id; only with label_code"},
    }, required=[]),
    "NumberChangeRequest": _request({
        "phone": {"type": "string", "maxLength": 40, "examples": ["+12015550177"]},
        "old_number_lost": {"type": "boolean", "description": "no code to the old number: an operator "
                                                              "finishes the move after checking it is you"},
    }, required=["phone"]),
    "NumberCodes": _request({
        "new_code": {"type": "string", "maxLength": 20, "description": "the 6 digits texted to the new number"},
        "old_code": {"type": "string", "maxLength": 20, "description": "the 6 digits texted to the old number"},
    }, required=[]),
    "NumberChange": _object({
        "state": {"type": "string", "enum": ["open", "done", "cancelled"]},
        "done": {"type": "boolean"},
        "new_phone": {"type": "string", "description": "E.164"},
        "new_number_checked": {"type": "boolean"},
        "needs_old_code": {"type": "boolean"},
        "needs_operator": {"type": "boolean", "description": "the old number is lost: support finishes it"},
        "expires_at": _TIME,
        "expires_in": {"type": "integer", "minimum": 0},
        "message": {"type": "string"},
        "next_step": {"type": "string"},
    }),
    "Claim": _object({
        "id": {"type": "integer"},
        "device_id": {"type": "string"},
        "device_name": {"type": "string"},
        "state": {"type": "string", "enum": ["requested", "waiting_for_device", "claimed", "refused", "failed", "cancelled"]},
        "outcome": _nullable("string"),
        "done": {"type": "boolean"},
        "succeeded": {"type": "boolean"},
        "title": {"type": "string"},
        "message": {"type": "string"},
        "next_step": {"type": "string"},
        "created_at": _TIME,
        "updated_at": _TIME,
        "finished_at": _nullable("string", format="date-time"),
    }),
}

SCHEMAS.update({
    "PhoneRequest": _request({"phone": {"type": "string", "maxLength": 40, "examples": ["+12015550177"]}},
                             required=["phone"]),
    "Proof": _request({"tag": {**_WORD, "description": "k from the box QR link"},
                       "label_code": {**_WORD, "description": "the code printed on the box"}}, required=[]),
    "Offer": _object({
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["give", "ask", "share"]},
        "state": {"type": "string", "enum": ["open", "accepted", "declined", "cancelled", "expired"]},
        "open": {"type": "boolean"},
        "device_id": {"type": "string"},
        "device_name": {"type": "string"},
        "question": {"type": "string", "description": "the question in a few words"},
        "role": {"type": "string", "enum": ["giver", "receiver", "asker", "owner", "invitee"],
                 "description": "your part in it (the other side is never named)"},
        "can_answer": {"type": "boolean", "description": "yours to accept or decline now"},
        "can_cancel": {"type": "boolean", "description": "yours to cancel now (you made it)"},
        "created_at": _TIME,
        "expires_at": _TIME,
        "expires_in": {"type": "integer", "minimum": 0},
        "answered_at": _nullable("string", format="date-time"),
        "move_id": _nullable("integer"),
    }),
    "OfferList": _object({"to_answer": {"type": "array", "items": _ref("Offer"),
                                        "description": "open questions to you, newest first"},
                          "made": {"type": "array", "items": _ref("Offer"),
                                   "description": "open offers you made, newest first"}}),
    "Move": _object({
        "id": {"type": "integer"},
        "device_id": {"type": "string"},
        "kind": {"type": "string", "enum": ["remove", "give", "ask"]},
        "state": {"type": "string", "enum": ["requested", "released", "done", "failed"],
                  "description": "requested, released: under way (bff finishes it)"},
        "done": {"type": "boolean"},
    }),
    "Answer": _object({"offer": _ref("Offer"), "accepted": {"type": "boolean"},
                       "move": {"oneOf": [_ref("Move"), {"type": "null"}]}, "message": {"type": "string"}}),
    "Share": _object({"id": {"type": "integer"}, "device_id": {"type": "string"},
                      "shared_with_you": {"type": "boolean"},
                      "shared_with": _nullable("string", description="for the owner: the number's last 4 digits "
                                                                     "(\"••• 0199\"); null for the shared person"),
                      "created_at": _TIME}),
    "ShareList": _object({"shares": {"type": "array", "items": _ref("Share")}}),
    "ShareEnded": _object({"id": {"type": "integer"}, "ended": {"const": True}}),
    "AsksStopped": _object({"asks_stopped": {"type": "boolean"},
                            "declined": {"type": "integer", "minimum": 0,
                                         "description": "open asks declined now"}}),
})

_ERROR_RESPONSES = {
    "400": "The request was not right (see error.code).",
    "401": "No bearer token, or it is unknown or revoked.",
    "403": "Not allowed (a claim of a device that is not yours to claim; a change only its owner may make).",
    "404": "Not found.",
    "409": "In conflict with what is there (a phone number another account uses; a device being moved; "
           "an offer answered already).",
    "405": "Wrong method.",
    "429": "Too many requests; wait (Retry-After when known).",
    "500": "Something went wrong in bff.",
    "502": "The device cloud refused the request.",
    "503": "The device cloud is busy or down; try again later.",
}


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


def _operation(summary: str, ok: tuple[str, str, str], errors: list[str], *, body: str | None = None,
               body_required: bool = True, auth: bool = True, params: list | None = None) -> dict:
    """One operation: its 2xx reply `ok` = (status, schema, description), its error statuses."""
    status, schema, description = ok
    responses = {status: _json(schema, description)}
    for code in sorted(set(errors) | {"405", "500"} | ({"401"} if auth else set())):
        responses[code] = _json("Error", _ERROR_RESPONSES[code])
    operation = {"summary": summary, "responses": responses}
    if not auth:
        operation["security"] = []
    if body:
        operation["requestBody"] = {"required": body_required,
                                    "content": {"application/json": {"schema": _ref(body)}}}
    if params:
        operation["parameters"] = params
    return operation


def _id_param(name: str) -> list:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}]


def _device_param(*more: str) -> list:
    device = {"name": "device_id", "in": "path", "required": True,
              "schema": {"type": "string", "minLength": 1, "maxLength": 100}}
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
        ["400"], body="SignInRequest", auth=False)},
    "/api/v1/tokens/current": {"delete": _operation(
        "Revoke the token this request carries", ("200", "Revoked", "Revoked."), [])},
    "/api/v1/products": {"get": _operation(
        "The Wi-Fi products bff serves", ("200", "ProductList", "Products."), _CLOUD)},
    "/api/v1/claim-codes": {"post": _operation(
        "Get a claim code for Wi-Fi setup", ("201", "IssuedClaimCode", "A new claim code."),
        ["400", "404", "429", *_CLOUD], body="ProductChoice", body_required=False)},
    "/api/v1/claim-codes/{code_id}": {"get": _operation(
        "What became of a claim code", ("200", "ClaimCodeStatus", "The code's status."),
        ["404", *_CLOUD], params=_id_param("code_id"))},
    "/api/v1/claim-codes/{code_id}/device": {"put": _operation(
        "Say which device was set up with the code", ("200", "ClaimCodeStatus", "The code's status."),
        ["400", "404", "429", *_CLOUD], body="DeviceReport", params=_id_param("code_id"))},
    "/api/v1/setup-token": {"post": _operation(
        "A short-lived customer token for Particle's setup libraries", ("201", "SetupToken", "A token."),
        ["400", "404", "429", *_CLOUD], body="ProductChoice", body_required=False)},
    "/api/v1/devices": {"get": _operation(
        "The person's devices", ("200", "DeviceList", "Devices."), _CLOUD)},
    "/api/v1/claims": {"post": _operation(
        "Claim a device with its QR tag or box code", ("200", "Claim", "The claim (new or the same one)."),
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
