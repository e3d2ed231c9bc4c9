"""The operators' console blueprint (`/ops`) and its one access rule.

Every view of the console is declared with `@requires(permission)` (bff/accounts/roles.py):
not signed in as an operator → the operators' sign-in page; signed in without the permission →
a plain 403 page (`NotAllowed`). `tests/ops/test_ops_roles.py` walks the URL map to check that
every `/ops` route says which permission it needs, and tries each with every role.
"""
from __future__ import annotations

from functools import wraps

import flask_login
from flask import Blueprint, current_app, g

from bff.errors import NotAllowed

bp = Blueprint("ops", __name__, url_prefix="/ops")
PUBLIC = "public"  # the sign-in pages: the only /ops views open to everyone


def requires(permission: str):
    """Only operators whose role allows `permission` reach the view."""
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            user = flask_login.current_user
            if not (user.is_authenticated and user.is_operator):
                return current_app.login_manager.unauthorized()
            if not user.may(permission):
                raise NotAllowed(f"{user.login} ({user.ops_role}) may not {permission}")
            g.ops_permission = permission
            return view(*args, **kwargs)
        guarded.ops_permission = permission
        return guarded
    return decorate


def public(view):
    """Mark a view of the console open to everyone (the sign-in steps)."""
    view.ops_permission = PUBLIC
    return view


def operator():
    """The operator of this request (a `User`); only inside a `requires` view."""
    return flask_login.current_user._get_current_object()
