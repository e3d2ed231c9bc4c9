"""Human label codes: the short code printed on a box, typed or texted to claim the device.

Scheme (the contract is in the README, "How a claim works"):

- Alphabet: the 29 symbols ``0-9`` and ``ACDEFGHJKMNPQRTVWXY``. That is Crockford's base32
  (which leaves out I, L, O and U) without B, S and Z, so every symbol that is easily misread
  as another is gone, and 29 is prime. On input the letters that are not in the alphabet fold
  onto the symbol they look like: O to 0, I and L to 1, Z to 2, S to 5, B to 8, U to V. Case,
  spaces and dashes do not matter, so every letter and digit a person types means something.
- A code is 12 symbols: 11 symbols that look random (11 * log2(29) = 53.4 bits: derived from
  `BFF_LABEL_KEY` and the device ID, see below; before that drawn from `secrets`) and one check
  symbol.
- Check: with symbol values v0..v11 (their index in the alphabet) and weights 12, 11, ..., 1
  (position i has weight 12 - i), a code is valid when sum(weight * value) % 29 == 0. The
  last symbol has weight 1, so it is simply minus the weighted sum of the others, mod 29.

Why that catches every single-symbol error and every swap of two neighbours:

- A single error turns value a into b (a != b) at position i and changes the sum by
  w_i * (b - a). Both factors lie between 1 and 28 in size, and 29 is prime, so the product
  is never a multiple of 29: the sum stops being 0 mod 29.
- Swapping a and b (a != b) at positions i and j changes the sum by (w_i - w_j) * (b - a);
  the weights differ by 1 to 11, so again no factor is a multiple of 29. This holds for
  any two positions, not only neighbours.
- "Twin" errors (aa typed as bb in neighbouring positions) change it by (w_i + w_i+1) * (b - a)
  with w_i + w_i+1 at most 23, so they are caught as well. A missing or extra symbol is
  caught by the length.

The canonical form (what the caller stores) is 12 upper-case symbols without separators;
`format_label_code` groups it as ``XXXX-XXXX-XXXX`` for print and screens.

Derived codes (`derived_label_code`, every code bff makes since backups and rebuild came in):
the 11 symbols are HMAC-SHA256 of the lower-case device ID under `BFF_LABEL_KEY` (in a domain
of their own, so a code says nothing about the QR tag), its first 128 bits read as a number
and written as 11 base-29 digits (29**11 is 2**53.4; the bias of 2**128 mod 29**11 is below
2**-74), then the check symbol. So with the same key a lost database can recompute every code
printed since; the key must never change while such labels are out. The store still keeps
each code and refuses duplicates (a UNIQUE column): on the astronomically rare clash the
device takes the next code of `derived_label_codes` (counter 1, 2, ...: still derived, still
deterministic). Codes drawn at random (`new_label_code`, before derived codes) stay valid:
they are kept, but only a backup brings them back.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import unicodedata
from typing import Iterator

from bff.device_ids import normalize_device_id
from bff.errors import BffError

LABEL_CODE_ALPHABET = "0123456789ACDEFGHJKMNPQRTVWXY"
LABEL_CODE_LENGTH = 12
LABEL_CODE_RANDOM_SYMBOLS = LABEL_CODE_LENGTH - 1
LABEL_CODE_RANDOM_BITS = LABEL_CODE_RANDOM_SYMBOLS * math.log2(len(LABEL_CODE_ALPHABET))
LABEL_CODE_GROUP_SIZE = 4
LABEL_CODE_EXAMPLE = "K7Q2-M9XA-3F4T"

_MODULUS = len(LABEL_CODE_ALPHABET)  # 29, a prime
_WEIGHTS = tuple(range(LABEL_CODE_LENGTH, 0, -1))  # 12, 11, ..., 1; the check symbol has weight 1
_VALUE_OF = {symbol: value for value, symbol in enumerate(LABEL_CODE_ALPHABET)}
_LOOKALIKES = {"O": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "U": "V"}
_SEPARATORS = frozenset(" \t\r\n-_.\u2010\u2011\u2012\u2013\u2014\u2212")
_LONGEST_TYPED_CODE = 64  # characters, separators included; longer text is not read at all

_LABEL_CODE_DOMAIN = b"bff label code\x00"  # HMAC message prefix: not the QR tag's message

_WHAT_TO_DO = "Check the code on the box and type it again."


class LabelCodeError(BffError, ValueError):
    """A typed label code was not accepted.

    A `BffError`: `public_message` says what happened and `next_step` what to do, in plain GSM-7
    words; `customer_text` joins them (and is also `str(error)`). `reason` is a stable word for
    logs, tests and channel-specific replies.
    """

    reason = "label_code"
    public_message = "That is not a box code."
    next_step = _WHAT_TO_DO

    def __init__(self, public_message: str | None = None, next_step: str | None = None) -> None:
        super().__init__(public_message=public_message, next_step=next_step)
        self.detail = self.customer_text
        self.args = (self.customer_text,)


class NotALabelCodeError(LabelCodeError):
    """The text cannot be a label code: wrong length, or a character no code uses."""

    reason = "not_a_label_code"
    public_message = f"A box code has only letters and numbers, like {LABEL_CODE_EXAMPLE}."


class LabelCodeTypoError(LabelCodeError):
    """The text looks like a label code but its check symbol does not match: a typing mistake."""

    reason = "label_code_typo"
    public_message = "That code has a mistake in it: a letter or number is wrong, or two are swapped."


def new_label_code() -> str:
    """A fresh random label code in canonical form (12 symbols, no separators)."""
    symbols = "".join(secrets.choice(LABEL_CODE_ALPHABET) for _ in range(LABEL_CODE_RANDOM_SYMBOLS))
    return symbols + label_check_symbol(symbols)


def derived_label_code(label_key: bytes | str, device_id: str, counter: int = 0) -> str:
    """The device's label code derived from `label_key` (`BFF_LABEL_KEY`): the same key and
    device ID always give the same code. `counter` > 0 gives the fallbacks after a clash."""
    message = _LABEL_CODE_DOMAIN + normalize_device_id(device_id).encode("ascii")
    if counter:
        message += b"/" + str(counter).encode("ascii")
    digest = hmac.new(_key_bytes(label_key), message, hashlib.sha256).digest()
    number = int.from_bytes(digest[:16], "big")
    symbols = []
    for _ in range(LABEL_CODE_RANDOM_SYMBOLS):
        number, value = divmod(number, _MODULUS)
        symbols.append(LABEL_CODE_ALPHABET[value])
    body = "".join(symbols)
    return body + label_check_symbol(body)


def derived_label_codes(label_key: bytes | str, device_id: str) -> Iterator[str]:
    """The device's derived code, then its fallbacks for clashes (counter 1, 2, ...), endlessly."""
    counter = 0
    while True:
        yield derived_label_code(label_key, device_id, counter)
        counter += 1


def label_check_symbol(symbols: str) -> str:
    """The check symbol that completes the 11 canonical `symbols` to a valid code."""
    if len(symbols) != LABEL_CODE_RANDOM_SYMBOLS:
        raise ValueError(f"expected {LABEL_CODE_RANDOM_SYMBOLS} symbols, got {len(symbols)}")
    return LABEL_CODE_ALPHABET[-_weighted_sum(symbols) % _MODULUS]


def normalize_label_code(text: str) -> str:
    """The canonical form of a typed code, without checking its check symbol.

    Folds case, full-width forms and look-alike letters, and drops spaces and dashes.
    Raises `NotALabelCodeError` for a character no code uses or for the wrong length.
    """
    if len(text) > _LONGEST_TYPED_CODE:
        raise _wrong_length_error(len(text))
    symbols = [_canonical_symbol(char) for char in unicodedata.normalize("NFKC", text)]
    code = "".join(symbol for symbol in symbols if symbol)
    if len(code) != LABEL_CODE_LENGTH:
        raise _wrong_length_error(len(code))
    return code


def check_label_code(text: str) -> str:
    """The canonical form of a typed code whose check symbol matches.

    Raises `NotALabelCodeError` when the text cannot be a code and `LabelCodeTypoError`
    when it is a code with a typing mistake.
    """
    code = normalize_label_code(text)
    if _weighted_sum(code) % _MODULUS != 0:
        raise LabelCodeTypoError()
    return code


def is_label_code(text: str) -> bool:
    """Whether `text` is a valid label code in any accepted spelling."""
    try:
        check_label_code(text)
    except LabelCodeError:
        return False
    return True


def format_label_code(code: str) -> str:
    """A code grouped for reading, e.g. ``K7Q2-M9XA-3F4T``; accepts any accepted spelling."""
    canonical = normalize_label_code(code)
    size = LABEL_CODE_GROUP_SIZE
    return "-".join(canonical[start : start + size] for start in range(0, len(canonical), size))


def _weighted_sum(symbols: str) -> int:
    """Sum of symbol values times their position weights (a prefix uses the leading weights)."""
    return sum(weight * _VALUE_OF[symbol] for weight, symbol in zip(_WEIGHTS, symbols))


def _canonical_symbol(char: str) -> str:
    """The alphabet symbol a typed character stands for, '' for a separator."""
    if char in _SEPARATORS:
        return ""
    upper = char.upper()
    symbol = _LOOKALIKES.get(upper, upper)
    if symbol not in _VALUE_OF:
        raise NotALabelCodeError()
    return symbol


def _wrong_length_error(length: int) -> NotALabelCodeError:
    """The error for a code with `length` symbols instead of 12."""
    if length == 0:
        return NotALabelCodeError(
            "We did not get a code.",
            f"Type the {LABEL_CODE_LENGTH} letters and numbers from the box, like {LABEL_CODE_EXAMPLE}.",
        )
    return NotALabelCodeError(
        f"A box code has {LABEL_CODE_LENGTH} letters and numbers, but this one has {length}."
    )


def _key_bytes(label_key: bytes | str) -> bytes:
    """The label key as bytes; an empty key would make every derived code public."""
    key = label_key.encode("utf-8") if isinstance(label_key, str) else bytes(label_key)
    if not key:
        raise ValueError("the label key (BFF_LABEL_KEY) is empty")
    return key
