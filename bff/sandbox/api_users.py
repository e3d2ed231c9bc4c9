"""API users: programmatic team members of a product or an org, each with scopes and one token.

From "API users" in the Cloud API reference (https://docs.particle.io/reference/cloud-apis/api/#api-users)
and its generated endpoint list (`generated/api-service.json` of https://github.com/particle-iot/docs,
"Create an API user"): an API user belongs to one product or one organization, has a friendly
name and a list of scopes, and "will have a single non-expiring access token"; changing its
scopes replaces the token ("to prevent scope creep"); deleting it deletes the token. Its
username is `<friendly name>+<10 characters>@api.particle.io` (the documented examples:
`example-api-user+g7lvvcczos@api.particle.io`, `mytoken+sdfdsfdse34@api.particle.io`).
Which route needs which scope: bff/sandbox/auth.py and the routes; collected notes with sources:
docs/particle.md#api-users.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import string
from typing import Any, Iterable

from . import ids
from .errors import ok_error
from .state import ApiUser, Org, State, Token
from .times import iso

USERNAME_DOMAIN = "api.particle.io"
SUFFIX_SYMBOLS = string.ascii_lowercase + string.digits
SUFFIX_LENGTH = 10
API_USER_CLIENT = "api-user"   # CHOICE: the `client` GET /v1/access_tokens/current reports

# The scopes of the reference's "Available API user scopes" list: the `permission` names of the
# endpoints in generated/api-service.json (docs/particle.md#api-users).
SCOPES = frozenset({
    "clients:create", "clients:list", "clients:remove", "clients:update",
    "configuration:get", "configuration:update",
    "customers:list", "customers:remove", "customers:update",
    "devices.diagnostics.metadata:get", "devices.diagnostics.summary:get",
    "devices.diagnostics:get", "devices.diagnostics:update",
    "devices.function:call", "devices.variable:get",
    "devices:get", "devices:import", "devices:list", "devices:ping", "devices:release",
    "devices:remove", "devices:update",
    "events:get", "events:send",
    "firmware.binary:get", "firmware:create", "firmware:get", "firmware:list", "firmware:release",
    "firmware:remove", "firmware:update",
    "groups.impact:get", "groups:create", "groups:get", "groups:list", "groups:remove",
    "groups:update",
    "integrations:create", "integrations:get", "integrations:list", "integrations:remove",
    "integrations:test", "integrations:update",
    "locations:get", "organization:get", "products:get", "products:list",
    "service_agreements.notifications:list", "service_agreements.usage_reports:create",
    "service_agreements.usage_reports:get", "service_agreements:list",
    "sims.status:get", "sims.usage:get", "sims:get", "sims:import", "sims:list", "sims:remove",
    "sims:update",
    "teams.users:invite", "teams.users:list", "teams.users:remove", "teams.users:update",
})


def org_id_for(slug: str) -> str:
    """A 24-hex-digit org id (as Particle's), fixed by the slug: the demo org keeps its id."""
    return hashlib.sha256(f"bff-sandbox-org/{slug}".encode()).hexdigest()[:24]


def username_for(friendly_name: str, suffix: str | None = None) -> str:
    """`<friendly name as a slug>+<10 random characters>@api.particle.io`."""
    slug = re.sub(r"[^a-z0-9]+", "-", friendly_name.lower()).strip("-") or "api-user"
    suffix = suffix or "".join(secrets.choice(SUFFIX_SYMBOLS) for _ in range(SUFFIX_LENGTH))
    return f"{slug}+{suffix}@{USERNAME_DOMAIN}"


def parse_scopes(value: Any) -> tuple[str, ...]:
    """The scopes sent: a JSON array, repeated form fields, or one comma/space-separated string.
    CHOICE: none, or one not in SCOPES -> 400 `{"ok": false, "error": "Invalid scopes", ...}`."""
    if isinstance(value, str):
        items: Iterable[Any] = value.replace(",", " ").split()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        items = ()
    scopes = tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
    if not scopes:
        raise ok_error(400, "Invalid scopes", "scopes must be a non-empty list of scope names")
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise ok_error(400, "Invalid scopes", "Unknown scopes: " + ", ".join(unknown))
    return scopes


def friendly_name_of(value: Any) -> str:
    """The friendly name sent. CHOICE: missing -> 400 `{"ok": false, "error": ...}`."""
    name = "" if value is None else str(value).strip()
    if not name:
        raise ok_error(400, "friendly_name is required")
    return name


def create(state: State, now: float, friendly_name: str, scopes: tuple[str, ...], *,
           product_id: int | None = None, org_id: str | None = None,
           username: str | None = None, token: str | None = None) -> ApiUser:
    """A new API user of one product or one org, with its token (`username`, `token`: fixed
    ones, for the demo data)."""
    username = username or username_for(friendly_name)
    while username in state.api_users:  # a 10-character random suffix repeating: try again
        username = username_for(friendly_name)
    user = ApiUser(username=username, friendly_name=friendly_name, token="", created_at=now,
                   product_id=product_id, org_id=org_id, scopes=tuple(scopes))
    _issue(state, now, user, token)
    state.api_users[username] = user
    return user


def update(state: State, now: float, user: ApiUser, friendly_name: str | None,
           scopes: tuple[str, ...] | None) -> None:
    """New friendly name and/or scopes; new scopes replace the token (the old one stops working)."""
    if friendly_name:
        user.friendly_name = friendly_name
    if scopes is not None and tuple(scopes) != user.scopes:
        user.scopes = tuple(scopes)
        state.tokens.pop(user.token, None)
        _issue(state, now, user, None)


def delete(state: State, user: ApiUser) -> None:
    """The API user and its token are gone."""
    state.tokens.pop(user.token, None)
    del state.api_users[user.username]


def _issue(state: State, now: float, user: ApiUser, value: str | None) -> None:
    """The user's one token: never expires, no refresh token."""
    token = Token(access_token=value or ids.token(), refresh_token=None, kind="api_user",
                  client_id=API_USER_CLIENT, username=user.username, product_id=user.product_id,
                  created_at=now, expires_at=None)
    state.tokens[token.access_token] = token
    user.token = token.access_token


def products_of(state: State, user: ApiUser) -> frozenset[int]:
    """The products the API user reaches: its product, or every product of its org."""
    if user.org_id is not None:
        org = state.orgs.get(user.org_id)
        return frozenset(org.products) if org is not None else frozenset()
    return frozenset() if user.product_id is None else frozenset({user.product_id})


def of_product(state: State, product_id: int) -> list[ApiUser]:
    """The API users of one product (not those of its org), oldest first."""
    return sorted((u for u in state.api_users.values() if u.product_id == product_id),
                  key=lambda u: (u.created_at, u.username))


def of_org(state: State, org: Org) -> list[ApiUser]:
    """The API users of one org, oldest first."""
    return sorted((u for u in state.api_users.values() if u.org_id == org.id),
                  key=lambda u: (u.created_at, u.username))


def created_json(user: ApiUser) -> dict:
    """The API user as "Create an API user" answers it: `{"username", "is_programmatic",
    "tokens": [{"token"}]}`."""
    return {"username": user.username, "is_programmatic": True, "tokens": [{"token": user.token}]}


def team_entry(user: ApiUser) -> dict:
    """An API user in a team list: `{"username", "is_programmatic": true}` as documented."""
    return {"username": user.username, "is_programmatic": True}


def control_json(state: State, user: ApiUser) -> dict:
    """The control API's view: `{"username", "token", "scopes", "friendly_name", "product_id",
    "org_id", "products", "created_at"}`."""
    return {"username": user.username, "token": user.token, "scopes": list(user.scopes),
            "friendly_name": user.friendly_name, "product_id": user.product_id,
            "org_id": user.org_id, "products": sorted(products_of(state, user)),
            "created_at": iso(user.created_at)}
