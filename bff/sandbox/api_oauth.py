"""`POST /oauth/token` and the access-token routes (reference/particle-api.md §1.3, §2.2).

Grants: `password` (developer users with any client, "Any client ID will work"; product
customers with a password through their product's client), `client_credentials` (product token,
or customer token with `scope=customer=<username>`), `refresh_token`. Form-encoded only.
Error texts follow node-oauth2-server, whose messages Particle's token errors match.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .auth import (DEFAULT_EXPIRES_IN, authenticate, client_credentials, issue_token,
                   revoke_account_tokens, token_body)
from .errors import ApiError, oauth_error, rate_limited
from .state import State, Token, iso, parse_iso
from .web import cloud, is_form, note_credential

bp = Blueprint("sandbox_oauth", __name__)


@bp.post("/oauth/token")
def create_token():
    """Issue a token; counts failures per IP for the lock-out."""
    sandbox, ip = cloud(), request.remote_addr or "?"
    with sandbox.store.write() as state:
        now = sandbox.store.now()
        locked = sandbox.lockout.locked_for(ip, now) if state.options["token_lockout"] else 0
        if locked:
            raise rate_limited(locked, "Too many failed token requests from this IP address; "
                                       "it is blocked for 30 minutes.")
        try:
            body = _grant(state, now)
        except ApiError:
            sandbox.lockout.failed(ip, now)
            raise
        sandbox.lockout.succeeded(ip)
        return jsonify(body)


def _grant(state: State, now: float) -> dict:
    """Dispatch on grant_type."""
    if not is_form():
        raise oauth_error(400, "invalid_request",
                          "Method must be POST with application/x-www-form-urlencoded encoding")
    form = request.form.to_dict()
    grant = form.get("grant_type", "")
    client_id, secret = client_credentials(form)
    note_credential(kind="client", client_id=client_id)
    if not grant:
        raise oauth_error(400, "invalid_request", "Invalid or missing grant_type parameter")
    if client_id is None:
        raise oauth_error(400, "invalid_client", "Invalid or missing client_id parameter")
    handlers = {"password": _password, "client_credentials": _client_credentials,
                "refresh_token": _refresh}
    if grant not in handlers:
        if grant == "urn:custom:mfa-otp":  # no sandbox account has MFA enabled
            raise oauth_error(400, "invalid_grant", "Invalid or expired mfa_token")
        raise oauth_error(400, "unsupported_grant_type", "Unsupported grant type")
    return handlers[grant](state, now, form, client_id, secret or "")


def expires_in_param(form: dict, now: float) -> int:
    """`expires_in` seconds (0 = never) or `expires_at` ISO 8601; default 90 days."""
    try:
        if form.get("expires_at"):
            return max(1, round(parse_iso(form["expires_at"]) - now))
        value = form.get("expires_in")
        return DEFAULT_EXPIRES_IN if value in (None, "") else max(0, int(float(value)))
    except ValueError:
        raise oauth_error(400, "invalid_request", "Invalid expires_in or expires_at") from None


def _check_product_client(state: State, client_id: str, secret: str):
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
    token = next((t for t in state.tokens.values() if t.refresh_token == value), None)
    if token is None or (token.refresh_expires_at or 0) <= now:
        return None
    return token


@bp.get("/v1/access_tokens/current")
def current_token():
    """`{"expires_at","client","scopes","orgs"}` of the calling token."""
    sandbox = cloud()
    with sandbox.store.read() as state:
        cred = authenticate(state, sandbox.store.now())
        token = cred.token
        scopes = [f"customer={token.username}"] if token.kind == "customer" else []
        return jsonify({"expires_at": iso(token.expires_at), "client": token.client_id,
                        "scopes": scopes, "orgs": []})


@bp.delete("/v1/access_tokens/current")
def delete_current_token():
    """Revoke the calling token."""
    sandbox = cloud()
    with sandbox.store.write() as state:
        cred = authenticate(state, sandbox.store.now())
        state.tokens.pop(cred.token.access_token, None)
        return jsonify({"ok": True})


@bp.delete("/v1/access_tokens")
def delete_all_tokens():
    """Revoke every token of the calling account."""
    sandbox = cloud()
    with sandbox.store.write() as state:
        cred = authenticate(state, sandbox.store.now())
        revoke_account_tokens(state, cred.kind, cred.username, cred.product_id)
        return jsonify({"ok": True})


@bp.delete("/v1/access_tokens/<token>")
def delete_token(token: str):
    """Revoke one token of the calling account (CHOICE: authenticated with a Bearer token)."""
    sandbox = cloud()
    with sandbox.store.write() as state:
        cred = authenticate(state, sandbox.store.now())
        target = state.tokens.get(token)
        if target is not None and (target.kind, target.username, target.product_id) == (
                cred.kind, cred.username, cred.product_id):
            del state.tokens[token]
        return jsonify({"ok": True})
