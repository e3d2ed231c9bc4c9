"""Reading the Particle cloud's replies: error bodies into typed errors, results into dataclasses.

Part of the Particle client (bff/particle/client.py); no HTTP here. The cloud answers errors in several
JSON shapes (docs/particle.md#error-shapes): OAuth `{"error", "error_description"}`,
`{"ok": false, "error", "info"}`, `{"errors": [...]}`, and sometimes not JSON at all (proxies,
outages). `cloud_error` reads them all and picks the error family from the status and the words.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from bff.errors import (
    AlreadyExists,
    BadRequest,
    CloudError,
    CloudUnavailable,
    DeviceNotFound,
    DeviceNotInProduct,
    DeviceOffline,
    DeviceOwnedByOther,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
)

DEFAULT_RETRY_AFTER_SECONDS = 60.0  # when a 429 carries no usable Retry-After
MESSAGE_LIMIT = 300  # characters of a cloud message kept on an error

_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.:-]+$")
_TAGS = re.compile(r"<[^>]+>")

# Words the cloud (or the sandbox, or older Particle servers) uses for each family.
_OWNED_BY_OTHER = ("belongs to someone else", "owned by someone else", "owned by another")
_OFFLINE = ("offline", "not connected", "not online", "must be online", "is not currently connected")
_NOT_IN_PRODUCT = ("not in product", "not in this product", "not in the product", "not part of",
                   "not a member", "isn't part of", "not been added to", "not found in product")
_DEVICE_NOT_FOUND = ("device not found", "didn't recognize that device", "unknown device",
                     "no such device", "device does not exist")
_ALREADY_EXISTS = ("already exists", "already exist", "already taken", "already in use",
                   "already registered")


def json_body(response: requests.Response) -> Any:
    """The reply's JSON, or None when it is empty or not JSON."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def read_error_body(text: str) -> tuple[str, str]:
    """(code, message) from an error body in any of the cloud's shapes.

    `code` is a machine word such as `invalid_token` when the body has one; `message` joins
    every human text found (error, error_description, errors[], info, message).
    """
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        plain = " ".join(_TAGS.sub(" ", text).split())
        return "", plain[:MESSAGE_LIMIT]
    code = ""
    parts: list[str] = []
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str) and _ERROR_CODE.match(error):
            code = error
        for key in ("error", "error_description", "errors", "info", "message"):
            parts.extend(_texts(body.get(key)))
    else:
        parts.extend(_texts(body))
    unique = list(dict.fromkeys(part.strip() for part in parts if part and part.strip()))
    return code, "; ".join(unique)[:MESSAGE_LIMIT]


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    if isinstance(value, dict):
        return [text for key in ("message", "error", "description") for text in _texts(value.get(key))]
    return []


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), else the default."""
    if not value:
        return DEFAULT_RETRY_AFTER_SECONDS
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def cloud_error(response: requests.Response, method: str, path: str) -> CloudError:
    """The typed error for a failed reply (any status >= 300)."""
    return classify(response.status_code, response.text, response.headers.get("Retry-After"),
                    method=method, path=path)


def classify(status: int, text: str, retry_after: str | None = None, *,
             method: str = "", path: str = "") -> CloudError:
    """Pick the error family from the status code and the words of the reply."""
    code, message = read_error_body(text)
    said = message.lower()
    facts = {"status": status, "method": method, "path": path, "cloud_message": message, "raw": text}

    if status in (429, 529):  # 529: the SSE rate-limit text in Particle's docs (likely a typo)
        return RateLimited(retry_after=retry_after_seconds(retry_after), **facts)
    if status >= 500:
        return CloudUnavailable(**facts)
    if status == 401 or code in ("invalid_token", "invalid_client"):
        return Unauthorized(**facts)
    if _mentions(said, _OWNED_BY_OTHER):
        return DeviceOwnedByOther(**facts)
    if _mentions(said, _OFFLINE):
        return DeviceOffline(**facts)
    if _mentions(said, _NOT_IN_PRODUCT):
        return DeviceNotInProduct(**facts)
    if "product not found" in said:  # a product key bff is configured with, unknown to the cloud
        return NotFound(**facts)
    if _mentions(said, _DEVICE_NOT_FOUND) or (status == 404 and _is_device_path(path)):
        return DeviceNotFound(**facts)
    if status == 408:  # "cloud timed out reaching device"
        return DeviceOffline(**facts)
    if status == 409 or code == "customer_exists" or _mentions(said, _ALREADY_EXISTS):
        return AlreadyExists(**facts)
    if status == 403 or code == "unauthorized":  # "unauthorized" with 400: not allowed (API users)
        return Forbidden(**facts)
    if status == 404:
        return NotFound(**facts)
    if 400 <= status < 500:
        return BadRequest(**facts)
    return CloudUnavailable(**facts)  # 3xx: the API never redirects; something is in between


def _is_device_path(path: str) -> bool:
    """A route about one device (by ID or serial number)."""
    return "/devices/" in path or path.startswith("/v1/serial_numbers/")


def _mentions(text: str, phrases: tuple[str, ...]) -> bool:
    return any(phrase in text for phrase in phrases)


def claim_outcome(response: requests.Response, error: CloudError | None) -> CloudError | None:
    """The error a claim reply means, if any (`refine` hook of the claim request).

    Particle staff (2016): claiming an offline device gives "no error message just {}", on
    purpose. So a reply that says nothing (`{}`, an empty body, a bare `{"ok": false}`) on any
    status but 401, 429 and 5xx means the device is offline. A 2xx with `"ok": false` and a
    message is read as the error it names.
    """
    if isinstance(error, (Unauthorized, RateLimited, CloudUnavailable)):
        return error
    body = json_body(response)
    if response.content and body is None:  # not JSON: keep whatever the status said
        return error
    message = read_error_body(response.text)[1]
    if not message and (error is not None or not body or body == {"ok": False}):
        return DeviceOffline("the cloud gave no answer to the claim (device offline?)",
                             status=response.status_code, method=response.request.method,
                             path=response.request.path_url, raw=response.text)
    if error is None and isinstance(body, dict) and body.get("ok") is False:
        return classify(400, response.text, method=response.request.method,
                        path=response.request.path_url)
    return error


@dataclass(frozen=True)
class Token:
    """An access token and when it expires (None: never). The token never shows in repr."""

    access_token: str = field(repr=False)
    expires_at: float | None

    @classmethod
    def from_reply(cls, body: dict, now: float) -> Token:
        """From token JSON (`access_token`, `expires_in` seconds; 0 or none: never expires)."""
        try:
            lifetime = float(body.get("expires_in") or 0)
        except (TypeError, ValueError):
            lifetime = 0.0
        return cls(access_token=body["access_token"], expires_at=now + lifetime if lifetime else None)


@dataclass(frozen=True)
class ProductInfo:
    key: str  # as configured (id or slug)
    id: int | None
    slug: str | None
    name: str | None
    platform_id: int | None


@dataclass(frozen=True)
class ClaimCode:
    code: str
    expires_at: float  # epoch seconds: one hour after it was made
    device_ids: list[str]  # devices the customer already owns


@dataclass(frozen=True)
class ImportResult:
    """What `POST /v1/products/:p/devices` did with each identifier sent."""

    updated: int
    updated_device_ids: list[str]
    existing_device_ids: list[str]
    nonmember_device_ids: list[str]
    invalid_device_ids: list[str]
    protected_device_ids: list[str]

    @classmethod
    def from_reply(cls, body: Any) -> ImportResult:
        body = body if isinstance(body, dict) else {}
        lists = {
            name: list(body.get(key) or [])
            for name, key in (
                ("updated_device_ids", "updatedDeviceIds"),
                ("existing_device_ids", "existingDeviceIds"),
                ("nonmember_device_ids", "nonmemberDeviceIds"),
                ("invalid_device_ids", "invalidDeviceIds"),
                ("protected_device_ids", "protectedDeviceIds"),
            )
        }
        updated = body.get("updated")
        return cls(updated=int(updated) if updated is not None else len(lists["updated_device_ids"]), **lists)

    def summary(self) -> str:
        """One line for operators, e.g. `Added 3. Already in the product: 1. Refused ...`."""
        parts = [f"Added {self.updated}."]
        for label, ids in (
            ("Already in the product", self.existing_device_ids),
            ("Refused, owned by another account", self.nonmember_device_ids),
            ("Refused, not valid for this product", self.invalid_device_ids),
            ("Refused, protected devices", self.protected_device_ids),
        ):
            if ids:
                parts.append(f"{label}: {len(ids)} ({', '.join(ids[:5])}{', ...' if len(ids) > 5 else ''}).")
        return " ".join(parts)


@dataclass(frozen=True)
class SerialLookup:
    serial_number: str
    device_id: str | None
    iccid: str | None
    platform_id: int | None

    @classmethod
    def from_reply(cls, serial_number: str, body: Any) -> SerialLookup:
        """Docs say `deviceID`/`iccid`; particle-api-js types say `device_id`/`platform_id`: read both."""
        body = body if isinstance(body, dict) else {}
        device_id = body.get("deviceID") or body.get("device_id") or body.get("id")
        return cls(serial_number=serial_number, device_id=str(device_id).lower() if device_id else None,
                   iccid=body.get("iccid"), platform_id=body.get("platform_id"))
