"""Product and org teams: the team list and the API users in it (create, update, delete).

As documented ("API users", https://docs.particle.io/reference/cloud-apis/api/#api-users, and
"Create an API user" / "List team members" / "Remove team member" in generated/api-service.json
of https://github.com/particle-iot/docs):
- `POST /v1/products/:productIdOrSlug/team` and `POST /v1/orgs/:orgIdOrSlug/team` with
  `{"friendly_name", "scopes": [...]}` -> 200 `{"ok": true, "created": {"username",
  "is_programmatic": true, "tokens": [{"token"}]}}`, with "an access token with permission to
  create users in your organization or product (administrator account)";
- `GET .../team` -> `{"ok": true, "team": [...]}`, API users marked `"is_programmatic": true`;
- `PUT .../team/:username` with new `friendly_name` / `scopes`: new scopes give a new token;
- `DELETE .../team/:username` -> `{"ok": true}`: the API user and its token are gone.
CHOICES: only team members' user tokens manage API users (an org's: a user in every product of
the org); API users "cannot ... administer users", so they get the API-user refusal there, but
may list the team with `teams.users:list`; team invitations (`username`) are not simulated.
Notes with sources: docs/particle.md#api-users.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from .. import api_users
from ..auth import Credential, check_scope, find_org, product_for, refuse_api_users
from ..errors import api_user_refused, ok_error, permission_denied
from ..shapes import product_json
from ..state import ApiUser, Org, Product, State
from .caller import authenticate
from .context import store
from .params import params

bp = Blueprint("sandbox_teams", __name__)
ADMINISTRATOR = {"id": "000000000000000000000002", "name": "Administrator"}  # the docs' example


# -- products ------------------------------------------------------------------------------
@bp.get("/v1/products/<product_key>/team")
def product_team(product_key: str):
    with store().read() as state:
        cred = authenticate(state, store().now())
        product = product_for(state, cred, product_key, "teams.users:list")
        humans = [u.username for u in state.users.values() if product.id in u.products]
        return jsonify(_team(humans, api_users.of_product(state, product.id)))


@bp.post("/v1/products/<product_key>/team")
def create_product_api_user(product_key: str):
    with store().write() as state:
        now = store().now()
        product = _administered_product(state, authenticate(state, now), product_key)
        return _create_api_user(state, now, product_id=product.id)


@bp.put("/v1/products/<product_key>/team/<username>")
@bp.post("/v1/products/<product_key>/team/<username>")
def update_product_api_user(product_key: str, username: str):
    with store().write() as state:
        now = store().now()
        product = _administered_product(state, authenticate(state, now), product_key)
        user = _member_api_user(state, username, lambda u: u.product_id == product.id)
        return jsonify(_update(state, now, user))


@bp.delete("/v1/products/<product_key>/team/<username>")
def remove_product_member(product_key: str, username: str):
    with store().write() as state:
        product = _administered_product(state, authenticate(state, store().now()), product_key)
        human = state.users.get(username.lower())
        if human is not None and product.id in human.products:
            human.products = [p for p in human.products if p != product.id]
            return jsonify({"ok": True})
        user = _member_api_user(state, username, lambda u: u.product_id == product.id)
        api_users.delete(state, user)
        return jsonify({"ok": True})


def _administered_product(state: State, cred: Credential, key: str) -> Product:
    """The product, if the caller is a team member's user token (API users: refused)."""
    refuse_api_users(cred)
    product = product_for(state, cred, key, "teams.users:invite")
    if cred.kind != "user":
        raise permission_denied("Only a team member's user access token can manage the team")
    return product


# -- orgs ----------------------------------------------------------------------------------
@bp.get("/v1/orgs/<org_key>/team")
def org_team(org_key: str):
    with store().read() as state:
        cred = authenticate(state, store().now())
        org = _org_for(state, cred, org_key, "teams.users:list")
        humans = [u.username for u in state.users.values() if _in_every_product(u.products, org)]
        return jsonify(_team(humans, api_users.of_org(state, org)))


@bp.get("/v1/orgs/<org_key>/products")
def org_products(org_key: str):
    """`{"products": [...]}` of the org ("List Organization Products")."""
    with store().read() as state:
        org = _org_for(state, authenticate(state, store().now()), org_key, "products:list")
        return jsonify({"products": [product_json(state.products[p]) for p in org.products
                                     if p in state.products]})


@bp.post("/v1/orgs/<org_key>/team")
def create_org_api_user(org_key: str):
    with store().write() as state:
        now = store().now()
        org = _administered_org(state, authenticate(state, now), org_key)
        return _create_api_user(state, now, org_id=org.id)


@bp.put("/v1/orgs/<org_key>/team/<username>")
@bp.post("/v1/orgs/<org_key>/team/<username>")
def update_org_api_user(org_key: str, username: str):
    with store().write() as state:
        now = store().now()
        org = _administered_org(state, authenticate(state, now), org_key)
        return jsonify(_update(state, now, _member_api_user(state, username,
                                                            lambda u: u.org_id == org.id)))


@bp.delete("/v1/orgs/<org_key>/team/<username>")
def remove_org_api_user(org_key: str, username: str):
    with store().write() as state:
        org = _administered_org(state, authenticate(state, store().now()), org_key)
        api_users.delete(state, _member_api_user(state, username, lambda u: u.org_id == org.id))
        return jsonify({"ok": True})


def _org_for(state: State, cred: Credential, key: str, scope: str) -> Org:
    """The org, for its API users (with `scope`) and the users in every one of its products."""
    check_scope(cred, scope)
    org = find_org(state, key)
    if cred.kind == "api_user":
        user = state.api_users.get(cred.username or "")
        if user is None or user.org_id != org.id:
            raise api_user_refused("This API user has no access to that organization")
        return org
    human = state.users.get(cred.username or "") if cred.kind == "user" else None
    if human is None or not _in_every_product(human.products, org):
        raise permission_denied("This access token has no access to that organization")
    return org


def _administered_org(state: State, cred: Credential, key: str) -> Org:
    refuse_api_users(cred)
    return _org_for(state, cred, key, "teams.users:invite")


def _in_every_product(products: list[int], org: Org) -> bool:
    """CHOICE: a user is in an org's team when it is a team member of every product of it."""
    return bool(org.products) and set(org.products) <= set(products)


# -- shared --------------------------------------------------------------------------------
def _create_api_user(state, now: float, **owner):
    """An API user of the product or org named in `owner`, from the request's friendly_name and
    scopes: Particle's `{"ok": true, "created": {...}}`."""
    body = _api_user_body()
    user = api_users.create(state, now, api_users.friendly_name_of(body.get("friendly_name")),
                            api_users.parse_scopes(body.get("scopes")), **owner)
    return jsonify({"ok": True, "created": api_users.created_json(user)})


def _api_user_body() -> dict:
    """The create body; CHOICE: team invitations (`username` without `friendly_name`) are not
    simulated -> 400."""
    body = params()
    if body.get("username") and not body.get("friendly_name"):
        raise ok_error(400, "Team invitations are not simulated",
                       "Create API users with friendly_name and scopes")
    return body


def _member_api_user(state: State, username: str, belongs: Any) -> ApiUser:
    """An API user of this team. CHOICE: anyone else -> 404 `{"ok": false, "error": "User not
    found."}`."""
    user = state.api_users.get(username.lower())
    if user is None or not belongs(user):
        raise ok_error(404, "User not found.", f"No API user {username!r} in this team")
    return user


def _update(state: State, now: float, user: ApiUser) -> dict:
    """New friendly name and/or scopes -> `{"ok": true, "updated": {"username",
    "is_programmatic", "tokens": [{"token"}]}}` (CHOICE: the documented create answer's shape)."""
    body = params()
    name = str(body.get("friendly_name") or "").strip() or None
    scopes = api_users.parse_scopes(body["scopes"]) if "scopes" in body else None
    api_users.update(state, now, user, name, scopes)
    return {"ok": True, "updated": api_users.created_json(user)}


def _team(humans: list[str], programmatic: list[ApiUser]) -> dict:
    """`{"ok": true, "team": [...]}`: people (CHOICE: every sandbox member an Administrator),
    then API users."""
    return {"ok": True, "team": [{"username": name, "role": ADMINISTRATOR} for name in humans]
            + [api_users.team_entry(user) for user in programmatic]}
