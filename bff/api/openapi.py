"""The JSON API described in OpenAPI 3.1 (served as `/api/v1/openapi.json`), written by hand.

Kept true by tests: tests/api checks every response they get against this document, and
schemathesis fuzzes every operation against it. Change a route, change this file.
"""
from __future__ import annotations

import copy

_ERROR_CODES = [
    "bad_request", "missing_field", "invalid_field", "not_signed_in", "invalid_token", "not_found",
    "method_not_allowed", "too_large", "unsupported_media_type", "too_many_requests", "internal_error",
    "invalid_phone", "too_many_sign_in_codes", "sign_in_code_locked", "sign_in_code_expired",
    "wrong_sign_in_code", "choose_product", "no_wifi_product", "too_many_claims", "claim_refused",
    "bad_label_code", "invalid_device_id", "label_code_needed", "number_taken", "no_number_change",
    "number_change_refused", "cloud_busy", "cloud_unavailable", "cloud_error", "unavailable",
]


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

_ERROR_RESPONSES = {
    "400": "The request was not right (see error.code).",
    "401": "No bearer token, or it is unknown or revoked.",
    "403": "Not allowed (a claim of a device that is not yours to claim).",
    "404": "Not found.",
    "409": "In conflict with what is there (a phone number another account uses).",
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


_CLOUD = ["502", "503"]

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

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "bff setup API",
        "version": "1.0.0",
        "description": (
            "For setup apps: sign in by phone (a texted code) to get a bff API token; get a Wi-Fi "
            "claim code, hand it to the Photon over SoftAP, and follow it until the device is "
            "online and yours (or bff says why not). Every error has the shape "
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
