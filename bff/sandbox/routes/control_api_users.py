"""Control API (not Particle's; no authentication): API users and orgs.

GET    /sandbox/api-users              every API user: [{"username", "token", "scopes", "friendly_name",
                                       "product_id", "org_id", "products", "created_at"}]
POST   /sandbox/api-users              {"product": id|slug} or {"org": id|slug}, "scopes": [...],
                                       "friendly_name"? -> 201, one such entry
DELETE /sandbox/api-users/<username>   the API user and its token
GET    /sandbox/orgs                   [{"id", "slug", "name", "products"}]
POST   /sandbox/orgs                   {"slug", "name"?, "products": [id|slug, ...]} -> 201; the
                                       products leave any other org (a product is in one org)
Particle's own routes for API users are in bff/sandbox/routes/teams.py.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import api_users
from ..auth import find_org, find_product
from ..errors import ok_error
from ..state import Org, State
from .context import store
from .params import params, text

bp = Blueprint("sandbox_control_api_users", __name__, url_prefix="/sandbox")
DEFAULT_FRIENDLY_NAME = "sandbox api user"


@bp.get("/api-users")
def list_api_users():
    with store().read() as state:
        return jsonify([api_users.control_json(state, u) for u in state.api_users.values()])


@bp.post("/api-users")
def create_api_user():
    body = params()
    with store().write() as state:
        product_id, org_id = _owner(state, body)
        user = api_users.create(state, store().now(),
                                text(body.get("friendly_name")) or DEFAULT_FRIENDLY_NAME,
                                api_users.parse_scopes(body.get("scopes")),
                                product_id=product_id, org_id=org_id)
        return jsonify(api_users.control_json(state, user)), 201


def _owner(state: State, body: dict) -> tuple[int | None, str | None]:
    """(product id, org id) of the new API user: exactly one of `product` and `org`."""
    product_key, org_key = text(body.get("product")), text(body.get("org"))
    if bool(product_key) == bool(org_key):
        raise ok_error(400, "Give product or org", "An API user belongs to one product or one org")
    if product_key:
        return find_product(state, product_key).id, None
    return None, find_org(state, org_key).id


@bp.delete("/api-users/<username>")
def delete_api_user(username: str):
    with store().write() as state:
        user = state.api_users.get(username.lower())
        if user is None:
            raise ok_error(404, "API user not found")
        api_users.delete(state, user)
        return jsonify({"ok": True})


@bp.get("/orgs")
def list_orgs():
    with store().read() as state:
        return jsonify([org_json(o) for o in state.orgs.values()])


@bp.post("/orgs")
def create_org():
    body = params()
    slug = text(body.get("slug"))
    if not slug:
        raise ok_error(400, "slug is required")
    with store().write() as state:
        if state.org(slug) is not None:
            raise ok_error(400, "An org with this slug exists")
        products = tuple(find_product(state, str(key)).id for key in body.get("products") or [])
        for other in state.orgs.values():
            if set(other.products) & set(products):
                other.products = tuple(p for p in other.products if p not in products)
        org = Org(id=api_users.org_id_for(slug), slug=slug, name=text(body.get("name")) or slug,
                  products=products)
        state.orgs[org.id] = org
        return jsonify(org_json(org)), 201


def org_json(org: Org) -> dict:
    return {"id": org.id, "slug": org.slug, "name": org.name, "products": list(org.products)}
