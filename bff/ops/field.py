"""`/ops/field`: field mode, for a crew on a phone claiming box after box for one person.

- Whom the boxes are for lives in the session (`field_for`): a customer by phone number (a new
  number becomes a new customer; the claims service texts them) or the crew's own staging account
  (the operator's own user: devices to hand over later). `POST /ops/field/for` chooses.
- Each box: its scanned QR link or typed label code claims it for that person
  (bff/ops/field_scan.py). static/field.js scans with the camera and sends each box to the JSON
  view `POST /ops/field/claims` (form token in the `X-CSRFToken` header); without JavaScript the
  form posts to `POST /ops/field` and the page comes back with the result on top.
- The running list under it is the operator's recent field claims, read from the claims table,
  so it survives a reload.
"""
from __future__ import annotations

from flask import make_response, redirect, render_template, request, session, url_for

from bff import errors
from bff.ops import field_scan
from bff.ops.blueprint import bp, operator, requires
from bff.web.json_body import json_object
from bff.web.responses import json_response, no_store
from bff.wiring import get_services

SESSION_KEY = "field_for"  # {"operator": the operator's user id, "user": the chosen person's}
RESULT_KEY = "field_result"  # the last no-JavaScript result, shown once on top of the page


@bp.get("/field")
@requires("field")
def field():
    person = _chosen()
    choosing = person is None or request.args.get("change") == "1"
    return _page(person, choosing=choosing, result=session.pop(RESULT_KEY, None))


@bp.post("/field/for")
@requires("field")
def field_choose():
    """Choose whom the boxes are for: `for=staging`, or a customer's `phone` (any format)."""
    me = operator()
    if request.form.get("for") == "staging":
        user_id = me.id
    else:
        typed = request.form.get("phone", "")
        try:
            user_id = get_services().accounts.user_for_phone(typed).id
        except errors.InvalidPhoneNumber as error:
            return _page(_chosen(), choosing=True, error=error, phone=typed, status=400)
    session[SESSION_KEY] = {"operator": me.id, "user": user_id}
    session.pop(RESULT_KEY, None)
    return redirect(url_for("ops.field"), 303)


@bp.post("/field")
@requires("field")
def field_claim():
    """The form path (works without JavaScript): claim one box, then the page with its result."""
    person = _chosen()
    if person is None:
        return redirect(url_for("ops.field"), 303)
    result = field_scan.claim_scan(get_services(), operator(), person, request.form.get("code", ""))
    session[RESULT_KEY] = result.json()
    return redirect(url_for("ops.field") + "#result", 303)


@bp.post("/field/claims")
@requires("field")
def field_claims_json():
    """The scanner's view: `{"code": <QR link or label code>, "for": <user id it was meant for>}` →
    `{"result": "claimed|waiting|refused|already", "title", "message", "device_name", "label_code"}`."""
    data = request.form or json_object()  # the scanner sends JSON (bff/web/json_body.py: 4xx if broken)
    person = _chosen()
    if person is None:
        return json_response(field_scan.refused_with(field_scan.NOBODY_CHOSEN).json(), 409)
    meant_for = data.get("for")
    if meant_for not in (None, "") and str(meant_for) != str(person.user_id):
        return json_response(field_scan.refused_with(field_scan.PERSON_CHANGED).json(), 409)
    result = field_scan.claim_scan(get_services(), operator(), person, str(data.get("code") or ""))
    return json_response(result.json())


def _chosen() -> field_scan.FieldPerson | None:
    """The person chosen in this session by this operator (None: nobody yet)."""
    chosen = session.get(SESSION_KEY)
    me = operator()
    if not isinstance(chosen, dict) or chosen.get("operator") != me.id:
        return None
    return field_scan.person_for(get_services(), me, int(chosen.get("user") or 0))


def _page(person, *, choosing: bool, result: dict | None = None, error: errors.BffError | None = None,
          phone: str = "", status: int = 200):
    me = operator()
    page = render_template(
        "ops/field.html", person=person, choosing=choosing, result=result, error=error, phone=phone,
        lines=field_scan.recent_lines(get_services(), me) if person else [],
    )
    return no_store(make_response(page, status))
