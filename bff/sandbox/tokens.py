"""Access tokens: the OAuth grants that issue them, their JSON, their lifetime and revocation.

Grants of `POST /oauth/token` ("Generate an access token",
https://docs.particle.io/reference/cloud-apis/api/): `password` (developer users with any
client: "Any client ID will work"; product customers with a password through their product's
client), `client_credentials` (a product token, or a customer token with
`scope=customer=<username>`), `refresh_token`. Default lifetime 7776000 s (90 days), `0` = never;
refresh tokens live 14 days. Error texts follow node-oauth2-server, whose messages Particle's
token errors match. Collected notes with sources: docs/particle.md#tokens.
"""
from __future__ import annotations

from typing import Callable

from . import ids
from .errors import oauth_error
from .state import Product, State, Token
from .times import parse_iso

DEFAULT_EXPIRES_IN = 7776000          # 90 days
REFRESH_LIFETIME = 14 * 24 * 3600     # refresh tokens live 14 days
MFA_GRANT = "urn:custom:mfa-otp"


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
    doomed = [token.access_token for token in state.tokens_of_account(kind, username, product_id)]
    for key in doomed:
        del state.tokens[key]
    return len(doomed)


def expires_in_param(form: dict, now: float) -> int:
    """`expires_in` seconds (0 = never) or `expires_at` ISO 8601; default 90 days."""
    try:
        if form.get("expires_at"):
            return max(1, round(parse_iso(form["expires_at"]) - now))
        value = form.get("expires_in")
        return DEFAULT_EXPIRES_IN if value in (None, "") else max(0, int(float(value)))
    except ValueError:
        raise oauth_error(400, "invalid_request", "Invalid expires_in or expires_at") from None


def grant(state: State, now: float, form: dict, client_id: str | None, secret: str | None) -> dict:
    """The token JSON for one `/oauth/token` form (client credentials already extracted)."""
    grant_type = form.get("grant_type", "")
    if not grant_type:
        raise oauth_error(400, "invalid_request", "Invalid or missing grant_type parameter")
    if client_id is None:
        raise oauth_error(400, "invalid_client", "Invalid or missing client_id parameter")
    handler = GRANTS.get(grant_type)
    if handler is None:
        if grant_type == MFA_GRANT:  # no sandbox account has MFA enabled
            raise oauth_error(400, "invalid_grant", "Invalid or expired mfa_token")
        raise oauth_error(400, "unsupported_grant_type", "Unsupported grant type")
    return handler(state, now, form, client_id, secret or "")


def _check_product_client(state: State, client_id: str, secret: str) -> Product | None:
    """The product of a product OAuth client whose secret matches (None for other client ids)."""
    product = state.product_by_client(client_id)
    if product is not None and product.client_secret != secret:
        raise oauth_error(400, "invalid_client", "Client credentials are invalid")
    return product


def _password(state: State, now: float, form: dict, client_id: str, secret: str) -> dict:
    """Developer login with any client; customer login through its product's client."""
    username, password = form.get("username", "").strip().lower(), form.get("password", "")
    product = _check_product_client(state, client_id, secret)
    customer = state.customer(product.id, username) if product else None
    if customer is not None and customer.password and customer.password == password:
        token = issue_token(state, now, "customer", client_id, customer.username, product.id,
                            expires_in_param(form, now))
        return token_body(token, now)
    user = state.users.get(username)
    if user is None or user.password != password:
        raise oauth_error(400, "invalid_grant", "User credentials are invalid")
    token = issue_token(state, now, "user", client_id, user.username, None, expires_in_param(form, now))
    return token_body(token, now)


def _client_credentials(state: State, now: float, form: dict, client_id: str, secret: str) -> dict:
    """Product token (no scope) or customer token (scope=customer=<username>)."""
    product = _check_product_client(state, client_id, secret)
    if product is None:
        raise oauth_error(400, "invalid_client", "Client credentials are invalid")
    scope = form.get("scope", "").strip()
    if not scope:
        token = issue_token(state, now, "product", client_id, None, product.id, expires_in_param(form, now))
        return token_body(token, now)
    if not scope.startswith("customer="):
        raise oauth_error(400, "invalid_scope", "Invalid scope")
    # CHOICE (not documented): an unknown customer is 400 invalid_grant "Customer not found".
    customer = state.customer(product.id, scope[len("customer="):])
    if customer is None:
        raise oauth_error(400, "invalid_grant", "Customer not found")
    token = issue_token(state, now, "customer", client_id, customer.username, product.id,
                        expires_in_param(form, now))
    return token_body(token, now)


def _refresh(state: State, now: float, form: dict, client_id: str, secret: str) -> dict:
    """A new token for a valid refresh token of the same client; the refresh token rotates.

    CHOICE: refresh works for every token kind (the docs say it is only useful for product
    tokens); the old access token stays valid until it expires.
    """
    _check_product_client(state, client_id, secret)
    old = _find_refresh(state, form.get("refresh_token", ""), now)
    if old is None or old.client_id != client_id:
        raise oauth_error(400, "invalid_grant", "Invalid refresh token")
    expires_in = expires_in_param(form, now)
    old.refresh_token = None
    token = issue_token(state, now, old.kind, client_id, old.username, old.product_id, expires_in)
    return token_body(token, now)


def _find_refresh(state: State, value: str, now: float) -> Token | None:
    """The token a refresh token belongs to, if the refresh token is still valid."""
    if not value:
        return None
    token = state.token_by_refresh(value)
    if token is None or (token.refresh_expires_at or 0) <= now:
        return None
    return token


GRANTS: dict[str, Callable[[State, float, dict, str, str], dict]] = {
    "password": _password, "client_credentials": _client_credentials, "refresh_token": _refresh,
}
