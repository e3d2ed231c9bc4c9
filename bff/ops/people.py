"""`/ops/people/<person_id>` (permission "people"): a person's phone (masked but for admins),
devices (each linked to the doctor), claims, sign-in history and what operators did to them.

Sharing a device with another person is a later issue: the page says there are no shares.
"""
from __future__ import annotations

from flask import abort, render_template

from bff.ops.blueprint import bp, requires
from bff.ops.doctor import page_helpers
from bff.wiring import get_services


@bp.get("/people/<int:person_id>")
@requires("people")
def person(person_id: int):
    report = get_services().ownership.person_report(person_id)
    if report is None:
        abort(404)
    return render_template("ops/person.html", person=report, **page_helpers())
