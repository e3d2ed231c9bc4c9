"""What the operators' one search box finds: devices and people, by whatever the operator typed.

A device by its ID (whole, or a prefix of at least 6 characters), its label code (any case, with or
without dashes, look-alike letters folded), or its serial number (any case); a person by phone
number (any format) or by one of their shadow-customer usernames. Every key is tried; the matches
are put together without repeats. A whole device ID always leads to its doctor, known or not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import url_for

from bff.accounts.phones import e164_or_normalized
from bff.errors import InvalidPhoneNumber
from bff.labels import codes
from bff.operators.service import shown_phone
from bff.particle.client import CUSTOMER_USERNAME_DOMAIN

MIN_PREFIX = 6
LONGEST_QUERY = 100
SEARCHABLE = ("a device ID (whole, or its first 6 characters or more)", "a label code",
              "a serial number", "a phone number", "a customer username")
_HEX = re.compile(r"[0-9a-f]+")
_SERIAL = re.compile(r"[A-Za-z0-9]{6,40}")
_PHONE = re.compile(r"[+\d\s().-]{7,40}")


@dataclass(frozen=True)
class Found:
    """One match: a device or a person, and the page about it."""

    kind: str  # "device" or "person"
    key: str
    title: str
    detail: str
    url: str


def find(store, text: str, viewer) -> list[Found]:
    """Every device and person `text` names (without repeats, devices first)."""
    text = text.strip()[:LONGEST_QUERY]
    found: dict[tuple[str, str], Found] = {}
    for finder in (_by_device_id, _by_label_code, _by_serial_number, _by_phone, _by_username):
        for match in finder(store, text, viewer):
            found.setdefault((match.kind, match.key), match)
    return list(found.values())


def _by_device_id(store, text: str, viewer) -> list[Found]:
    compact = re.sub(r"[\s-]", "", text).lower()
    if not _HEX.fullmatch(compact) or not MIN_PREFIX <= len(compact) <= 24:
        return []
    if len(compact) == 24:
        return [_device(store.device(compact) or {"device_id": compact}, "device ID")]
    return [_device(row, "device ID starts so") for row in store.devices_by_id_prefix(compact)]


def _by_label_code(store, text: str, viewer) -> list[Found]:
    try:
        code = codes.normalize_label_code(text)
    except codes.LabelCodeError:
        return []
    row = store.device_by_label_code(code)
    return [_device(row, "label code")] if row else []


def _by_serial_number(store, text: str, viewer) -> list[Found]:
    if not _SERIAL.fullmatch(text):
        return []
    return [_device(row, "serial number") for row in store.devices_by_serial_number(text)]


def _by_phone(store, text: str, viewer) -> list[Found]:
    if not _PHONE.fullmatch(text) or sum(char.isdigit() for char in text) < 7:
        return []
    try:
        phone = e164_or_normalized(text)
    except InvalidPhoneNumber:
        return []
    row = store.user_by_phone(phone)
    return [_person(row, viewer, "phone number")] if row else []


def _by_username(store, text: str, viewer) -> list[Found]:
    name = text.lower()
    if not name.startswith("bff-"):
        return []
    row = store.shadow_customer_by_username(name if "@" in name else f"{name}@{CUSTOMER_USERNAME_DOMAIN}")
    return [_person(store.user(row["user_id"]) or {"id": row["user_id"]}, viewer, "customer username")] if row else []


def _device(row: dict, why: str) -> Found:
    device_id = row["device_id"]
    facts = [f"found by {why}"]
    if row.get("label_code"):
        facts.append(f"label {codes.format_label_code(row['label_code'])}")
    if row.get("serial_number"):
        facts.append(f"serial {row['serial_number']}")
    if row.get("product_key"):
        facts.append(f"product {row['product_key']}")
    elif "created_at" not in row:
        facts.append("not known to bff yet")
    return Found("device", device_id, row.get("name") or device_id, "; ".join(facts),
                 url_for("ops.device", device_id=device_id))


def _person(row: dict, viewer, why: str) -> Found:
    who = row.get("login") or shown_phone(row.get("phone"), viewer) or f"person {row['id']}"
    return Found("person", str(row["id"]), who, f"person {row['id']}, found by {why}",
                 url_for("ops.person", person_id=row["id"]))
