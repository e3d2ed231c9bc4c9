"""Tokens, OAuth clients and who may call what (reference/particle-api.md §1.2, §1.3, §2.2).

Token transport: `Authorization: Bearer` always; `?access_token=` on GET and DELETE (the docs'
own curl examples delete with it); `access_token` in a form body of POST, PUT or DELETE.
Kinds: "user" (password grant), "customer" (client credentials + scope=customer=..., or create
customer), "product" (client credentials of a product client without scope).
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from flask import request

from . import ids
from .errors import invalid_token, missing_token, ok_error, permission_denied
from .state import Device, Product, State, Token
from .web import is_form, note_credential

DEFAULT_EXPIRES_IN = 7776000          # 90 days
REFRESH_LIFETIME = 14 * 24 * 3600     # refresh tokens live 14 days
LOCKOUT_FAILURES = 10                 # consecutive failed /oauth/token requests from one IP
LOCKOUT_SECONDS = 30 * 60


@dataclass
class Credential:
    """The caller behind a valid token."""
    kind: str
    username: str | None
    product_id: int | None
    token: Token

    @property
    def account(self) -> tuple:
        """The owner key devices and claim codes are compared with."""
        if self.kind == "customer":
            return ("customer", self.product_id, self.username)
        if self.kind == "user":
            return ("user", self.username)
        return ("product", self.product_id)


def device_account(device: Device) -> tuple | None:
    """The owner key of a device (None when unclaimed)."""
    if device.owner_kind == "customer":
        return ("customer", device.product_id, device.owner)
    if device.owner_kind == "user":
        return ("user", device.owner)
    return None


def set_owner(device: Device, account: tuple | None) -> None:
    """Make `account` the owner (None unclaims)."""
    if account is None:
        device.owner_kind = device.owner = None
    else:
        device.owner_kind, device.owner = account[0], account[-1]


def bearer_token() -> str | None:
    """The token of this request, from the header, the query string or a form body."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    if request.method in ("GET", "HEAD", "DELETE") and request.args.get("access_token"):
        return request.args["access_token"]
    if request.method in ("POST", "PUT", "DELETE") and is_form():
        return request.form.get("access_token") or None
    return None


def authenticate(state: State, now: float, required: bool = True) -> Credential | None:
    """The credential of this request; missing token -> 400, unknown/expired -> 401."""
    value = bearer_token()
    if value is None:
        if not required:
            return None
        note_credential(kind="none")
        raise missing_token()
    token = state.tokens.get(value)
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        note_credential(kind="invalid")
        raise invalid_token()
    note_credential(kind=token.kind, username=token.username, product_id=token.product_id)
    return Credential(token.kind, token.username, token.product_id, token)


def client_credentials(form: dict) -> tuple[str | None, str | None]:
    """OAuth client id and secret from HTTP Basic or the `client_id`/`client_secret` fields."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, _, secret = decoded.partition(":")
        return client_id or None, secret
    return form.get("client_id") or None, form.get("client_secret")


def issue_token(state: State, now: float, kind: str, client_id: str, username: str | None,
                product_id: int | None, expires_in: int = DEFAULT_EXPIRES_IN) -> Token:
    """Create and store a token (expires_in 0 = never expires)."""
    token = Token(
        access_token=ids.token(), refresh_token=ids.token(), kind=kind, client_id=client_id,
        username=username, product_id=product_id, created_at=now,
        expires_at=None if expires_in == 0 else now + expires_in,
        refresh_expires_at=now + REFRESH_LIFETIME,
    )
    state.tokens[token.access_token] = token
    return token


def token_body(token: Token, now: float, with_scope: bool = True) -> dict:
    """The token JSON of /oauth/token and create-customer."""
    expires_in = 0 if token.expires_at is None else max(0, round(token.expires_at - now))
    body = {"access_token": token.access_token, "token_type": "bearer",
            "expires_in": expires_in, "refresh_token": token.refresh_token}
    if with_scope and token.kind == "customer":
        body["scope"] = f"customer={token.username}"
    return body


def revoke_account_tokens(state: State, kind: str, username: str | None,
                          product_id: int | None) -> int:
    """Delete every token of one account; returns how many."""
    doomed = [key for key, tok in state.tokens.items()
              if tok.kind == kind and tok.username == username and tok.product_id == product_id]
    for key in doomed:
        del state.tokens[key]
    return len(doomed)


def product_for(state: State, cred: Credential, key: str) -> Product:
    """The product `key` (id or slug) if this credential may use its product routes.

    Product tokens reach their own product; users reach the products they are team members of.
    CHOICE (not documented): customer tokens on product routes get 403 Permission Denied.
    """
    product = state.product(key)
    if product is None:
        raise ok_error(404, "Product not found.", f"No product with id or slug {key!r}")
    if cred.kind == "product" and cred.product_id == product.id:
        return product
    user = state.users.get(cred.username or "") if cred.kind == "user" else None
    if user is not None and product.id in user.products:
        return product
    if cred.kind == "customer":
        raise permission_denied("Customer access tokens can only use the device endpoints "
                                "(/v1/devices...) and the product's device_claims endpoint")
    raise permission_denied("This access token has no access to that product")


def may_manage(state: State, cred: Credential, device: Device) -> bool:
    """True if the credential owns the device or manages its product (product token / team)."""
    if device_account(device) == cred.account:
        return True
    if device.product_id is None:
        return False
    if cred.kind == "product":
        return cred.product_id == device.product_id
    user = state.users.get(cred.username or "") if cred.kind == "user" else None
    return user is not None and device.product_id in user.products


class Lockout:
    """The documented lock-out: 10 consecutive failed token requests from an IP -> 30 minutes."""

    def __init__(self) -> None:
        self._failures: dict[str, int] = {}
        self._until: dict[str, float] = {}

    def locked_for(self, ip: str, now: float) -> float:
        """Seconds left of a lock-out for this IP (0 when not locked)."""
        return max(0.0, self._until.get(ip, 0.0) - now)

    def failed(self, ip: str, now: float) -> None:
        """Count one failure; the tenth in a row locks the IP."""
        self._failures[ip] = self._failures.get(ip, 0) + 1
        if self._failures[ip] >= LOCKOUT_FAILURES:
            self._until[ip] = now + LOCKOUT_SECONDS
            self._failures[ip] = 0

    def succeeded(self, ip: str) -> None:
        """A success ends the run of failures."""
        self._failures.pop(ip, None)

    def clear(self) -> None:
        """Forget all counters and lock-outs (reset)."""
        self._failures.clear()
        self._until.clear()
