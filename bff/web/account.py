"""`/account`: the signed-in person's account: their phone number, and "Change my number".

A thin blueprint over bff/accounts/number_change.py: the new number (and "I no longer have my old
number"), then the code(s) texted, then done. No JavaScript; every form carries its CSRF token; a
refusal shows the form again with what happened and what to do next.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from bff import errors
from bff.accounts.phones import pretty_phone
from bff.web.errors import status_and_code
from bff.web.login import client_ip
from bff.web.responses import no_store
from bff.wiring import get_services

bp = Blueprint("account", __name__)
bp.after_request(no_store)  # these pages show a phone number


@bp.get("/account")
@login_required
def account():
    change = get_services().number_changes.current(current_user.id)
    return render_template("web/account.html", phone=pretty_phone(current_user.phone or ""), change=change)


@bp.get("/account/number")
@login_required
def number_form():
    return render_template("web/account_number.html", phone="", lost=False, error=None)


@bp.post("/account/number")
@login_required
def start_number_change():
    phone, lost = request.form.get("phone", "")[:40], request.form.get("lost") == "yes"
    try:
        get_services().number_changes.start(current_user, phone, ip=client_ip(), old_number_lost=lost)
    except errors.BffError as error:
        return render_template("web/account_number.html", phone=phone, lost=lost, error=error), \
            status_and_code(error)[0]
    return redirect(url_for("account.codes"), 303)


@bp.get("/account/number/code")
@login_required
def codes():
    change = get_services().number_changes.current(current_user.id)
    if change is None:
        return redirect(url_for("account.number_form"), 303)
    return _codes_page(change)


@bp.post("/account/number/code")
@login_required
def check_codes():
    changes = get_services().number_changes
    try:
        change = changes.confirm(current_user.id, new_code=request.form.get("new_code", "")[:20],
                                 old_code=request.form.get("old_code", "")[:20])
    except errors.NoNumberChange as error:
        return render_template("web/account_number.html", phone="", lost=False, error=error), 404
    except errors.BffError as error:
        change = changes.current(current_user.id)
        if change is None:
            return render_template("web/account_number.html", phone="", lost=False, error=error), 400
        return _codes_page(change, error), status_and_code(error)[0]
    if change.done:
        flash("Your account now uses your new number. Sign in with it from now on.", "ok")
        return redirect(url_for("account.account"), 303)
    return redirect(url_for("account.codes"), 303)


@bp.post("/account/number/cancel")
@login_required
def cancel():
    get_services().number_changes.cancel(current_user.id)
    return redirect(url_for("account.account"), 303)


def _codes_page(change, error: errors.BffError | None = None):
    message, next_step = change.words
    return render_template("web/account_code.html", change=change, new_phone=pretty_phone(change.new_phone),
                           message=message, next_step=next_step, error=error)
