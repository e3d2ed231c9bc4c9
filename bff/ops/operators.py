"""`/ops/operators` (admins): the operators, a new operator, a role changed, an operator switched off or on.

Every change goes through `OperatorService`, which writes it to the audit log.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from bff.accounts.roles import ROLE_WORDS, ROLES
from bff.errors import InvalidPhoneNumber, OperatorSetupError
from bff.ops import confirm
from bff.ops.blueprint import bp, operator, requires
from bff.accounts.phones import masked_phone
from bff.operators.service import CONSOLE_HIDDEN
from bff.wiring import get_services


@bp.get("/operators")
@requires("operators")
def operators():
    return _page()


@bp.post("/operators")
@requires("operators")
def create_operator():
    form = request.form
    try:
        created = get_services().operators.create(
            operator(), form.get("login", ""), form.get("password", ""), role=form.get("role", ""),
            phone=form.get("phone", "").strip() or None)
    except (OperatorSetupError, InvalidPhoneNumber) as exc:
        return _page(error=exc, form=form, status=400)
    flash(f"Operator {created.login} can now sign in as {created.ops_role}.", "success")
    return redirect(url_for("ops.operators"), 303)


@bp.post("/operators/<int:operator_id>/role")
@requires("operators")
def change_role(operator_id: int):
    role = request.form.get("role", "")
    account = _account(operator_id)
    if not confirm.confirmed():
        return confirm.ask(f"Make {account.login} {role}?", ROLE_WORDS.get(role, role) + ".",
                           yes_words=f"Yes, make {account.login} {role}", back_url=url_for("ops.operators"))
    try:
        get_services().operators.set_role(operator(), operator_id, role)
    except OperatorSetupError as exc:
        return _page(error=exc, status=400)
    flash(f"{account.login} is now {role}.", "success")
    return redirect(url_for("ops.operators"), 303)


@bp.post("/operators/<int:operator_id>/switch")
@requires("operators")
def switch(operator_id: int):
    account = _account(operator_id)
    turn_on = request.form.get("to") == "on"
    if not confirm.confirmed():
        question = f"Switch {account.login} {'on' if turn_on else 'off'}?"
        consequence = ("They can sign in again with their password." if turn_on else
                       "They can no longer sign in, and their open sessions lose operator rights at once.")
        return confirm.ask(question, consequence, yes_words=f"Yes, switch {'on' if turn_on else 'off'}",
                           back_url=url_for("ops.operators"), danger=not turn_on)
    service = get_services().operators
    try:
        (service.switch_on if turn_on else service.switch_off)(operator(), operator_id)
    except OperatorSetupError as exc:
        return _page(error=exc, status=400)
    flash(f"{account.login} is switched {'on' if turn_on else 'off'}.", "success")
    return redirect(url_for("ops.operators"), 303)


def _account(operator_id: int):
    return get_services().operators.account(operator_id)


def _page(*, error=None, form=None, status: int = 200):
    accounts = get_services().operators.operators()
    page = render_template("ops/operators.html", accounts=accounts, roles=ROLES, role_words=ROLE_WORDS,
                           masked_phone=masked_phone, console_hidden=CONSOLE_HIDDEN, error=error, form=form or {}, me=operator())
    return page, status
