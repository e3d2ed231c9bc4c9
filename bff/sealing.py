"""Secrets sealed at rest: `Sealer`, authenticated encryption (Fernet, from `cryptography`) of the
few values bff must keep readable for itself but nobody else: Particle access tokens, a Wi-Fi claim
code shown again on its setup page or in a redelivered SMS reply, an SMS with a code while it waits
for Twilio.

The keys are `BFF_TOKEN_KEY` (or the instance folder's `token_key`, made on first use, see
bff/config.py): one or more long random strings, comma separated. Each is stretched into a Fernet
key with HKDF-SHA256, so any string works. The first key seals; every key opens (`MultiFernet`),
which is how a key is rotated (README, "Secrets"). A sealed value is text: `sealed:` and the
Fernet token. What no key opens (a lost or retired key, a damaged row) reads as absent, never as
an error: the callers mint again or say the message is gone.
"""
from __future__ import annotations

import base64
import re
import secrets
import threading
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "sealed:"
_HKDF_INFO = b"bff token key v1"
_process_sealer: "Sealer | None" = None
_process_lock = threading.Lock()


def split_keys(value) -> list[str]:
    """`BFF_TOKEN_KEY` as its keys: a list as is, else split on commas, spaces and new lines."""
    if isinstance(value, (list, tuple)):
        return [str(key).strip() for key in value if str(key).strip()]
    return [key for key in re.split(r"[\s,]+", str(value or "").strip()) if key]


def _fernet(secret: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def is_sealed(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


class Sealer:
    """Seals text with the first key, opens it with any of them."""

    def __init__(self, keys: Iterable[str] | str) -> None:
        keys = split_keys(keys)
        if not keys:
            raise ValueError("a Sealer needs at least one key (BFF_TOKEN_KEY)")
        self._box = MultiFernet([_fernet(key) for key in keys])

    def __repr__(self) -> str:
        return "Sealer(keys hidden)"

    @classmethod
    def ephemeral(cls) -> "Sealer":
        """A key of this process alone: what it seals, no other process (or restart) can open."""
        return cls([secrets.token_urlsafe(32)])

    @classmethod
    def of_this_process(cls) -> "Sealer":
        """One ephemeral Sealer shared by everything in this process that was given no key (tests,
        tools); a deployment passes its configured keys instead (bff/wiring.py)."""
        global _process_sealer
        with _process_lock:
            if _process_sealer is None:
                _process_sealer = cls.ephemeral()
            return _process_sealer

    def seal(self, text: str) -> str:
        return PREFIX + self._box.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, value) -> str | None:
        """The text of a sealed value; None when it is not sealed or no key opens it."""
        if not is_sealed(value):
            return None
        try:
            return self._box.decrypt(value[len(PREFIX):].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            return None

    def reveal(self, value):
        """A column that may hold plain or sealed text: plain text as is, sealed text opened (None
        when no key opens it)."""
        return self.open(value) if is_sealed(value) else value
