"""The JSON API's schemas (components/schemas of bff/api/openapi.py): replies, and request bodies
whose every field is stated by its rule in bff/api/fields.py (the rule the reader applies).
"""
from __future__ import annotations

from bff.api import fields
from bff.devices.platforms import PLATFORMS, UNKNOWN_WORD
from bff.web.errors import ERROR_STATUS, HTTP_CODES

# Every code an error may carry: the one table of bff's errors and the HTTP errors' own codes (never
# written twice, so a new error cannot be missing here), plus the API's request-reading codes.
_ERROR_CODES = sorted({code for _, _, code in ERROR_STATUS} | set(HTTP_CODES.values())
                      | {"missing_field", "invalid_field", "invalid_token"})


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **more) -> dict:
    return {"type": [kind, "null"], **more}


def _object(properties: dict, *, required: list[str] | None = None) -> dict:
    """A reply object: exactly these properties, every one present (unless `required` says)."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required,
            "additionalProperties": False}


def _request(properties: dict, *, required: list[str], one_of_each: tuple[tuple[str, ...], ...] = ()) -> dict:
    """A request object: these fields (others are ignored, so they are allowed); `one_of_each`: groups
    of fields of which at least one must be sent."""
    schema = {"type": "object", "properties": properties, "required": required}
    if one_of_each:
        schema["allOf"] = [{"anyOf": [{"required": [name]} for name in group]} for group in one_of_each]
    return schema


_PROOF = ("tag", "label_code")  # a claim or an ask proves the box is at hand with one of these


_TIME = {"type": "string", "format": "date-time"}

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
    "ProductList": _object({"products": {"type": "array", "items": ref("Product")}}),
    "SignInCodeRequest": _request({"phone": fields.PHONE.schema()}, required=["phone"]),
    "SignInCodeSent": _object({"phone": {"type": "string", "description": "E.164"},
                               "expires_in": {"type": "integer", "minimum": 0}}),
    "SignInRequest": _request({
        "phone": fields.PHONE.schema(),
        "code": fields.SIGN_IN_CODE.schema("the 6 digits from the text"),
        "name": fields.TOKEN_NAME.schema("a name for this token (the app's)"),
    }, required=["phone", "code"]),
    "SignedIn": _object({
        "token": {"type": "string", "description": "send as Authorization: Bearer <token>"},
        "token_type": {"const": "bearer"},
        "user": _object({"id": {"type": "integer"}, "phone": _nullable("string")}),
    }),
    "Revoked": _object({"revoked": {"const": True}}),
    "ProductChoice": _request({"product": fields.PRODUCT.schema("key, slug, name or id; optional when bff "
                                                                "serves one Wi-Fi product")}, required=[]),
    "IssuedClaimCode": _object({
        "id": {"type": "integer", "description": "follow it at status_url"},
        "claim_code": {"type": "string", "description": "hand to the device: SoftAP set {k: cc, v: code}"},
        "expires_at": _TIME,
        "expires_in": {"type": "integer", "minimum": 0},
        "product": ref("Product"),
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
        "product": ref("Product"),
        "created_at": _TIME,
        "expires_at": _TIME,
        "expires_in": {"type": "integer", "minimum": 0},
        "code_hint": {"type": "string", "description": "the code's last characters"},
        "device_id": _nullable("string", description="the device that arrived"),
        "device_name": _nullable("string"),
        "reported_device_id": _nullable("string"),
        "diagnosis": {"oneOf": [ref("Diagnosis"), {"type": "null"}],
                      "description": "why the device has not arrived (open: so far; expired: final)"},
        "title": {"type": "string"},
        "message": {"type": "string"},
        "next_step": {"type": "string"},
        "version": {"type": "string", "description": "changes when anything shown here changes"},
    }),
    "DeviceReport": _request({"device_id": fields.DEVICE_ID.schema("24 hex characters, as SoftAP device-id "
                                                                   "gives it")}, required=["device_id"]),
    "SetupToken": _object({
        "access_token": {"type": "string", "description": "a Particle customer token; short-lived"},
        "token_type": {"const": "bearer"},
        "expires_in": {"type": "integer", "minimum": 0},
        "expires_at": _nullable("string", format="date-time"),
        "product": ref("Product"),
        "id": {"type": "integer", "description": "follow the setup at status_url, as for a claim code"},
        "status_url": {"type": "string"},
    }),
    "Device": _object({
        "device_id": {"type": "string"},
        "name": _nullable("string"),
        "product": {"type": "string"},
        "product_name": {"type": "string"},
        "platform": {"type": "string", "description": "Particle's platform: "
                     f"{', '.join(sorted(PLATFORMS.values()))}, or {UNKNOWN_WORD} for one bff does not know"},
        "online": _nullable("boolean"),
        "shared": {"type": "boolean", "description": "shared with you by its owner: you may see and rename "
                                                     "it, not remove, give or share it"},
    }),
    "DeviceList": _object({"devices": {"type": "array", "items": ref("Device")}}),
    "ClaimRequest": _request({
        "device_id": fields.DEVICE_ID.schema("needed unless serial_number or iccid is sent"),
        "tag": fields.TAG.schema("k from the box QR link"),
        "label_code": fields.LABEL_CODE.schema("the code printed on the box"),
        "serial_number": fields.SERIAL.schema("instead of device_id; only with label_code (a serial is "
                                              "printed on the device: it proves nothing alone)"),
        "iccid": fields.SERIAL.schema("the SIM's number, instead of device_id; only with label_code"),
    }, required=[], one_of_each=(("device_id", "serial_number", "iccid"), _PROOF)),
    "NumberChangeRequest": _request({
        "phone": fields.PHONE.schema(),
        "old_number_lost": fields.FLAG.schema("no code to the old number: an operator finishes the move "
                                              "after checking it is you"),
    }, required=["phone"]),
    "NumberCodes": _request({
        "new_code": fields.SIGN_IN_CODE.schema("the 6 digits texted to the new number"),
        "old_code": fields.SIGN_IN_CODE.schema("the 6 digits texted to the old number"),
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
        "status_url": {"type": "string", "description": "GET it to follow the claim (202: it is still requested)"},
    }),
}

SCHEMAS.update({
    "PhoneRequest": _request({"phone": fields.PHONE.schema()}, required=["phone"]),
    "Proof": _request({"tag": fields.TAG.schema("k from the box QR link"),
                       "label_code": fields.LABEL_CODE.schema("the code printed on the box")},
                      required=[], one_of_each=(_PROOF,)),
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
    "OfferList": _object({"to_answer": {"type": "array", "items": ref("Offer"),
                                        "description": "open questions to you, newest first"},
                          "made": {"type": "array", "items": ref("Offer"),
                                   "description": "open offers you made, newest first"}}),
    "Move": _object({
        "id": {"type": "integer"},
        "device_id": {"type": "string"},
        "kind": {"type": "string", "enum": ["remove", "give", "ask"]},
        "state": {"type": "string", "enum": ["requested", "released", "done", "failed"],
                  "description": "requested, released: under way (bff finishes it)"},
        "done": {"type": "boolean"},
    }),
    "Answer": _object({"offer": ref("Offer"), "accepted": {"type": "boolean"},
                       "move": {"oneOf": [ref("Move"), {"type": "null"}]}, "message": {"type": "string"}}),
    "Share": _object({"id": {"type": "integer"}, "device_id": {"type": "string"},
                      "shared_with_you": {"type": "boolean"},
                      "shared_with": _nullable("string", description="for the owner: the number's last 4 digits "
                                                                     "(\"••• 0199\"); null for the shared person"),
                      "created_at": _TIME}),
    "ShareList": _object({"shares": {"type": "array", "items": ref("Share")}}),
    "ShareEnded": _object({"id": {"type": "integer"}, "ended": {"const": True}}),
    "AsksStopped": _object({"asks_stopped": {"type": "boolean"},
                            "declined": {"type": "integer", "minimum": 0,
                                         "description": "open asks declined now"}}),
})
