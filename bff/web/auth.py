"""The customers' sign-in pages (blueprint "auth"): phone, then the code texted to it.
Operators sign in on their own pages (bff/ops/sign_in.py).

Plain HTML forms that work without JavaScript. The phone number being signed in lives in the
(signed) session between the two steps, so no one can swap it in a hidden field; `next` rides
along in the forms and is only ever used through `safe_next`. Errors re-render the same form
with the plain message and next step (HTTP 400, or 429 with Retry-After); nothing changes.
No code ever appears in a page, a redirect or the log.
"""
from __future__ import annotations

from flask import (
    Blueprint, Flask, flash, redirect, render_template, request, session, url_for,
)
from flask_login import current_user

from bff.accounts.phones import pretty_phone
from bff.errors import (
    InvalidPhoneNumber, SignInCodeExpired, TooManySignInCodes, TooManyWrongCodes, WrongSignInCode,
)
from bff.web.login import client_ip, safe_next, sign_in, sign_out
from bff.web.pages import claim_and_show, claim_wished, remember_claim_wish, take_claim_wish
from bff.wiring import get_services

bp = Blueprint("auth", __name__)

PENDING_PHONE = "sign_in_phone"  # session key: the E.164 number a code was sent to
CUSTOMER_HOME = "/devices"


def init_app(app: Flask) -> None:
    """Register the sign-in pages."""
    app.register_blueprint(bp)


def _accounts():
    return get_services().accounts


def _redirect(target: str):
    return redirect(target, code=303)


# -- customers: phone, then code ----------------------------------------------------------------------


@bp.get("/login")
def login():
    """The phone form (or straight on, when already signed in)."""
    next_path = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return _redirect(next_path or CUSTOMER_HOME)
    return _phone_form(next_path)


@bp.post("/login")
def send_code():
    """Text a code to the number typed, then show the code form. From a device's landing ("Claim
    with your phone number"), the wish to claim it is kept for the code form."""
    next_path = safe_next(request.form.get("next"))
    phone_text = request.form.get("phone", "")
    remember_claim_wish(request.form)
    try:
        phone = _accounts().request_sign_in_code(phone_text, ip=client_ip())
    except InvalidPhoneNumber as exc:
        return _phone_form(next_path, error=exc, phone=phone_text, status=400)
    except TooManySignInCodes as exc:
        return _phone_form(next_path, error=exc, phone=phone_text, status=429)
    session[PENDING_PHONE] = phone
    return _redirect(url_for("auth.code", next=next_path))


@bp.get("/login/code")
def code():
    """The code form for the number in the session."""
    next_path = safe_next(request.args.get("next"))
    phone = session.get(PENDING_PHONE)
    if not phone:
        return _redirect(url_for("auth.login", next=next_path))
    return _code_form(phone, next_path)


@bp.post("/login/code")
def check_code():
    """Sign in with the code; back to where the person was going. Begun on a device's landing, the
    device is claimed here (this POST carries the form token) and the landing shows the result."""
    next_path = safe_next(request.form.get("next"))
    phone = session.get(PENDING_PHONE)
    if not phone:
        return _redirect(url_for("auth.login", next=next_path))
    try:
        user = _accounts().verify_sign_in_code(phone, request.form.get("code", ""), ip=client_ip())
    except (WrongSignInCode, SignInCodeExpired) as exc:
        return _code_form(phone, next_path, error=exc, status=400)
    except TooManyWrongCodes as exc:  # this address typed too many wrong codes (for any phones)
        return _code_form(phone, next_path, error=exc, status=429)
    session.pop(PENDING_PHONE, None)
    wish = take_claim_wish(next_path)  # before sign_in, which starts a fresh session
    sign_in(user, method="phone", remember=True)
    if wish is not None:
        return claim_and_show(wish["device_id"], wish["k"])
    return _redirect(next_path or CUSTOMER_HOME)


@bp.post("/login/resend")
def resend_code():
    """Text a new code to the number in the session (older codes stop working)."""
    next_path = safe_next(request.form.get("next"))
    phone = session.get(PENDING_PHONE)
    if not phone:
        return _redirect(url_for("auth.login", next=next_path))
    try:
        _accounts().request_sign_in_code(phone, ip=client_ip())
    except TooManySignInCodes as exc:
        return _code_form(phone, next_path, error=exc, status=429)
    flash("We sent you a new code. Older codes no longer work. Type the new one below.", "success")
    return _redirect(url_for("auth.code", next=next_path))


@bp.post("/logout")
def logout():
    """Sign out (a form with the CSRF token, never a link) and go to the start page."""
    sign_out()
    session.pop(PENDING_PHONE, None)
    return _redirect("/")


@bp.post("/logout/everywhere")
def logout_everywhere():
    """Sign out on every phone and browser (a lost phone, a shared computer)."""
    sign_out(everywhere=True)
    session.pop(PENDING_PHONE, None)
    flash("You are signed out on every phone and computer. Sign in again where you need to.", "success")
    return _redirect("/")


def _phone_form(next_path: str | None, *, error=None, phone: str = "", status: int = 200):
    page = render_template("auth/login.html", next=next_path, error=error, phone=phone)
    return _with_status(page, status, error)


def _code_form(phone: str, next_path: str | None, *, error=None, status: int = 200):
    page = render_template("auth/code.html", next=next_path, error=error, phone=pretty_phone(phone),
                           claiming=claim_wished(next_path))
    return _with_status(page, status, error)


def _with_status(page: str, status: int, error):
    headers = {}
    if status == 429 and getattr(error, "retry_after", None):
        headers["Retry-After"] = str(error.retry_after)
    return page, status, headers
