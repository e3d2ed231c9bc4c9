"""Signing: what a delivery's headers are, and `verify` (the receivers' check) on the round trip,
tampering, another secret, stale and future timestamps, rotation (several `v1=`), missing headers."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from bff.webhooks.signing import signature, signed_headers, verify

SECRET = "s3cret-for-signing-tests"
BODY = b'{"created":1764600000,"data":{"device_id":"0123456789abcdef01234567"},"id":"evt_1","type":"device.claimed"}'
NOW = 1_764_600_000


def test_the_signature_is_the_hmac_sha256_of_timestamp_dot_body_in_hex():
    headers = signed_headers(SECRET, "evt_1", BODY, now=NOW + 0.9)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers == {"Content-Type": "application/json", "Bff-Event-Id": "evt_1",
                       "Bff-Timestamp": str(NOW), "Bff-Signature": f"v1={expected}"}
    assert signature(SECRET, NOW, BODY) == expected


def test_a_signed_delivery_verifies_with_headers_in_any_case():
    headers = signed_headers(SECRET, "evt_1", BODY, now=NOW)
    assert verify(SECRET, headers, BODY, now=NOW + 10)
    assert verify(SECRET, {name.lower(): value for name, value in headers.items()}, BODY, now=NOW)


@pytest.mark.parametrize("body", [BODY.replace(b"evt_1", b"evt_2"), BODY + b" ", b"", BODY[:-1]])
def test_a_changed_body_does_not_verify(body):
    assert not verify(SECRET, signed_headers(SECRET, "evt_1", BODY, now=NOW), body, now=NOW)


def test_another_secret_or_a_changed_timestamp_does_not_verify():
    headers = signed_headers(SECRET, "evt_1", BODY, now=NOW)
    assert not verify(SECRET + "x", headers, BODY, now=NOW)
    moved = {**headers, "Bff-Timestamp": str(NOW + 1)}  # replayed with a fresh time: the signature covers it
    assert not verify(SECRET, moved, BODY, now=NOW)


@pytest.mark.parametrize("offset, accepted", [(300, True), (-300, True), (301, False), (-301, False)])
def test_stale_or_future_timestamps_are_refused_beyond_the_tolerance(offset, accepted):
    headers = signed_headers(SECRET, "evt_1", BODY, now=NOW)
    assert verify(SECRET, headers, BODY, now=NOW + offset) is accepted
    assert verify(SECRET, headers, BODY, tolerance=1000, now=NOW + offset)


@pytest.mark.parametrize("mangle", [
    lambda h: {k: v for k, v in h.items() if k != "Bff-Signature"},
    lambda h: {k: v for k, v in h.items() if k != "Bff-Timestamp"},
    lambda h: {**h, "Bff-Timestamp": "yesterday"},
    lambda h: {**h, "Bff-Signature": h["Bff-Signature"].replace("v1=", "v0=")},
    lambda h: {**h, "Bff-Signature": "v1=" + "0" * 64},
    lambda h: {**h, "Bff-Signature": "v1=é"},
])
def test_missing_or_malformed_headers_do_not_verify(mangle):
    assert not verify(SECRET, mangle(signed_headers(SECRET, "evt_1", BODY, now=NOW)), BODY, now=NOW)


def test_any_v1_entry_may_match_while_a_secret_is_rotated():
    good = signed_headers(SECRET, "evt_1", BODY, now=NOW)["Bff-Signature"]
    headers = {"Bff-Timestamp": str(NOW), "Bff-Signature": f"v1={'a' * 64}, {good}"}
    assert verify(SECRET, headers, BODY, now=NOW)
