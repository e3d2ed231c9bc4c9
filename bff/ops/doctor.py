"""The device doctor, `/ops/devices/<device_id>`: why a customer cannot claim a device, and the fix.

The page (permission "doctor") shows bff's record beside the cloud's answer, the claim history,
the last cloud calls with their raw replies, and each problem found with the fixes that apply.
Each fix (permission "fix") is a POST form that asks first (bff/ops/confirm.py), then calls a
service, which audits it; then back to the doctor with a message saying what happened and what is
next. A refused fix shows the doctor again with the plain reason (409), never a stack trace.
The label route prints the device's one label with the same code as `flask bff labels`.
"""
from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, url_for

from bff import errors
from bff.accounts.phones import e164_or_normalized
from bff.claims.texts import CANCEL_REASONS
from bff.labels.files import sheet_html
from bff.ops import confirm
from bff.ops.blueprint import bp, operator, requires
from bff.operators.service import shown_phone
from bff.ownership.problems import ago
from bff.web.errors import status_and_code
from bff.wiring import get_services

FIX_WORDS = {
    "retry": "Try the claim now", "cancel": "Cancel the claim", "release": "Release the device",
    "give": "Give it to a phone number", "reread": "Read it from the cloud again",
    "label": "Print its label", "import": "Import it",
}
GIVE_OUTCOMES = {
    "claimed": "it is on their account now",
    "already_yours": "it was on their account already",
    "waiting": "it is offline, so the claim finishes when it comes online (they get a text then)",
    "requested": "the cloud is busy, so bff keeps trying and texts them the result",
}


@bp.get("/devices/<device_id>")
@requires("doctor")
def device(device_id: str):
    return doctor_page(device_id)


@bp.post("/devices/<device_id>/retry")
@requires("fix")
def retry(device_id: str):
    if not confirm.confirmed():
        return _ask(device_id, "Try this claim now?", "bff asks the cloud to claim the device for the person "
                           "at once. If it is being tried right now, nothing more happens.",
                           yes_words="Yes, try now")
    return _fix(device_id, lambda: _retried(device_id))


@bp.post("/devices/<device_id>/cancel")
@requires("fix")
def cancel(device_id: str):
    reason = request.form.get("reason", "")
    if reason not in CANCEL_REASONS:
        return doctor_page(device_id, error=errors.OpsError(
            f"no cancel reason {reason!r}", public_message="Please choose why the claim is cancelled.",
            next_step="The person reads the reason in a text. Pick one and press Cancel again."), status=400)
    if not confirm.confirmed():
        return _ask(device_id, "Cancel this claim?", "The claim ends and the person gets a text saying why: "
                           f"\"{CANCEL_REASONS.get(reason, 'no reason chosen')}\"",
                           yes_words="Yes, cancel the claim", danger=True)
    return _fix(device_id, lambda: _cancelled(device_id, reason))


@bp.post("/devices/<device_id>/release")
@requires("fix")
def release(device_id: str):
    if not confirm.confirmed():
        return _ask(device_id, "Release this device?", "It will have no owner, in the cloud and in bff: its owner "
                           "loses it from their account. Its box label stays the same, so the next owner "
                           "can claim it with it.", yes_words="Yes, release it", danger=True)
    return _fix(device_id, lambda: _released(device_id))


@bp.post("/devices/<device_id>/give")
@requires("fix")
def give(device_id: str):
    phone = request.form.get("phone", "")
    if not confirm.confirmed():
        try:
            e164_or_normalized(phone)
        except errors.InvalidPhoneNumber as exc:
            return doctor_page(device_id, error=exc, status=400)
        return _ask(device_id, f"Give this device to {phone.strip()}?", "It is released from its owner now, then "
                           "claimed for the person of this phone number (made if new), who gets a text.",
                           yes_words="Yes, give it", danger=True)
    return _fix(device_id, lambda: _given(device_id, phone))


@bp.post("/devices/<device_id>/reread")
@requires("fix")
def reread(device_id: str):
    if not confirm.confirmed():
        return _ask(device_id, "Read this device from the cloud again?", "bff's record of it (name, online, "
                           "owner, serial number, ICCID) is replaced by what the cloud says now.",
                           yes_words="Yes, read it again")
    return _fix(device_id, lambda: _reread(device_id))


@bp.get("/devices/<device_id>/label")
@requires("fix")
def label(device_id: str):
    services = get_services()
    try:
        row = services.ownership.label_for(device_id, actor=operator())
    except errors.BffError as exc:
        return doctor_page(device_id, error=exc, status=status_and_code(exc)[0])
    paper = "letter" if request.args.get("paper") == "letter" else "a4"
    return sheet_html(services, [row], paper, current_app.config), 200, {"Content-Type": "text/html; charset=utf-8"}


def _ask(device_id: str, question: str, consequence: str, **options):
    """The confirmation page of a fix, naming the device and who owns it now."""
    services = get_services()
    row = services.store.device(device_id.lower()) or {}
    owner = services.store.shadow_customer_by_username(row["owner"]) if row.get("owner") else None
    about = f"Device {services.devices.short_name(device_id.lower())} ({device_id.lower()}), " + (
        f"owned by person {owner['user_id']}" if owner else "no owner in bff")
    return confirm.ask(question, consequence, back_url=_doctor_url(device_id), about=about, **options)


# -- what each fix does and says --------------------------------------------------------------------


def _retried(device_id: str) -> str:
    claim = get_services().claims.retry_now(_claim_id(device_id, "claim.retry"), actor=operator())
    if claim.state == "claimed":
        return "Tried again: the claim worked, the device is on the person's account. Nothing more to do."
    if claim.state == "waiting_for_device":
        return ("Tried again: the device is still offline. The claim waits and finishes by itself when it "
                "comes online.")
    if claim.done:
        ended = "failed" if claim.state == "failed" else f"was {claim.state}"
        return f"Tried again: the claim {ended}. See the problems below for why and what to do."
    return "Tried again: the cloud had trouble. bff keeps trying by itself; reload in a minute."


def _cancelled(device_id: str, reason: str) -> str:
    get_services().claims.cancel(_claim_id(device_id, "claim.cancel"), actor=operator(), reason=reason)
    return "Claim cancelled: the person got a text saying why. Anyone with the box label can claim it now."


def _released(device_id: str) -> str:
    get_services().ownership.release(device_id, actor=operator())
    return ("Device released: it has no owner now. Its box label still works: the next owner claims it "
            "with the same label.")


def _given(device_id: str, phone: str) -> str:
    _claim, outcome, person = get_services().ownership.give(device_id, phone, actor=operator())
    shown = shown_phone(person.phone, operator())
    return f"Device given to {shown}: {GIVE_OUTCOMES.get(outcome, 'the claim ' + outcome)}. They got a text."


def _reread(device_id: str) -> str:
    get_services().ownership.reread(device_id, actor=operator())
    return "Read the device from the cloud again: bff now shows what the cloud says. Check the problems below."


def _claim_id(device_id: str, action: str) -> int:
    """The claim the form names, if it is of this device; else the device's open claim (none: refused,
    audited)."""
    services = get_services()
    claims = services.claims
    named = request.form.get("claim_id", "")
    claim = claims.claim(int(named)) if named.isdigit() else None
    if claim is None:
        row = services.store.open_claim_of_device(device_id.strip().lower())
        claim = claims.claim(row["id"]) if row else None
    if claim is None or claim.device_id != device_id.strip().lower():
        services.audit.record(operator(), action, result="refused", device_id=device_id.strip().lower(),
                              detail="no open claim of this device")
        raise errors.ClaimNotOpen(f"no open claim of {device_id}", public_message="This device has no open claim.",
                                  next_step="Reload the page to see the device as it is now.")
    return claim.id


def _fix(device_id: str, do):
    """Run a confirmed fix; back to the doctor with its message, or the doctor with the refusal."""
    try:
        message = do()
    except errors.BffError as exc:
        return doctor_page(device_id, error=exc, status=status_and_code(exc)[0])
    flash(message, "success")
    return redirect(_doctor_url(device_id), 303)


# -- the page ---------------------------------------------------------------------------------------


def doctor_page(device_id: str, *, error: errors.BffError | None = None, status: int = 200):
    try:
        report = get_services().ownership.report(device_id)
    except errors.InvalidDeviceId as exc:
        return render_template("ops/doctor.html", report=None, device_id=device_id, error=error or exc,
                               **page_helpers()), 400
    if status == 200 and not report.known and report.in_product is False:
        status = 404
    return render_template("ops/doctor.html", report=report, device_id=report.device_id, error=error,
                           reasons=CANCEL_REASONS, fix_words=FIX_WORDS, **page_helpers()), status


def page_helpers() -> dict:
    """What the doctor and people templates format with: phones as the viewer may see them, times."""
    viewer = operator()
    return {"phone": lambda number: shown_phone(number, viewer) or "none", "when": moment, "viewer": viewer}


def moment(timestamp: float | None) -> str:
    """A time as "2024-05-01 12:00 UTC (3 hours ago)"; "never" for None."""
    if not timestamp:
        return "never"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))
    since = time.time() - timestamp
    return f"{stamp} ({ago(since)} ago)" if since >= 0 else stamp


def _doctor_url(device_id: str) -> str:
    return url_for("ops.device", device_id=device_id.strip().lower())
