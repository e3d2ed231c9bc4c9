"""Product customers and claim codes.

Creating a customer ("Create a customer", https://docs.particle.io/reference/cloud-apis/api/):
HTTP Basic client credentials or `client_id`/`client_secret` body fields of the product's OAuth
client (particle-api-js's createCustomer form), or a Bearer token of a team member / the product;
`email` required; `password`, or `no_password=true`. 201 with the token JSON. Usernames are
stored lower-cased and are unique per product (CHOICE). Claim codes: `POST /v1/device_claims`
and `POST /v1/products/:p/device_claims` (rules in bff/sandbox/claims.py). API users: listing,
updating and deleting customers with `customers:list`, `customers:update`, `customers:remove`;
creating customers and claim codes have no scope in the reference, so they are refused to API
users (docs/particle.md#api-users).
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import claims, ids
from ..auth import (Credential, find_product, is_team_member, product_for, refuse_api_users,
                    set_owner)
from ..errors import oauth_error, ok_error, permission_denied
from ..shapes import customer_device_json, customer_devices, customer_json
from ..state import Customer, Product, State
from ..tokens import expires_in_param, issue_token, revoke_account_tokens, token_body
from .caller import authenticate, client_credentials
from .context import store
from .params import flag, note_credential, page_args, paginate, params, text

bp = Blueprint("sandbox_customers", __name__)


@bp.post("/v1/products/<product_key>/customers")
def create_customer(product_key: str):
    """Create a customer and log it in: 201 `{token_type, access_token, refresh_token, expires_in}`."""
    with store().write() as state:
        now = store().now()
        body = params()
        product, client_id = _creator(state, now, product_key, body)
        email, password = _new_login(state, product, body)
        lifetime = expires_in_param({k: str(v) for k, v in body.items()
                                     if k in ("expires_in", "expires_at")}, now)
        state.customers.append(Customer(id=ids.hex_id(), username=email, product_id=product.id,
                                        password=password or None, created_at=now))
        token = issue_token(state, now, "customer", client_id, email, product.id, lifetime)
        return jsonify(token_body(token, now, with_scope=False)), 201


def _creator(state: State, now: float, product_key: str, body: dict) -> tuple[Product, str]:
    """The product and the client id the new customer's token is issued to."""
    client_id, secret = client_credentials(body)
    if client_id is None:
        cred = authenticate(state, now)
        return product_for(state, cred, product_key, None), cred.token.client_id
    product = state.product(product_key)
    note_credential(kind="client", client_id=client_id, product_id=getattr(product, "id", None))
    if product is None:
        raise ok_error(404, "Product not found.", f"No product with id or slug {product_key!r}")
    if product.client_id != client_id or product.client_secret != (secret or ""):
        raise oauth_error(400, "invalid_client", "Client credentials are invalid")
    return product, client_id


def _new_login(state: State, product: Product, body: dict) -> tuple[str, str]:
    """The new customer's email and password (checked: present, not taken in this product)."""
    email = text(body.get("email")).lower()
    password = text(body.get("password"))
    if not email:
        raise oauth_error(400, "invalid_request", "email is required")
    if not password and not flag(body.get("no_password")):
        raise oauth_error(400, "invalid_request", "password is required (or no_password=true)")
    if state.customer(product.id, email) is not None:
        # CHOICE (not documented): 400 in the OAuth family.
        raise oauth_error(400, "customer_exists",
                          "A customer with this email already exists in this product")
    return email, password


@bp.get("/v1/products/<product_key>/customers")
def list_customers(product_key: str):
    """`{"customers", "devices", "meta": {"total_pages"}}`; CHOICE: paged with `page` and
    `perPage`/`per_page` (default 25), oldest customer first."""
    with store().read() as state:
        product = product_for(state, authenticate(state, store().now()), product_key,
                              "customers:list")
        everyone = sorted((c for c in state.customers if c.product_id == product.id),
                          key=lambda c: (c.created_at, c.username))
        shown, total_pages = paginate(everyone, *page_args())
        devices = [d for c in shown for d in customer_devices(state, c)]
        return jsonify({"customers": [customer_json(state, c) for c in shown],
                        "devices": [customer_device_json(d) for d in devices],
                        "meta": {"total_pages": total_pages}})


def _customer(state: State, product: Product, username: str) -> Customer:
    customer = state.customer(product.id, username)
    if customer is None:
        raise ok_error(404, "Customer not found.", f"No customer {username!r} in this product")
    return customer


@bp.delete("/v1/products/<product_key>/customers/<username>")
def delete_customer(product_key: str, username: str):
    """Delete; revokes its tokens and pending claim codes. CHOICE: its devices are unclaimed
    (they stay in the product)."""
    with store().write() as state:
        product = product_for(state, authenticate(state, store().now()), product_key,
                              "customers:remove")
        customer = _customer(state, product, username)
        revoke_account_tokens(state, "customer", customer.username, product.id)
        claims.revoke_codes(state, ("customer", product.id, customer.username))
        for device in customer_devices(state, customer):
            set_owner(device, None)
        state.customers.remove(customer)
        return jsonify({"ok": True})


@bp.put("/v1/products/<product_key>/customers/<username>")
def set_customer_password(product_key: str, username: str):
    """Set a customer's password -> `{"ok": true}`, as documented."""
    with store().write() as state:
        product = product_for(state, authenticate(state, store().now()), product_key,
                              "customers:update")
        customer = _customer(state, product, username)
        password = text(params().get("password"))
        if not password:
            raise ok_error(400, "password is required")
        customer.password = password
        return jsonify({"ok": True})


@bp.post("/v1/device_claims")
def create_claim_code():
    """A claim code for the caller (users; customers get one bound to their product)."""
    with store().write() as state:
        now = store().now()
        cred = authenticate(state, now)
        refuse_api_users(cred)
        if cred.kind == "product":
            raise permission_denied("Claim codes need a user or customer access token")
        return jsonify(_claim_code(state, now, cred, cred.product_id))


@bp.post("/v1/products/<product_key>/device_claims")
def create_product_claim_code(product_key: str):
    """A claim code bound to the product; for its customers (CHOICE: also team members)."""
    with store().write() as state:
        now = store().now()
        cred = authenticate(state, now)
        refuse_api_users(cred)
        product = find_product(state, product_key)
        allowed = (cred.kind == "customer" and cred.product_id == product.id) or (
            is_team_member(state, cred, product.id))
        if not allowed:
            raise permission_denied("The access token must belong to a customer of this product")
        return jsonify(_claim_code(state, now, cred, product.id))


def _claim_code(state: State, now: float, cred: Credential, product_id: int | None) -> dict:
    """`{"claim_code", "device_ids"}`; `iccid` (else `imei`) becomes the code. Form, JSON or
    an empty body."""
    body = params()
    code = claims.issue_code(state, now, cred, product_id,
                             iccid=text(body.get("iccid")), imei=text(body.get("imei")))
    return {"claim_code": code.code, "device_ids": claims.owned_device_ids(state, cred.account)}
