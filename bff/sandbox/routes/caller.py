"""Who is calling: the access token or the OAuth client credentials of this request.

Token transport ("How to send your access token",
https://docs.particle.io/reference/cloud-apis/api/; docs/particle.md#requests):
`Authorization: Bearer` always; `?access_token=` on GET (CHOICE: also DELETE, as the docs' own
curl examples delete with it); `access_token` in a form body of POST, PUT or DELETE. OAuth
clients send HTTP Basic `client_id:client_secret` or `client_id`/`client_secret` fields.
"""
from __future__ import annotations

import base64
import binascii

from flask import request

from ..auth import Credential, credential_for
from ..errors import invalid_token, missing_token
from ..state import State
from .params import is_form, note_credential


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


def authenticate(state: State, now: float) -> Credential:
    """The credential of this request; missing token -> 400, unknown/expired -> 401."""
    value = bearer_token()
    if value is None:
        note_credential(kind="none")
        raise missing_token()
    cred = credential_for(state, now, value)
    if cred is None:
        note_credential(kind="invalid")
        raise invalid_token()
    note_credential(kind=cred.kind, username=cred.username, product_id=cred.product_id)
    return cred


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
