"""Reading the cloud's error replies into bff's typed errors (no HTTP: pure functions)."""
from __future__ import annotations

import json
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from bff.errors import (
    AlreadyExists, BadRequest, CloudError, CloudUnavailable, DeviceNotFound, DeviceNotInProduct,
    DeviceOffline, DeviceOwnedByOther, Forbidden, NotFound, RateLimited, Unauthorized,
)
from bff.particle.replies import DEFAULT_RETRY_AFTER_SECONDS, classify, read_error_body, retry_after_seconds

CLAIM = {"method": "POST", "path": "/v1/devices"}


@pytest.mark.parametrize("status, body, family", [
    # OAuth family
    (401, {"error": "invalid_token", "error_description": "The access token provided is invalid."}, Unauthorized),
    (400, {"error": "invalid_client", "error_description": "Client credentials are invalid"}, Unauthorized),
    (400, {"error": "invalid_grant", "error_description": "User credentials are invalid"}, BadRequest),
    (403, {"error": "mfa_required", "error_description": "Multifactor authentication required"}, Forbidden),
    (400, {"error": "unauthorized", "error_description": "API users are not allowed to call this endpoint"}, Forbidden),
    (400, {"error": "customer_exists", "error_description": "A customer with this email already exists"}, AlreadyExists),
    # errors array (the claim endpoint), old and new
    (403, {"errors": ["That belongs to someone else."]}, DeviceOwnedByOther),
    (403, {"ok": False, "errors": ["That belongs to someone else. To request a transfer add "
                                   "?request_transfer=true to the URL."]}, DeviceOwnedByOther),
    (400, {"error": "The device belongs to someone else.", "ok": False}, DeviceOwnedByOther),
    (404, {"ok": False, "errors": ["device not found"]}, DeviceNotFound),
    (400, {"ok": False, "errors": ["Device is offline"]}, DeviceOffline),
    (400, {"ok": False, "errors": ["Device is not connected"]}, DeviceOffline),
    # ok/error/info
    (403, {"ok": False, "error": "Permission Denied",
           "info": "I didn't recognize that device name or ID, try opening https://api.particle.io"}, DeviceNotFound),
    (403, {"ok": False, "error": "Permission Denied", "info": "This access token has no access"}, Forbidden),
    (404, {"ok": False, "error": "Device not found.", "info": "That device is not in this product"}, DeviceNotInProduct),
    (404, {"ok": False, "error": "Product not found.", "info": "No product with id or slug 'x'"}, NotFound),
    (400, {"ok": False, "error": "event prefix filter is required"}, BadRequest),
    (408, {"ok": False, "error": "Timed out."}, DeviceOffline),
    (409, {"ok": False, "error": "Conflict"}, AlreadyExists),
    (422, {"message": "Invalid Schema"}, BadRequest),
    # limits and outages, JSON or not
    (429, {"error": "too_many_requests"}, RateLimited),
    (529, {}, RateLimited),
    (500, {"ok": False, "error": "Internal Server Error"}, CloudUnavailable),
    (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", CloudUnavailable),
    (503, "", CloudUnavailable),
    (404, "", NotFound),
    (302, "", CloudUnavailable),
])
def test_every_shape_maps_to_its_family(status, body, family):
    text = body if isinstance(body, str) else json.dumps(body)
    error = classify(status, text, **CLAIM)
    assert type(error) is family
    assert (error.status, error.method, error.path, error.raw) == (status, "POST", "/v1/devices", text)


def test_a_404_on_a_device_path_is_an_unknown_device():
    assert type(classify(404, "{}", method="GET", path="/v1/products/p/devices/abc")) is DeviceNotFound
    assert type(classify(404, "{}", method="GET", path="/v1/products/p")) is NotFound


@pytest.mark.parametrize("text, code, message", [
    ('{"error": "invalid_token", "error_description": "The access token provided is invalid."}',
     "invalid_token", "invalid_token; The access token provided is invalid."),
    ('{"ok": false, "error": "Permission Denied", "info": "I didn\'t recognize that device"}',
     "", "Permission Denied; I didn't recognize that device"),
    ('{"errors": ["a", {"message": "b"}, "a"]}', "", "a; b"),
    ('["x", "y"]', "", "x; y"),
    ('{"error": {"message": "nested"}}', "", "nested"),
    ('{}', "", ""),
    ("", "", ""),
    ("<h1>Bad   Gateway</h1>\n", "", "Bad Gateway"),
    ('"just a string"', "", "just a string"),
])
def test_read_error_body(text, code, message):
    assert read_error_body(text) == (code, message)


@given(st.text(max_size=300))
def test_any_text_reads_without_failing(text):
    code, message = read_error_body(text)
    assert isinstance(code, str) and isinstance(message, str) and len(message) <= 300


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@given(st.integers(min_value=300, max_value=599), json_values)
def test_any_json_reply_becomes_a_cloud_error_with_plain_words(status, body):
    error = classify(status, json.dumps(body), method="GET", path="/v1/x")
    assert isinstance(error, CloudError)
    assert error.public_message and error.next_step
    assert error.retryable == isinstance(error, (CloudUnavailable, RateLimited, DeviceOffline))


def test_retry_after():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("2.5") == 2.5
    assert retry_after_seconds(None) == DEFAULT_RETRY_AFTER_SECONDS
    assert retry_after_seconds("soon") == DEFAULT_RETRY_AFTER_SECONDS
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(later, now=now.timestamp()) == 30.0
    assert retry_after_seconds(format_datetime(now, usegmt=True), now=now.timestamp() + 5) == 0.0
    assert classify(429, "{}", "12").retry_after == 12.0
    assert classify(429, "{}").retry_after == DEFAULT_RETRY_AFTER_SECONDS


def test_customers_never_see_the_cloud_words():
    error = classify(403, json.dumps({"errors": ["That belongs to someone else."]}), **CLAIM)
    assert "someone else" not in error.customer_text
    assert "someone else" in str(error)  # operators do
    # unknown and someone else's devices read the same to a customer (docs/particle.md#device-ids)
    unknown = classify(404, json.dumps({"errors": ["device not found"]}), **CLAIM)
    assert unknown.customer_text == error.customer_text
