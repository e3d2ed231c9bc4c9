"""Who may call what: the credential behind a token, device owners, and the access rules.

Kinds of credential: "user" (password grant), "customer" (client credentials +
`scope=customer=...`, or create customer), "product" (client credentials of a product client
without scope). Product tokens and team members' user tokens reach their products' routes;
"the customer token cannot call the product APIs" and only reaches the customer's own devices
through the user routes (https://docs.particle.io/getting-started/cloud/cloud-api/; notes in
docs/particle.md#tokens and docs/particle.md#customer-tokens). Nothing here reads the HTTP
request: bff/sandbox/routes/caller.py does.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import device_not_recognized, ok_error, permission_denied
from .state import Device, Product, State, Token


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


def credential_for(state: State, now: float, value: str) -> Credential | None:
    """The credential of an access token; None when it is unknown, revoked or expired."""
    token = state.tokens.get(value)
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    return Credential(token.kind, token.username, token.product_id, token)


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


def product_for(state: State, cred: Credential, key: str) -> Product:
    """The product `key` (id or slug) if this credential may use its product routes.

    Product tokens reach their own product; users reach the products they are team members of.
    CHOICE (not documented): customer tokens on product routes get 403 Permission Denied.
    """
    product = find_product(state, key)
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
    return is_team_member(state, cred, device.product_id)


def visible_device(state: State, cred: Credential, key: str) -> Device:
    """A device by ID (any case) or by the caller's device name, if the caller may see it.

    CHOICE: unknown and foreign devices get the same 403, so ids do not leak.
    """
    device = state.devices.get(key.lower())
    if device is None:
        device = next((d for d in state.devices.values()
                       if d.name == key and device_account(d) == cred.account), None)
    if device is None or not may_manage(state, cred, device):
        raise device_not_recognized()
    return device


def product_device(state: State, product: Product, device_id: str) -> Device:
    """A device of this product. CHOICE: 404 `{"ok": false, "error": "Device not found."}`."""
    device = state.devices.get(device_id.lower())
    if device is None or device.product_id != product.id:
        raise ok_error(404, "Device not found.", "That device is not in this product")
    return device
