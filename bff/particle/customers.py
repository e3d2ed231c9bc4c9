"""Shadow-customer usernames: made up by bff, recomputable from a person's phone number.

A person's shadow customer in a product is named
``bff-<person tag>-<product tag>@customers.bff.invalid`` (`.invalid`: no mail can ever go there):

- person tag: HMAC-SHA256 of the person's E.164 phone number (as it was when bff first made a
  customer for them) under the customer key (`BFF_LABEL_KEY`), 80 bits as 20 hex digits. The
  same tag in every product, so `flask bff rebuild` can put one person's customers back
  together, and a person signing in with that phone after a rebuild finds them again
  (bff/accounts/service.py). Without the key nobody can tell a phone number from a username.
- product tag: 24 bits of the same HMAC over the product's key, so the usernames of one person
  differ between products (bff keeps usernames unique across products).

A person keeps their username when they change their number; only the number it was made with
recomputes it. Usernames made before (``bff-<24 hex>@...``, random) and the random fallback (a
derived name already held by someone else, e.g. a number given up and handed to a new person)
keep working, but only a backup links them to a phone again.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

CUSTOMER_USERNAME_DOMAIN = "customers.bff.invalid"  # .invalid: no mail can ever go there
PERSON_TAG_BYTES = 10  # 80 bits
PRODUCT_TAG_BYTES = 3
_DERIVED = re.compile(r"bff-([0-9a-f]{20})-[0-9a-f]{6}@customers\.bff\.invalid")


def new_customer_username() -> str:
    """A fresh random shadow-customer username (never recomputable: only when no phone is known)."""
    return f"bff-{secrets.token_hex(12)}@{CUSTOMER_USERNAME_DOMAIN}"


def derived_customer_username(key: bytes | str, phone: str, product_key: str) -> str:
    """The username of the shadow customer of the person with this E.164 `phone` in a product."""
    product_tag = _hmac(key, b"product", str(product_key))[:PRODUCT_TAG_BYTES].hex()
    return f"{person_username_prefix(key, phone)}{product_tag}@{CUSTOMER_USERNAME_DOMAIN}"


def person_username_prefix(key: bytes | str, phone: str) -> str:
    """What every derived username of the person with this phone starts with: ``bff-<tag>-``."""
    return f"bff-{_hmac(key, b'person', phone)[:PERSON_TAG_BYTES].hex()}-"


def person_prefix_of(username: str) -> str | None:
    """The ``bff-<tag>-`` prefix of a derived username; None for a random or a foreign one."""
    match = _DERIVED.fullmatch(username or "")
    return f"bff-{match.group(1)}-" if match else None


def is_bff_username(username: str | None) -> bool:
    """Whether the username is one bff made (derived or random), not someone else's customer."""
    return bool(username) and username.endswith(f"@{CUSTOMER_USERNAME_DOMAIN}")


def _hmac(key: bytes | str, purpose: bytes, text: str) -> bytes:
    key_bytes = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if not key_bytes:
        raise ValueError("the customer key (BFF_LABEL_KEY) is empty")
    message = b"bff customer " + purpose + b"\x00" + text.encode("utf-8")
    return hmac.new(key_bytes, message, hashlib.sha256).digest()
