"""How bff signs each event delivery, and `verify`, the check a receiver runs (copy it).

Headers of every delivery:
- `Bff-Event-Id`: the event's id (`evt_...`, also in the body); receivers deduplicate by it;
- `Bff-Timestamp`: when this attempt was signed, Unix seconds;
- `Bff-Signature`: `v1=<hex HMAC-SHA256 of "<timestamp>.<body>" under BFF_WEBHOOK_SECRET>`.

The scheme is the one Stripe (`Stripe-Signature: t=...,v1=...`) and GitHub (`X-Hub-Signature-256`)
use: the timestamp is inside what is signed, so an old request replayed later is refused by its
age, and the raw body is signed byte for byte. It is written here with hmac and hashlib: no library
signs exactly this for a sender (Stripe's and GitHub's SDKs only verify their own headers, and the
"Standard Webhooks" library uses other header names and a base64 secret format), and the whole
thing is a few lines of the standard library.
"""
from __future__ import annotations

import hashlib
import hmac
import time

ID_HEADER = "Bff-Event-Id"
TIMESTAMP_HEADER = "Bff-Timestamp"
SIGNATURE_HEADER = "Bff-Signature"
VERSION = "v1"
TOLERANCE_SECONDS = 300  # a receiver refuses a delivery signed longer ago (or ahead) than this


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, event_id: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """The headers of one delivery attempt (signed afresh each attempt, so the timestamp is current)."""
    timestamp = int(time.time() if now is None else now)
    return {
        "Content-Type": "application/json",
        ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"{VERSION}={signature(secret, timestamp, body)}",
    }


def verify(secret: str, headers, body: bytes, tolerance: int = TOLERANCE_SECONDS,
           now: float | None = None) -> bool:
    """True when `body` was signed by bff with `secret` within `tolerance` seconds of now.

    `headers`: any mapping of the request's headers (names in any case). Compare in constant
    time; accept any `v1=` entry (several appear while a secret is being rotated).
    """
    found = {str(name).lower(): str(value) for name, value in headers.items()}
    try:
        timestamp = int(found.get(TIMESTAMP_HEADER.lower(), ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    offered = [part.strip()[len(VERSION) + 1:] for part in found.get(SIGNATURE_HEADER.lower(), "").split(",")
               if part.strip().startswith(VERSION + "=")]
    return any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in offered)
