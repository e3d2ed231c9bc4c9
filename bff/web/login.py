"""Signing people in on the web: flask-login, CSRF on every form, cookie flags, safe `next`.

- Operator rights need a password sign-in: the session remembers how it signed in
  (`AUTH_METHOD`); an operator who signed in by phone code, or came back through the remember
  cookie, gets a customer's rights only.
- Pages that need a signed-in person use flask-login's `login_required`; the unauthorised handler
  sends a browser to the sign-in page of its kind (`/login`, or `/ops/login` for `/ops/...`) with
  `next` set, and answers JSON routes with the one JSON error shape.
"""
from __future__ import annotations

import re
import time

import flask_login
from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from bff.accounts import User
from bff.guesses import Guesser
from bff.errors import NotSignedIn
from bff.web.errors import wants_json
from bff.wiring import get_services

# Session key: how this session signed in ("phone" or "password"). Operator rights need "password".
AUTH_METHOD = "bff_auth"
OPS_SEEN = "ops_seen"  # session key: when an operator's session last made a request (idle limit)
clock = time.time  # the idle limit's clock (tests move it)

csrf = CSRFProtect()  # blueprints that take no forms exempt themselves: `csrf.exempt(bp)`

_BAD_NEXT_CHARS = re.compile(r"[^\x21-\x7e]|\\")


def init_app(app: Flask) -> None:
    """flask-login, CSRF on every form and the cookie flags."""
    _cookie_settings(app)
    login_manager = flask_login.LoginManager(app)
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    csrf.init_app(app)
    app.before_request(_end_idle_operator_session)


def _cookie_settings(app: Flask) -> None:
    """HttpOnly and SameSite=Lax always; Secure when bff is served over https."""
    secure = str(app.config.get("PUBLIC_URL", "")).lower().startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=secure,
    )
    app.config.setdefault("REMEMBER_COOKIE_DURATION", 30 * 24 * 3600)
    # The form token lives as long as the session: a claim page left open for an hour still works.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)


def _load_user(held: str) -> User | None:
    """The user of the browser's server-side session ("<id>.<token>"), if it is still live; with a
    customer's rights unless that session signed in with a password."""
    services = get_services()
    live = services.sessions.check(held)
    user = services.accounts.user(live.user_id) if live else None
    if user is None:
        return None
    user.held = held
    if user.is_operator and live.method != "password":
        return user.as_customer()
    return user


def _unauthorized():
    """Not signed in: JSON routes get a 401 in the one error shape, pages the sign-in form."""
    if wants_json():
        raise NotSignedIn("sign-in required")
    view = "ops.login" if request.path.startswith("/ops") else "auth.login"
    return redirect(url_for(view, next=request.full_path.rstrip("?")), 303)


def _end_idle_operator_session():
    """An operator's session ends after `OPS_IDLE_MINUTES` without a request (a shared desk, a
    lost phone); the next request goes to the sign-in page with a plain note."""
    if session.get(AUTH_METHOD) != "password" or request.endpoint == "static":
        return None
    now = clock()
    idle_limit = float(current_app.config["OPS_IDLE_MINUTES"]) * 60
    last_seen = session.get(OPS_SEEN)
    session[OPS_SEEN] = now
    if last_seen is None or now - float(last_seen) <= idle_limit:
        return None
    sign_out()
    flash(f"You were signed out after {current_app.config['OPS_IDLE_MINUTES']} minutes without "
          "activity. Sign in again to go on.", "info")
    if wants_json():
        raise NotSignedIn("operator session ended after inactivity")
    return redirect(url_for("ops.login", next=request.full_path.rstrip("?")), 303)


def sign_in(user: User, *, method: str, remember: bool = False) -> None:
    """Sign `user` in to this browser: a new server-side session (bff/accounts/sessions.py);
    `method` is "phone" or "password"."""
    session.clear()  # nothing of an earlier session (or sign-in step) carries over
    session[AUTH_METHOD] = method
    if method == "password":
        session[OPS_SEEN] = clock()
    user.held = get_services().sessions.start(user.id, method=method, remember=remember, ip=client_ip())
    flask_login.login_user(user, remember=remember)


def sign_out(*, everywhere: bool = False) -> None:
    """End this browser's session on the server (or every session of the person) and forget it here."""
    user = flask_login.current_user
    if user.is_authenticated:
        sessions = get_services().sessions
        sessions.end_all(user.id) if everywhere else sessions.end(user.get_id())
    flask_login.logout_user()
    session.pop(AUTH_METHOD, None)
    session.pop(OPS_SEEN, None)


def client_ip() -> str:
    """The address of the client, as the WSGI server saw it (the key of per-IP sign-in limits)."""
    return request.remote_addr or "unknown"


def guesser() -> Guesser:
    """Who tries a box's QR tag or label code from this request: the signed-in person (if any) and the
    address (the limits on wrong codes: bff/guesses.py)."""
    user = flask_login.current_user
    signed_in = bool(user and user.is_authenticated)
    return Guesser(user_id=user.id if signed_in else None, ip=client_ip(),
                   operator=signed_in and user.is_operator)


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site ("/d/..."), else None (no open redirects).

    Refused: anything not starting with exactly one "/" ("//evil", "https://...", "javascript:"),
    backslashes (browsers read "/\\evil" as "//evil"), spaces, control and non-ASCII characters
    (browsers drop tabs and new lines, which can turn "/\\t/evil" into "//evil").
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith("//") or _BAD_NEXT_CHARS.search(target):
        return None
    return target
