"""Who is calling the JSON API: the bearer token of the request (bff/accounts/api_tokens.py).

A session cookie never signs anyone in to the API: the API has no CSRF check, so it must not
honour one.
"""
from __future__ import annotations

import re

from flask import g, request

from bff.accounts import ApiCaller, ApiTokens
from bff.errors import ApiNotSignedIn

_BEARER = re.compile(r"Bearer[ \t]+([A-Za-z0-9._~+/=-]{1,200})[ \t]*", re.IGNORECASE)


def current_caller(tokens: ApiTokens) -> ApiCaller:
    """The caller of this request (from its bearer token), or ApiNotSignedIn."""
    caller = getattr(g, "api_caller", None)
    if caller is not None:
        return caller
    match = _BEARER.fullmatch(request.headers.get("Authorization", ""))
    if match is None:
        raise ApiNotSignedIn("no bearer token")
    caller = tokens.caller(match.group(1))
    if caller is None:
        raise ApiNotSignedIn("unknown or revoked token", code="invalid_token",
                             public_message="Your sign-in is no longer valid.",
                             next_step="Sign in again with POST /api/v1/sign-in.")
    g.api_caller = caller
    return caller
