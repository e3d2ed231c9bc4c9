"""The fields of the JSON API's request bodies: one rule per kind of field, used twice, so the
OpenAPI document (bff/api/openapi_schemas.py) and the reader (`Field.read`) cannot disagree.

A field is a string with a length range (and a pattern, matched as JSON Schema matches it: a
search) or a boolean; `null` is never accepted (leave the field out instead). A body that breaks a
rule is a 400 `missing_field` / `invalid_field` (a device ID that is not one: `invalid_device_id`);
what a rule lets through is the services' to judge (a wrong code, an unknown phone number: their
own errors, each documented).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bff import errors
from bff.errors import ApiError


@dataclass(frozen=True)
class Field:
    """One kind of field: its JSON type and limits, and the words when a value breaks them."""

    type: str = "string"  # "string" or "boolean"
    min_length: int = 1
    max_length: int | None = None
    pattern: str | None = None
    refusal: type[errors.BffError] | None = None  # raised instead of invalid_field on a pattern miss
    doc: dict = field(default_factory=dict)  # description, examples

    def schema(self, description: str | None = None) -> dict:
        """The field in JSON Schema (OpenAPI 3.1)."""
        if self.type != "string":
            return {"type": self.type, **self.doc, **({"description": description} if description else {})}
        limits = {"minLength": self.min_length}
        if self.max_length is not None:
            limits["maxLength"] = self.max_length
        if self.pattern is not None:
            limits["pattern"] = self.pattern
        return {"type": "string", **limits, **self.doc, **({"description": description} if description else {})}

    def read(self, body: dict, name: str, *, required: bool = False):
        """The field's value (None when absent); a 400 when missing but required, or against the rule."""
        if name not in body:
            if required:
                raise ApiError(f"missing {name}", code="missing_field", public_message=f"The field {name} is missing.",
                               next_step=f"Send {name} and try again.")
            return None
        value = body[name]
        if not self._fits(value):
            raise self._error(name, value)
        return value

    def _fits(self, value) -> bool:
        if self.type == "boolean":
            return isinstance(value, bool)
        if not isinstance(value, str) or len(value) < self.min_length:
            return False
        return self.max_length is None or len(value) <= self.max_length

    def _error(self, name: str, value) -> errors.BffError:
        return ApiError(f"bad {name}", code="invalid_field", public_message=f"The field {name} must be {self.words}.",
                        next_step=f"Fix {name} and try again.")

    @property
    def words(self) -> str:
        if self.type == "boolean":
            return "true or false"
        most = f" and at most {self.max_length}" if self.max_length is not None else ""
        return f"text of at least {self.min_length}{most} characters"


@dataclass(frozen=True)
class PatternField(Field):
    """A string field that must match a pattern (as JSON Schema matches: `re.search`)."""

    def _fits(self, value) -> bool:
        return super()._fits(value) and re.search(self.pattern, value) is not None

    def _error(self, name: str, value) -> errors.BffError:
        if self.refusal is not None and isinstance(value, str):
            return self.refusal(f"{name} {value[:40]!r} does not match {self.pattern}")
        return super()._error(name, value)


PHONE = Field(max_length=40, doc={"examples": ["+12015550123"]})
SIGN_IN_CODE = Field(max_length=20)
TOKEN_NAME = Field(min_length=0, max_length=80)
PRODUCT = Field(max_length=100)
DEVICE_ID = PatternField(pattern="^[0-9A-Fa-f]{24}$", refusal=errors.InvalidDeviceId,
                         doc={"examples": ["e00fce68a1b2c3d4e5f60718"]})
TAG = Field(max_length=64)  # the QR tag: 16 base32 symbols; any other text is refused as a wrong tag (403)
LABEL_CODE = Field(max_length=64)  # as typed, with spaces or dashes (bff/labels/codes.py reads no more)
SERIAL = Field(max_length=64)  # a serial number or ICCID as printed, spaces and dashes allowed
FLAG = Field(type="boolean")


def read_proof(body: dict) -> tuple[str | None, str | None]:
    """(tag, label_code) of a body that proves the box is in hand; refused when it has neither."""
    tag, label_code = TAG.read(body, "tag"), LABEL_CODE.read(body, "label_code")
    if not tag and not label_code:
        raise ApiError("no tag or label_code", code="missing_field",
                       public_message="Send the tag from the box QR code or the box code.",
                       next_step="Add tag or label_code and try again.")
    return tag, label_code

