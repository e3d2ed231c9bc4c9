"""`POST /oauth/token` and the access-token routes.

The grants themselves are in bff/sandbox/tokens.py; this module reads the form (form-encoded
only: "doesn't accept JSON requests, only form encoded requests", "Generate an access token",
https://docs.particle.io/reference/cloud-apis/api/), applies the lock-out per IP, and serves
`GET|DELETE /v1/access_tokens/current`, `DELETE /v1/access_tokens[/:token]`. An API user's
token is deleted with the API user (`DELETE /v1/products/:p/team/:username`), not here (CHOICE:
these deletes are refused to API users; GET current shows their scopes).
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..auth import refuse_api_users
from ..errors import ParticleError, oauth_error, rate_limited
from ..state import State
from ..times import iso
from ..tokens import grant, revoke_account_tokens
from .caller import authenticate, client_credentials
from .context import lockout, store
from .params import is_form, note_credential

bp = Blueprint("sandbox_oauth", __name__)


@bp.post("/oauth/token")
def create_token():
    """Issue a token; counts failures per IP for the lock-out."""
    ip = request.remote_addr or "?"
    with store().write() as state:
        now = store().now()
        locked = lockout().locked_for(ip, now) if state.options["token_lockout"] else 0
        if locked:
            raise rate_limited(locked, "Too many failed token requests from this IP address; "
                                       "it is blocked for 30 minutes.")
        try:
            body = _grant(state, now)
        except ParticleError:
            lockout().failed(ip, now)
            raise
        lockout().succeeded(ip)
        return jsonify(body)


def _grant(state: State, now: float) -> dict:
    """The form and client credentials of this request, handed to the grant rules."""
    if not is_form():
        raise oauth_error(400, "invalid_request",
                          "Method must be POST with application/x-www-form-urlencoded encoding")
    form = request.form.to_dict()
    client_id, secret = client_credentials(form)
    note_credential(kind="client", client_id=client_id)
    return grant(state, now, form, client_id, secret)


@bp.get("/v1/access_tokens/current")
def current_token():
    """`{"expires_at","client","scopes","orgs"}` of the calling token (an API user's: its
    scopes, and its org's id for an org API user)."""
    with store().read() as state:
        cred = authenticate(state, store().now())
        token = cred.token
        scopes = [f"customer={token.username}"] if token.kind == "customer" else list(cred.scopes)
        user = state.api_users.get(token.username or "") if token.kind == "api_user" else None
        orgs = [user.org_id] if user is not None and user.org_id else []
        return jsonify({"expires_at": iso(token.expires_at), "client": token.client_id,
                        "scopes": scopes, "orgs": orgs})


@bp.delete("/v1/access_tokens/current")
def delete_current_token():
    """Revoke the calling token."""
    with store().write() as state:
        cred = authenticate(state, store().now())
        refuse_api_users(cred)
        state.tokens.pop(cred.token.access_token, None)
        return jsonify({"ok": True})


@bp.delete("/v1/access_tokens")
def delete_all_tokens():
    """Revoke every token of the calling account."""
    with store().write() as state:
        cred = authenticate(state, store().now())
        refuse_api_users(cred)
        revoke_account_tokens(state, cred.kind, cred.username, cred.product_id)
        return jsonify({"ok": True})


@bp.delete("/v1/access_tokens/<token>")
def delete_token(token: str):
    """Revoke one token of the calling account (CHOICE: authenticated with a Bearer token)."""
    with store().write() as state:
        cred = authenticate(state, store().now())
        refuse_api_users(cred)
        target = state.tokens.get(token)
        if target is not None and (target.kind, target.username, target.product_id) == (
                cred.kind, cred.username, cred.product_id):
            del state.tokens[token]
        return jsonify({"ok": True})
