"""Label codes derived from `BFF_LABEL_KEY` and the device ID: a lost database can recompute every
printed code. Same format and check symbol as random codes, so every typing mistake the check
catches is still caught (exhaustively, per position and replacement, as in test_labels_codes.py)."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bff import labels
from bff.labels import (
    LABEL_CODE_ALPHABET,
    LABEL_CODE_LENGTH,
    LabelCodeTypoError,
    check_label_code,
    derived_label_code,
    derived_label_codes,
)

KEY = "label-key-for-derived-codes"
DEVICE = "e00fce68a1b2c3d4e5f60718"
device_ids = st.text(alphabet="0123456789abcdef", min_size=24, max_size=24)


@given(device_ids)
def test_a_derived_code_is_a_valid_canonical_code(device_id):
    code = derived_label_code(KEY, device_id)
    assert len(code) == LABEL_CODE_LENGTH and set(code) <= set(LABEL_CODE_ALPHABET)
    assert check_label_code(code) == code
    assert check_label_code(labels.format_label_code(code).lower()) == code


@given(device_ids)
def test_the_same_key_and_device_give_the_same_code_in_any_case(device_id):
    assert derived_label_code(KEY, device_id) == derived_label_code(KEY, device_id.upper())
    assert derived_label_code(KEY, device_id) == derived_label_code(KEY.encode(), device_id)


def test_the_code_depends_on_the_key_and_the_device():
    assert derived_label_code(KEY, DEVICE) != derived_label_code(KEY + "x", DEVICE)
    assert derived_label_code(KEY, DEVICE) != derived_label_code(KEY, DEVICE[:-1] + "9")


def test_a_known_code_stays_the_same_forever():
    """Printed labels depend on this exact mapping: changing it breaks every box already out."""
    assert derived_label_code("test-label-key", "0123456789abcdef01234567") == "386QRJKM33KD"


def test_an_empty_key_or_a_malformed_device_id_is_refused():
    with pytest.raises(ValueError):
        derived_label_code("", DEVICE)
    with pytest.raises(ValueError):
        derived_label_code(KEY, "not a device id")


def test_the_code_is_not_the_qr_tag():
    code = derived_label_code(KEY, DEVICE)
    assert code.lower() not in labels.qr_tag(KEY, DEVICE)


def test_fallbacks_for_a_clash_are_derived_distinct_and_valid():
    first = list(itertools.islice(derived_label_codes(KEY, DEVICE), 5))
    assert first[0] == derived_label_code(KEY, DEVICE)
    assert first == list(itertools.islice(derived_label_codes(KEY, DEVICE.upper()), 5))
    assert len(set(first)) == 5
    assert all(check_label_code(code) == code for code in first)


def test_derived_codes_use_every_symbol_at_every_position_and_do_not_repeat():
    codes = [derived_label_code(KEY, f"{n:024x}") for n in range(3000)]
    for position in range(LABEL_CODE_LENGTH - 1):
        assert {code[position] for code in codes} == set(LABEL_CODE_ALPHABET)
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("device_id", [DEVICE, "0123456789abcdef01234567", "ffffffffffffffffffffffff"])
def test_every_single_symbol_typo_of_a_derived_code_is_caught(device_id):
    code = derived_label_code(KEY, device_id)
    for position, symbol in itertools.product(range(LABEL_CODE_LENGTH), LABEL_CODE_ALPHABET):
        if symbol != code[position]:
            with pytest.raises(LabelCodeTypoError):
                check_label_code(code[:position] + symbol + code[position + 1:])


@pytest.mark.parametrize("device_id", [DEVICE, "0123456789abcdef01234567"])
def test_every_swap_of_two_different_symbols_of_a_derived_code_is_caught(device_id):
    code = derived_label_code(KEY, device_id)
    for first, second in itertools.combinations(range(LABEL_CODE_LENGTH), 2):
        if code[first] != code[second]:
            symbols = list(code)
            symbols[first], symbols[second] = symbols[second], symbols[first]
            with pytest.raises(LabelCodeTypoError):
                check_label_code("".join(symbols))
