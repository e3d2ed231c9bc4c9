"""Who may call what: the credential behind a token, device owners, and the access rules.

Kinds of credential: "user" (password grant), "customer" (client credentials +
`scope=customer=...`, or create customer), "product" (client credentials of a product client
without scope), "api_user" (the one token of an API user, bff/sandbox/api_users.py). Product
tokens and team members' user tokens reach their products' routes; "the customer token cannot
call the product APIs" and only reaches the customer's own devices through the user routes
(https://docs.particle.io/getting-started/cloud/cloud-api/; notes in docs/particle.md#tokens and
docs/particle.md#customer-tokens). An API user token reaches only its product (or its org's
products), and only the endpoints whose scope it holds; CHOICE: an endpoint the reference lists
with no scope is one "no API user is authorized to access" (docs/particle.md#api-users). Every
route names its scope, or None, when it asks for a product or a device here. Nothing here reads
the HTTP request: bff/sandbox/routes/caller.py does.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import api_users
from .errors import (api_user_refused, api_users_not_allowed, device_not_recognized, ok_error,
                     permission_denied)
from .indexes import device_account
from .state import Device, Org, Product, State, Token


@dataclass
class Credential:
    """The caller behind a valid token."""
    kind: str
    username: str | None
    product_id: int | None
    token: Token
    scopes: tuple[str, ...] = ()                              # API users only
    products: frozenset[int] = field(default_factory=frozenset)  # API users: the products reached

    @property
    def account(self) -> tuple:
        """The owner key devices and claim codes are compared with."""
        if self.kind == "customer":
            return ("customer", self.product_id, self.username)
        if self.kind == "user":
            return ("user", self.username)
        if self.kind == "api_user":
            return ("api_user", self.username)
        return ("product", self.product_id)


def credential_for(state: State, now: float, value: str) -> Credential | None:
    """The credential of an access token; None when it is unknown, revoked or expired."""
    token = state.tokens.get(value)
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.kind == "api_user":
        user = state.api_users.get(token.username or "")
        if user is None or user.token != token.access_token:
            return None
        return Credential(token.kind, token.username, token.product_id, token, user.scopes,
                          api_users.products_of(state, user))
    return Credential(token.kind, token.username, token.product_id, token)


def check_scope(cred: Credential, scope: str | None) -> None:
    """For an API user: the endpoint needs `scope` (None: no API user may call it)."""
    if cred.kind != "api_user":
        return
    if scope is None:
        raise api_users_not_allowed()
    if scope not in cred.scopes:
        # CHOICE: the description text (Particle documents the status and `unauthorized` only).
        raise api_user_refused(f"This API user's scopes do not allow this action (it needs {scope})")


def refuse_api_users(cred: Credential) -> None:
    """An endpoint no API user may call."""
    check_scope(cred, None)


def set_owner(device: Device, account: tuple | None) -> None:
    """Make `account` the owner (None unclaims)."""
    if account is None:
        device.owner_kind = device.owner = None
    else:
        device.owner_kind, device.owner = account[0], account[-1]


def is_team_member(state: State, cred: Credential, product_id: int | None) -> bool:
    """True for a user token of a team member of that product."""
    user = state.users.get(cred.username or "") if cred.kind == "user" else None
    return user is not None and product_id in user.products


def find_product(state: State, key: str) -> Product:
    """The product `key` (id or slug). CHOICE: unknown -> 404 `{"ok": false, "error":
    "Product not found."}`."""
    product = state.product(key)
    if product is None:
        raise ok_error(404, "Product not found.", f"No product with id or slug {key!r}")
    return product


def find_org(state: State, key: str) -> Org:
    """The org `key` (id or slug). CHOICE: unknown -> 404 `{"ok": false, "error": "Organization
    not found."}`, as an unknown product."""
    org = state.org(key)
    if org is None:
        raise ok_error(404, "Organization not found.", f"No organization with id or slug {key!r}")
    return org


def product_for(state: State, cred: Credential, key: str, scope: str | None) -> Product:
    """The product `key` (id or slug) if this credential may use its product routes.

    Product tokens reach their own product; users reach the products they are team members of;
    API users their product or their org's products, with `scope` (None: no API user may).
    CHOICE (not documented): customer tokens on product routes get 403 Permission Denied; an API
    user on a product it does not reach gets its 400 unauthorized answer.
    """
    check_scope(cred, scope)
    product = find_product(state, key)
    if cred.kind == "api_user":
        if product.id not in cred.products:
            raise api_user_refused("This API user has no access to that product")
        return product
    if cred.kind == "product" and cred.product_id == product.id:
        return product
    if is_team_member(state, cred, product.id):
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
    if cred.kind == "api_user":
        return device.product_id in cred.products
    return is_team_member(state, cred, device.product_id)


def visible_device(state: State, cred: Credential, key: str, scope: str | None) -> Device:
    """A device by ID (any case) or by the caller's device name, if the caller may see it (an
    API user: a device of its products, with `scope`; None: no API user may call the route).

    CHOICE: unknown and foreign devices get the same 403, so ids do not leak.
    """
    check_scope(cred, scope)
    device = state.devices.get(key.lower())
    if device is None:
        device = next((d for d in state.devices_owned_by(cred.account) if d.name == key), None)
    if device is None or not may_manage(state, cred, device):
        raise device_not_recognized()
    return device


def product_device(state: State, product: Product, device_id: str) -> Device:
    """A device of this product. CHOICE: 404 `{"ok": false, "error": "Device not found."}`."""
    device = state.devices.get(device_id.lower())
    if device is None or device.product_id != product.id:
        raise ok_error(404, "Device not found.", "That device is not in this product")
    return device
