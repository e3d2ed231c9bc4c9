"""`/ops/people/<person_id>` (permission "people"): a person's phone (masked but for admins),
devices (each linked to the doctor), claims, sign-in history and what operators did to them.

Sharing a device with another person is a later issue: the page says there are no shares.

"Move to a new number" (permission "fix"; bff/accounts/number_change.py): for a person who lost
their old phone. The operator types the new number, bff texts a code to it, the person reads it out
(or types it at /account/number) and the operator types it here; or, when the person started the
move themselves without their old number, the operator confirms it. Each step asks first, and the
service audits it ("person.number_change").
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from bff import errors
from bff.ops import confirm
from bff.ops.blueprint import bp, operator, requires
from bff.web.errors import status_and_code
from bff.ops.doctor import page_helpers
from bff.wiring import get_services


@bp.get("/people/<int:person_id>")
@requires("people")
def person(person_id: int):
    return _person_page(person_id)


def _person_page(person_id: int, *, error: errors.BffError | None = None, status: int = 200):
    services = get_services()
    report = services.ownership.person_report(person_id)
    if report is None:
        abort(404)
    change = services.number_changes.current(person_id)
    return render_template("ops/person.html", person=report, number_change=change, number_error=error,
                           **page_helpers()), status


@bp.post("/people/<int:person_id>/number")
@requires("fix")
def move_number(person_id: int):
    """Start the move: a code texted to the new number the operator typed."""
    if not confirm.confirmed():
        return confirm.ask("Move this person to a new number?", "bff texts a code to the new number. The person "
                           "reads it to you, and you type it here. Their devices stay theirs.",
                           yes_words="Yes, text the code", back_url=_page_url(person_id), about=f"Person {person_id}")
    return _number_step(person_id, lambda: get_services().number_changes.start_for(
        operator(), person_id, request.form.get("phone", "")[:40]),
        "Code texted to the new number. Ask the person to read it to you, then type it below.")


@bp.post("/people/<int:person_id>/number/confirm")
@requires("fix")
def confirm_number(person_id: int):
    """The code the person read out (unless they proved the new number themselves): the move is made."""
    if not confirm.confirmed():
        return confirm.ask("Finish the move to the new number?", "Check it is really this person first. Their old "
                           "number stops signing in; they get a text on both numbers.",
                           yes_words="Yes, move them", back_url=_page_url(person_id), danger=True,
                           about=f"Person {person_id}")
    return _number_step(person_id, lambda: get_services().number_changes.confirm_by_operator(
        operator(), person_id, new_code=request.form.get("code", "")[:20]),
        "Done: the person uses the new number now. Both numbers got a text.")


def _number_step(person_id: int, do, message: str):
    try:
        do()
    except errors.BffError as error:
        return _person_page(person_id, error=error, status=status_and_code(error)[0])
    flash(message, "success")
    return redirect(_page_url(person_id), 303)


def _page_url(person_id: int) -> str:
    return url_for("ops.person", person_id=person_id)
