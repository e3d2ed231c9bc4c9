"""Operators' sign-in (`/ops/login`, `/ops/login/code`): password, then for admins and support a
one-time code texted to their phone (bff/operators/service.py says why SMS).

The operator waiting for the second step lives in the signed session (`OPS_PENDING`), never in a
form field; only after the code does the session get operator rights (`sign_in(method="password")`).
Errors re-render the same form with the plain message (400, or 429 with Retry-After).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for

from bff.errors import (
    SignInCodeExpired, TooManySignInCodes, TooManySignInTries, WrongPassword, WrongSignInCode,
)
from bff.ops.blueprint import bp, public
from bff.web.login import client_ip, safe_next, sign_in
from bff.wiring import get_services

OPS_PENDING = "ops_pending"  # session: [operator id, masked phone, next path] between the two steps


def _home_for(operator) -> str:
    return url_for("ops.home") if operator.may("home") else url_for("ops.field")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Login and password; then the code step, or straight in for field crews."""
    next_path = safe_next(request.values.get("next"))
    if request.method == "GET":
        return _password_form(next_path)
    login_text = request.form.get("login", "")
    operators = get_services().operators
    try:
        operator = operators.check_password(login_text, request.form.get("password", ""), ip=client_ip())
    except WrongPassword as exc:
        return _password_form(next_path, error=exc, login=login_text, status=400)
    except TooManySignInTries as exc:
        return _password_form(next_path, error=exc, login=login_text, status=429)
    if not operators.needs_second_factor(operator):
        return _signed_in(operator, next_path)
    try:
        shown = operators.send_second_factor(operator, ip=client_ip())
    except (TooManySignInCodes, SignInCodeExpired) as exc:
        return _password_form(next_path, error=exc, login=login_text, status=_status_of(exc))
    session[OPS_PENDING] = [operator.id, shown, next_path]
    return redirect(url_for("ops.login_code"), 303)


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    """The second step: the code texted to the operator's phone."""
    pending = session.get(OPS_PENDING)
    if not pending:
        return redirect(url_for("ops.login"), 303)
    next_path = safe_next(pending[2])
    if request.method == "GET":
        return _code_form(pending[1], next_path)
    try:
        operator = get_services().operators.check_second_factor(
            pending[0], request.form.get("code", ""), ip=client_ip())
    except (WrongSignInCode, SignInCodeExpired) as exc:
        return _code_form(pending[1], next_path, error=exc, status=400)
    session.pop(OPS_PENDING, None)
    return _signed_in(operator, next_path)


def _signed_in(operator, next_path: str | None):
    sign_in(operator, method="password")
    flash(f"Signed in as {operator.login}.", "success")
    return redirect(next_path or _home_for(operator), 303)


def _password_form(next_path, *, error=None, login: str = "", status: int = 200):
    page = render_template("ops/login.html", next=next_path, error=error, login=login)
    return page, status, _retry_after(error)


def _code_form(shown_phone: str, next_path, *, error=None, status: int = 200):
    page = render_template("ops/login_code.html", next=next_path, error=error, phone=shown_phone)
    return page, status, _retry_after(error)


def _status_of(error) -> int:
    return 429 if isinstance(error, TooManySignInCodes) else 400


def _retry_after(error) -> dict:
    seconds = getattr(error, "retry_after", None)
    return {"Retry-After": str(int(seconds) + 1)} if seconds else {}
