"""The console's one access rule, over the whole URL map: every `/ops` route declares the permission
it needs, and every role gets exactly what bff/accounts/roles.py gives it (a plain 403 page
otherwise); people who are not signed in as operators go to the operators' sign-in page."""
from __future__ import annotations

import re

import pytest

from bff.accounts.roles import PERMISSIONS, ROLES, role_may
from bff.ops.blueprint import PUBLIC

from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import csrf_token, page_text
from tests.web.sign_in import sign_in

SAMPLE_ARGS = {"device_id": "0123456789abcdef01234567", "person_id": "1", "batch_id": "1",
               "operator_id": "1", "claim_id": "1"}


def ops_routes(app) -> list[tuple[str, str, str]]:
    """(method, path with sample arguments, permission) for every /ops route and method."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/ops"):
            continue
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "ops_permission", None)
        assert permission, f"{rule.rule} does not say which permission it needs (@requires)"
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_ARGS[m.group(1)], rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, path, permission))
    return routes


def test_every_ops_route_declares_a_known_permission(app):
    routes = ops_routes(app)
    assert len(routes) > 10
    for method, path, permission in routes:
        assert permission == PUBLIC or permission in PERMISSIONS, (method, path, permission)


def _request(client, method: str, path: str):
    if method == "GET":
        return client.get(path)
    token = csrf_token(client.get("/ops/login"))
    return client.open(path, method=method, data={"csrf_token": token})


def _went_to_sign_in(response) -> bool:
    """A page goes to the operators' sign-in page; a JSON route answers 401 in the JSON error shape."""
    if response.mimetype == "application/json":
        return response.status_code == 401 and response.get_json()["error"]["code"] == "not_signed_in"
    return response.status_code in (302, 303) and response.headers["Location"].startswith("/ops/login")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_what_its_permissions_allow(app, services, role):
    make_operator(services, f"op-{role}", role)
    client = app.test_client()
    ops_sign_in(client, services, f"op-{role}")
    for method, path, permission in ops_routes(app):
        if permission == PUBLIC:
            continue
        response = _request(client, method, path)
        if role_may(role, permission):
            assert response.status_code != 403 and not _went_to_sign_in(response), (role, method, path)
        else:
            assert response.status_code == 403, (role, method, path, response.status_code)
            assert "Your role does not allow this." in page_text(response)


def test_people_not_signed_in_as_operators_go_to_the_sign_in_page(app, services):
    anonymous, customer = app.test_client(), app.test_client()
    sign_in(customer, services)
    for client in (anonymous, customer):
        for method, path, permission in ops_routes(app):
            if permission == PUBLIC:
                continue
            response = _request(client, method, path)
            assert _went_to_sign_in(response), (method, path, response.status_code)


def test_the_403_page_says_what_to_do_and_links_to_the_operators_start(app, services):
    make_operator(services, "crew", "field")
    client = app.test_client()
    ops_sign_in(client, services, "crew")
    refused = client.get("/ops/audit")
    assert refused.status_code == 403
    assert "Ask an admin to do it, or to change your role." in page_text(refused)
    assert 'href="/ops/field"' in refused.text
    assert client.get("/ops/audit", headers={"Accept": "application/json"}).get_json()["error"]["code"] == "not_allowed"
