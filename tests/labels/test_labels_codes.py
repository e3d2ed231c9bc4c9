"""Label codes: randomness, spelling tolerance, and proof that typing mistakes are caught.

The error-detection tests are exhaustive over the alphabet: for every position and every
ordered pair of distinct symbols they build a valid code holding that pair there and check
that the mistake is reported as a typo. Whether the check sum notices a mistake depends only on
(position, old symbol, new symbol), so covering every such triple covers every code.
"""
from __future__ import annotations

import itertools
import math
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bff import labels
from bff.labels import (
    LABEL_CODE_ALPHABET,
    LABEL_CODE_LENGTH,
    LabelCodeError,
    LabelCodeTypoError,
    NotALabelCodeError,
    check_label_code,
    format_label_code,
    is_label_code,
    label_check_symbol,
    new_label_code,
    normalize_label_code,
)

POSITIONS = range(LABEL_CODE_LENGTH)
NEIGHBOURS = range(LABEL_CODE_LENGTH - 1)
DISTINCT_PAIRS = list(itertools.permutations(LABEL_CODE_ALPHABET, 2))
GSM7_PLAIN = set(string.ascii_letters + string.digits + " .,:;'!?-()")

canonical_codes = st.builds(
    lambda symbols: symbols + label_check_symbol(symbols),
    st.text(alphabet=LABEL_CODE_ALPHABET, min_size=11, max_size=11),
)


def replaced(code: str, position: int, symbol: str) -> str:
    """`code` with the symbol at `position` replaced."""
    return code[:position] + symbol + code[position + 1 :]


def swapped(code: str, first: int, second: int) -> str:
    """`code` with the symbols at two positions exchanged."""
    symbols = list(code)
    symbols[first], symbols[second] = symbols[second], symbols[first]
    return "".join(symbols)


def test_alphabet_is_29_symbols_without_lookalikes():
    assert len(set(LABEL_CODE_ALPHABET)) == len(LABEL_CODE_ALPHABET) == 29
    assert all(29 % divisor for divisor in range(2, 29))
    assert set(LABEL_CODE_ALPHABET) <= set(string.digits + string.ascii_uppercase)
    assert not set("BILOSUZ") & set(LABEL_CODE_ALPHABET)


def test_codes_carry_more_than_50_random_bits():
    assert labels.LABEL_CODE_RANDOM_BITS == pytest.approx(11 * math.log2(29))
    assert labels.LABEL_CODE_RANDOM_BITS >= 50
    assert LABEL_CODE_LENGTH <= 12


def test_new_codes_are_canonical_and_valid():
    for code in (new_label_code() for _ in range(500)):
        assert len(code) == LABEL_CODE_LENGTH
        assert set(code) <= set(LABEL_CODE_ALPHABET)
        assert check_label_code(code) == code


def test_new_codes_use_every_symbol_at_every_random_position():
    codes = [new_label_code() for _ in range(2000)]
    for position in range(LABEL_CODE_LENGTH - 1):
        assert {code[position] for code in codes} == set(LABEL_CODE_ALPHABET)
    assert len(set(codes)) == len(codes)


def test_every_single_substitution_is_caught(code_builder):
    for position in POSITIONS:
        for old, new in DISTINCT_PAIRS:
            code = code_builder.build({position: old})
            with pytest.raises(LabelCodeTypoError):
                check_label_code(replaced(code, position, new))


def test_every_adjacent_swap_is_caught(code_builder):
    for position in NEIGHBOURS:
        for first, second in DISTINCT_PAIRS:
            code = code_builder.build({position: first, position + 1: second})
            with pytest.raises(LabelCodeTypoError):
                check_label_code(swapped(code, position, position + 1))


def test_every_adjacent_twin_error_is_caught(code_builder):
    for position in NEIGHBOURS:
        for old, new in DISTINCT_PAIRS:
            code = code_builder.build({position: old, position + 1: old})
            with pytest.raises(LabelCodeTypoError):
                check_label_code(code[:position] + new + new + code[position + 2 :])


@given(canonical_codes, st.data())
def test_any_swap_of_two_different_symbols_is_caught(code, data):
    first, second = data.draw(st.lists(st.sampled_from(POSITIONS), min_size=2, max_size=2, unique=True))
    if code[first] != code[second]:
        with pytest.raises(LabelCodeTypoError):
            check_label_code(swapped(code, first, second))


@given(canonical_codes, st.sampled_from(POSITIONS), st.sampled_from(string.ascii_letters + string.digits))
def test_any_mistyped_key_is_caught_or_harmless(code, position, typed):
    mistyped = replaced(code, position, typed)
    if normalize_label_code(mistyped) == code:
        assert check_label_code(mistyped) == code
    else:
        with pytest.raises(LabelCodeTypoError):
            check_label_code(mistyped)


@given(canonical_codes, st.data())
def test_case_spaces_and_dashes_do_not_matter(code, data):
    cases = [data.draw(st.sampled_from([symbol, symbol.lower()])) for symbol in code]
    separators = [data.draw(st.sampled_from(["", " ", "-", "  "])) for _ in code]
    typed = "".join(case + separator for case, separator in zip(cases, separators))
    assert check_label_code(f" {typed} ") == code


@given(canonical_codes)
def test_formatted_codes_read_back_as_the_same_code(code):
    assert check_label_code(format_label_code(code)) == code
    assert format_label_code(format_label_code(code).lower()) == format_label_code(code)


@pytest.mark.parametrize(
    "lookalike, symbol", [("O", "0"), ("o", "0"), ("I", "1"), ("i", "1"), ("L", "1"), ("l", "1"),
                          ("Z", "2"), ("S", "5"), ("B", "8"), ("U", "V"), ("u", "V")]
)
def test_lookalike_letters_read_as_the_symbol_they_look_like(lookalike, symbol):
    code = "K7Q2M9XA3F4T"
    position = code.index("7")
    assert normalize_label_code(replaced(code, position, lookalike)) == replaced(code, position, symbol)


def test_full_width_and_dash_variants_are_understood():
    assert check_label_code("Ｋ７Ｑ２–M9XA—3f4t") == "K7Q2M9XA3F4T"


def test_codes_are_grouped_in_fours_for_reading():
    assert format_label_code("K7Q2M9XA3F4T") == "K7Q2-M9XA-3F4T"
    assert format_label_code(labels.LABEL_CODE_EXAMPLE) == labels.LABEL_CODE_EXAMPLE
    assert is_label_code(labels.LABEL_CODE_EXAMPLE)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "K7Q2-M9XA-3F4", "K7Q2-M9XA-3F4T-0", "3a0027000d47353033323637", "CLAIM K7Q2-M9XA-3F4T",
     "-" * 100 + "K7Q2M9XA3F4T"],
)
def test_wrong_length_is_not_a_code(text):
    with pytest.raises(NotALabelCodeError):
        normalize_label_code(text)


@pytest.mark.parametrize("text", ["K7Q2-M9XA-3F4#", "K7Q2/M9XA/3F4T", "K7Q2-M9XA-3F4É", "K7Q2-M9XA-3F4🙂"])
def test_characters_no_code_uses_make_it_not_a_code(text):
    with pytest.raises(NotALabelCodeError):
        check_label_code(text)


def test_typo_and_not_a_code_are_different_value_errors():
    assert issubclass(LabelCodeTypoError, LabelCodeError)
    assert issubclass(NotALabelCodeError, LabelCodeError)
    assert issubclass(LabelCodeError, ValueError)
    assert not issubclass(LabelCodeTypoError, NotALabelCodeError)
    assert LabelCodeTypoError.reason != NotALabelCodeError.reason


@pytest.mark.parametrize("text", ["", "K7Q2", "K7Q2-M9XA-3F4#", "K7Q2-M9XA-3F4V"])
def test_messages_say_what_to_do_in_one_plain_sms(text):
    with pytest.raises(LabelCodeError) as caught:
        check_label_code(text)
    message = caught.value.customer_text
    assert message == str(caught.value) == f"{caught.value.public_message} {caught.value.next_step}"
    assert "type" in caught.value.next_step.lower()
    assert set(message) <= GSM7_PLAIN and len(message) <= 160


def test_typo_message_says_to_check_the_box():
    with pytest.raises(LabelCodeTypoError, match="Check the code on the box and type it again"):
        check_label_code("K7Q2-M9XA-3F4V")


def test_is_label_code_says_whether_text_checks():
    assert is_label_code("k7q2 m9xa 3f4t")
    assert not is_label_code("k7q2 m9xa 3f4v")
    assert not is_label_code("hello")


def test_check_symbol_needs_eleven_symbols():
    with pytest.raises(ValueError):
        label_check_symbol("K7Q2")


# -- the check symbol, against the rule as written -----------------------------------------------------

FIXED_CODES = ["K7Q2M9XA3F4T", "000000000000", "YYYYYYYYYYYM", "0123456789AG", "CDEFGHJKMNP9"]


def written_rule_sum(code: str) -> int:
    """sum(weight * value) with weights 12, 11, ..., 1 and values the index in the alphabet."""
    return sum((12 - i) * "0123456789ACDEFGHJKMNPQRTVWXY".index(symbol) for i, symbol in enumerate(code))


@pytest.mark.parametrize("code", FIXED_CODES)
def test_fixed_codes_satisfy_the_written_rule(code):
    assert written_rule_sum(code) % 29 == 0
    assert label_check_symbol(code[:11]) == code[11]
    assert check_label_code(code) == code


def test_the_check_symbol_is_the_one_symbol_that_completes_a_prefix():
    for code in FIXED_CODES + [new_label_code() for _ in range(50)]:
        completions = [symbol for symbol in LABEL_CODE_ALPHABET if is_label_code(code[:11] + symbol)]
        assert completions == [label_check_symbol(code[:11])] == [code[11]]
        assert written_rule_sum(code) % 29 == 0


@pytest.mark.parametrize("code", FIXED_CODES, ids=FIXED_CODES)
def test_every_substitution_and_adjacent_swap_of_a_code_is_a_typo(code):
    """Exhaustively, for a few codes: 12 x 28 substitutions and every neighbour swap."""
    for position in POSITIONS:
        for symbol in LABEL_CODE_ALPHABET.replace(code[position], ""):
            with pytest.raises(LabelCodeTypoError) as caught:
                check_label_code(replaced(code, position, symbol))
            assert caught.value.reason == "label_code_typo"
    for position in NEIGHBOURS:
        if code[position] != code[position + 1]:
            with pytest.raises(LabelCodeTypoError):
                check_label_code(swapped(code, position, position + 1))


def test_new_codes_draw_eleven_symbols_from_the_whole_alphabet(monkeypatch):
    choices = []

    def choice(symbols):
        choices.append(symbols)
        return symbols[len(choices) % len(symbols)]

    monkeypatch.setattr(labels.codes.secrets, "choice", choice)
    code = new_label_code()
    assert choices == [LABEL_CODE_ALPHABET] * 11
    assert code == "123456789AC" + label_check_symbol("123456789AC")


def test_the_random_part_carries_53_bits():
    assert labels.LABEL_CODE_RANDOM_BITS == pytest.approx(53.44, abs=0.01)
    assert 29 ** 11 >= 2 ** 53


# -- spellings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", list(" \t\r\n-_.\u2010\u2011\u2012\u2013\u2014\u2212"),
                         ids=lambda separator: f"U+{ord(separator):04X}")
def test_every_separator_is_dropped(separator):
    assert check_label_code(separator.join(["K7Q2", "M9XA", "3F4T"]) + separator) == "K7Q2M9XA3F4T"


@pytest.mark.parametrize("character", list("/,;:+*#'\"()\u00b7"), ids=lambda c: f"U+{ord(c):04X}")
def test_other_punctuation_is_not_a_separator(character):
    with pytest.raises(NotALabelCodeError) as caught:
        check_label_code(f"K7Q2{character}M9XA3F4T")
    assert caught.value.public_message == "A box code has only letters and numbers, like K7Q2-M9XA-3F4T."
    assert caught.value.reason == "not_a_label_code"


def test_lookalikes_fold_in_any_case_and_then_check():
    # a code of 0, 1 and V, typed with the letters that look like them, in either case
    code = "01" + "1" * 8 + "V"
    code += label_check_symbol(code)
    assert check_label_code("oI" + "lLiI1lLi" + "u" + code[11].lower()) == code
    assert check_label_code("Oi LLLL IIII U" + code[11]) == code
    assert normalize_label_code("zsb" + "0" * 9) == "258000000000"


def test_a_code_of_64_typed_characters_is_read_and_65_are_not():
    spaced = "K7Q2" + " " * 52 + "M9XA3F4T"
    assert len(spaced) == 64 and check_label_code(spaced) == "K7Q2M9XA3F4T"
    with pytest.raises(NotALabelCodeError) as caught:
        check_label_code(spaced + " ")
    assert caught.value.public_message == "A box code has 12 letters and numbers, but this one has 65."


# -- the errors: their types, reasons and words --------------------------------------------------------------


def test_error_reasons_are_stable_words():
    assert (LabelCodeError.reason, NotALabelCodeError.reason, LabelCodeTypoError.reason) == \
        ("label_code", "not_a_label_code", "label_code_typo")


@pytest.mark.parametrize("text, public_message, next_step", [
    ("", "We did not get a code.",
     "Type the 12 letters and numbers from the box, like K7Q2-M9XA-3F4T."),
    (" - -", "We did not get a code.",
     "Type the 12 letters and numbers from the box, like K7Q2-M9XA-3F4T."),
    ("K", "A box code has 12 letters and numbers, but this one has 1.",
     "Check the code on the box and type it again."),
    ("K7Q2-M9XA-3F4", "A box code has 12 letters and numbers, but this one has 11.",
     "Check the code on the box and type it again."),
    ("K7Q2-M9XA-3F4T-0", "A box code has 12 letters and numbers, but this one has 13.",
     "Check the code on the box and type it again."),
    ("K7Q2-M9XA-3F4V", "That code has a mistake in it: a letter or number is wrong, or two are swapped.",
     "Check the code on the box and type it again."),
], ids=["empty", "only-separators", "one-symbol", "eleven", "thirteen", "typo"])
def test_each_refusal_says_what_happened_and_what_to_do(text, public_message, next_step):
    with pytest.raises(LabelCodeError) as caught:
        check_label_code(text)
    error = caught.value
    assert (error.public_message, error.next_step) == (public_message, next_step)
    assert error.detail == error.customer_text == str(error) == f"{public_message} {next_step}"
    assert error.args == (error.customer_text,)
    expected_type = LabelCodeTypoError if "mistake" in public_message else NotALabelCodeError
    assert type(error) is expected_type


def test_a_label_code_error_made_by_hand_has_the_default_words():
    error = NotALabelCodeError()
    assert error.next_step == "Check the code on the box and type it again."
    assert str(error) == "A box code has only letters and numbers, like K7Q2-M9XA-3F4T. " + error.next_step
    assert LabelCodeError().public_message == "That is not a box code."


def test_the_check_symbol_refuses_the_wrong_number_of_symbols_with_a_reason():
    with pytest.raises(ValueError, match="expected 11 symbols, got 12"):
        label_check_symbol("K7Q2M9XA3F4T")
    with pytest.raises(ValueError, match="expected 11 symbols, got 0"):
        label_check_symbol("")


def test_format_groups_any_spelling_and_refuses_the_wrong_length():
    assert format_label_code("k7q2 m9xa 3f4v") == "K7Q2-M9XA-3F4V"  # grouping does not check
    assert format_label_code("0" * 12) == "0000-0000-0000"
    with pytest.raises(NotALabelCodeError):
        format_label_code("K7Q2-M9XA")
