"""Phone numbers: the one parser (phonenumbers) every channel uses; people are stored as E.164."""
from __future__ import annotations

import re

import phonenumbers

from bff.errors import InvalidPhoneNumber

PHONE_TEXT_LIMIT = 40  # characters of typed phone number worth parsing
DEFAULT_REGION = "US"
E164 = re.compile(r"\+[1-9][0-9]{6,14}")  # ASCII digits only: `\d` would also match Arabic-Indic or full-width digits


def normalize_phone(text: str, default_region: str = DEFAULT_REGION) -> str:
    """The phone number in `text` as E.164 (+12015550123); raises InvalidPhoneNumber."""
    text = (text or "").strip()
    if not text or len(text) > PHONE_TEXT_LIMIT:
        raise InvalidPhoneNumber("empty or overlong phone number")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"unparsable phone number: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_or_normalized(text: str, default_region: str = DEFAULT_REGION) -> str:
    """Text already in E.164 (as Twilio sends `From`) is kept as it is, so fictional test numbers
    such as +12015550123 work; anything else is parsed. Raises InvalidPhoneNumber."""
    stripped = (text or "").strip()
    if E164.fullmatch(stripped):
        return stripped
    return normalize_phone(stripped, default_region)


def pretty_phone(phone: str) -> str:
    """+12015550123 as "+1 201-555-0123", for a person to check it is their number."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def masked_phone(phone: str | None, *, unknown: str = "another number", hidden: str = "•••") -> str:
    """Someone's number as others may see it: its last four digits ("••• 0199"; the operators'
    console writes `hidden="••• •••"`)."""
    digits = "".join(c for c in phone or "" if c.isdigit())
    return f"{hidden} {digits[-4:]}" if digits else unknown

