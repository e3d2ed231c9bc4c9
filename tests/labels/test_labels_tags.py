"""QR possession tags and claim URLs."""
from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bff import labels

from bff.labels import qr as labels_qr
from bff.labels.qr import canonical_device_id
from bff.labels import claim_url, device_claim_url, qr_tag, verify_qr_tag

device_ids = st.text(alphabet="0123456789abcdefABCDEF", min_size=24, max_size=24)
keys = st.binary(min_size=1, max_size=64)
BASE32_LOWER = "abcdefghijklmnopqrstuvwxyz234567"
MALFORMED_DEVICE_IDS = ["", "3a0027", "3a0027000d4735303332363z", "3a0027000d47353033323637aa", None]


def test_tag_is_80_bits_of_hmac_sha256_of_the_lower_case_device_id(label_key, device_id):
    digest = hmac.new(label_key, device_id.encode(), hashlib.sha256).digest()
    assert qr_tag(label_key, device_id.upper()) == base64.b32encode(digest[:10]).decode().lower()
    assert labels.QR_TAG_BITS == 80 >= 64


def test_tag_is_16_url_safe_lower_case_symbols(label_key, device_id):
    tag = qr_tag(label_key, device_id)
    assert len(tag) == 16
    assert set(tag) <= set(BASE32_LOWER)


def test_a_text_key_means_its_utf8_bytes(device_id):
    assert qr_tag("clé", device_id) == qr_tag("clé".encode(), device_id)


def test_tags_differ_between_keys_and_between_devices(label_key, device_id):
    other_device = "3a0027000d47353033323638"
    assert qr_tag(label_key, device_id) != qr_tag(label_key + b"x", device_id)
    assert qr_tag(label_key, device_id) != qr_tag(label_key, other_device)


def test_the_right_tag_is_accepted_in_any_case(label_key, device_id):
    tag = qr_tag(label_key, device_id)
    assert verify_qr_tag(label_key, device_id, tag)
    assert verify_qr_tag(label_key, device_id.upper(), tag.upper())


@pytest.mark.parametrize("tag", ["", "a", "aaaaaaaaaaaaaaaa", "é" * 16, None, 12345])
def test_wrong_or_malformed_tags_are_refused(label_key, device_id, tag):
    assert verify_qr_tag(label_key, device_id, tag) is False


def test_a_tag_for_another_device_or_key_is_refused(label_key, device_id):
    tag = qr_tag(label_key, device_id)
    assert not verify_qr_tag(label_key, "3a0027000d47353033323638", tag)
    assert not verify_qr_tag(b"another key", device_id, tag)
    assert not verify_qr_tag(label_key, device_id, tag[:-1])


@pytest.mark.parametrize("bad_device_id", MALFORMED_DEVICE_IDS)
def test_malformed_device_ids_are_refused_not_raised(label_key, bad_device_id):
    assert verify_qr_tag(label_key, bad_device_id, "aaaaaaaaaaaaaaaa") is False


def test_verification_compares_in_constant_time(label_key, device_id, monkeypatch):
    comparisons = []
    real_compare = hmac.compare_digest

    def recording_compare(a, b):
        comparisons.append(1)
        return real_compare(a, b)

    monkeypatch.setattr(labels_qr.hmac, "compare_digest", recording_compare)
    assert verify_qr_tag(label_key, device_id, qr_tag(label_key, device_id))
    assert comparisons == [1]


@given(keys, device_ids, st.integers(min_value=0, max_value=15), st.sampled_from(BASE32_LOWER))
def test_only_the_exact_tag_verifies(key, device, position, symbol):
    tag = qr_tag(key, device)
    assert verify_qr_tag(key, device.lower(), tag)
    changed = tag[:position] + symbol + tag[position + 1 :]
    assert verify_qr_tag(key, device, changed) == (changed == tag)


@pytest.mark.parametrize("empty_key", [b"", ""])
def test_an_empty_key_is_refused(empty_key, device_id):
    with pytest.raises(ValueError, match="BFF_LABEL_KEY"):
        qr_tag(empty_key, device_id)


def test_device_ids_are_24_hex_characters_in_lower_case():
    assert canonical_device_id(" 3A0027000D47353033323637 ") == "3a0027000d47353033323637"
    with pytest.raises(ValueError):
        canonical_device_id("not-a-device")


@pytest.mark.parametrize(
    "base, expected_prefix",
    [
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000/d/"),
        ("https://claim.example.com/", "https://claim.example.com/d/"),
        ("https://example.com/bff/", "https://example.com/bff/d/"),
    ],
)
def test_claim_urls_have_one_slash_between_parts(base, expected_prefix, device_id):
    url = claim_url(base, device_id.upper(), "abcdefghijklmnop")
    assert url == f"{expected_prefix}{device_id}?k=abcdefghijklmnop"


def test_device_claim_url_carries_the_devices_tag(label_key, device_id, public_url):
    url = device_claim_url(public_url, label_key, device_id)
    assert url == f"{public_url}/d/{device_id}?k={qr_tag(label_key, device_id)}"
