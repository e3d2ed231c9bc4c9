"""Device IDs: 24 hexadecimal characters in any case, kept in lower case; anything else refused."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from bff.device_ids import normalize_device_id
from bff.errors import InvalidDeviceId


@pytest.mark.parametrize("text", ["0123456789ABCDEF01234567", " 0123456789abcdef01234567\n"])
def test_device_ids_are_lower_cased(text):
    assert normalize_device_id(text) == "0123456789abcdef01234567"


@pytest.mark.parametrize("text", ["", None, "0123456789abcdef0123456", "0123456789abcdef012345678",
                                  "0123456789abcdef0123456g", "K7Q2-M9XA-3"])
def test_bad_device_ids_are_refused(text):
    with pytest.raises(InvalidDeviceId) as caught:
        normalize_device_id(text)
    assert "label" in caught.value.next_step


@given(st.text(alphabet="0123456789abcdefABCDEF", min_size=24, max_size=24))
def test_any_24_hex_characters_are_a_device_id(text):
    assert normalize_device_id(text) == text.lower()
