"""The customer pages: start (scan or type the code), the QR landing and claim, my devices.

A thin blueprint over the claims service (bff/claims/): it reads the request, asks the
service, and renders what the service says in plain words. Every page works without
JavaScript; static/bff.js only adds the in-page camera scanner and live updates (it polls the
small JSON views below and reloads the page when what it shows has changed: bff/web/responses.py).
Errors become pages (or JSON) in bff/web/errors.py.
"""
from __future__ import annotations

import time
from dataclasses import replace

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from bff import errors, labels
from bff.claims.serials import looks_like_serial_or_iccid
from bff.devices import short_name_of
from bff.web.errors import json_error, status_and_code
from bff.web.lifecycle import can_ask_owner, my_devices_extras
from bff.web.login import guesser
from bff.web.refusals import for_claim, refused_page, seller_line
from bff.web.responses import json_response, live, no_js_refresh, no_store, version_of
from bff.wiring import get_services

bp = Blueprint("web", __name__)

WAITING_POLL_MS = 2000  # the claim page asks every 2 s while a claim waits (a tiny JSON)
DEVICES_POLL_MS = 5000  # "my devices" while a claim waits
IDLE_POLL_MS = 30000  # "my devices" otherwise (online state of the devices)
CLAIM_WISH = "claim_wish"  # session key: {device_id, k, at} from the landing's phone form
CLAIM_WISH_SECONDS = 30 * 60  # a wish older than this (codes last 10 minutes) is forgotten


# -- start: scan the code, or type it -------------------------------------------------------------


@bp.get("/")
def start():
    return render_template("web/start.html", code="", error=None, example_code=labels.LABEL_CODE_EXAMPLE)


@bp.post("/")
def find_by_code():
    """A typed label code: on success, go to the device's landing with its QR tag."""
    code = request.form.get("code", "").strip()
    if not code:
        return _start_with_error(code, "Type the code from the box. It has 12 letters and numbers.")
    try:
        device = get_services().claims.device_for_label_code(code, who=guesser())  # TooManyWrongCodes: 429 page
    except labels.NotALabelCodeError as error:  # not a code at all: maybe the serial or SIM number
        if looks_like_serial_or_iccid(code):  # printed on the device: never enough for a customer
            error = errors.SerialNeedsLabelCode("a serial number typed on the start page")
        return _start_with_error(code, error.customer_text)
    except labels.LabelCodeError as error:  # a typo, caught by the check symbol
        return _start_with_error(code, error.customer_text)
    except errors.ClaimRefused as error:
        return _start_with_error(code, error.customer_text)
    tag = get_services().claims.link_tag(device.device_id)
    return redirect(url_for("web.device", device_id=device.device_id, k=tag), 303)


def _start_with_error(code: str, error: str):
    return render_template("web/start.html", code=code, error=error,
                           example_code=labels.LABEL_CODE_EXAMPLE), 422


# -- the QR landing and the claim -----------------------------------------------------------------


@bp.get("/d/<device_id>")
def device(device_id: str):
    """The page the box QR opens: the device, then sign in, Claim, or the claim's result."""
    tag = request.args.get("k", "")
    try:
        view = get_services().claims.device_for_link(device_id, tag, who=guesser())  # TooManyWrongCodes: 429
    except errors.ClaimRefused as error:
        # Unknown device, bad or missing tag: the same words and status for all.
        return refused_page(error, 404, link=True)
    claim = None
    if current_user.is_authenticated and not current_user.is_operator:
        claim = get_services().claims.open_claim(current_user.id, view.device_id)
    return _device_page(view, tag, claim)


@bp.post("/d/<device_id>/claim")
def claim(device_id: str):
    """The Claim button: ask the claims service, then show the result on the landing (PRG)."""
    tag = request.form.get("k", "")
    if not current_user.is_authenticated:
        return redirect(_login_url(url_for("web.device", device_id=device_id, k=tag or None)), 303)
    return claim_and_show(device_id, tag)


def claim_and_show(device_id: str, tag: str):
    """Claim for the signed-in person (the Claim button, or the code form's POST right after a sign-in
    begun on the landing), then redirect to the landing, which shows the result; refusals in words."""
    if current_user.is_operator:  # operators claim for customers (field mode, the doctor), never here
        return redirect(url_for("web.device", device_id=device_id, k=tag or None), 303)
    services = get_services()
    try:
        claim = services.claims.request_claim(current_user.id, device_id, channel="web", tag=tag, who=guesser())
    except errors.ClaimRefused as error:
        return refused_page(error, 403)
    except errors.TooManyWrongCodes:  # the tag was not checked: the 429 page says how long to wait
        raise
    except errors.BffError as error:  # e.g. too many attempts: say so on the device page
        view = services.claims.device_for_link(device_id, tag)
        return _device_page(view, tag, None, problem=error), status_and_code(error)[0]
    return redirect(url_for("web.device", device_id=claim.device_id, k=tag) + "#result", 303)


def _device_page(view, tag: str, claim, problem: errors.BffError | None = None):
    return render_template(
        "web/device.html",
        device=_as_seen_by_current_user(view),
        tag=tag,
        claim=claim,
        refusal=for_claim(claim) if claim else None,
        problem=problem,
        can_ask=can_ask_owner(current_user, view.device_id, claim),
        live=_claim_live(claim),
        refresh_seconds=no_js_refresh(claim is not None and not claim.done),
    )


def _as_seen_by_current_user(view):
    """The device without the name its owner chose, unless the person signed in is its owner or one
    they share it with: a QR link is all it takes to open this page."""
    user_id = current_user.id if current_user.is_authenticated and not current_user.is_operator else None
    if view.name and not get_services().devices.name_visible_to(view.device_id, user_id):
        return replace(view, name=None)
    return view


def _claim_live(claim) -> dict | None:
    """What the page's script polls while the claim is open (None when nothing can change)."""
    if claim is None or claim.done:
        return None
    return live(url_for("web.claim_json", claim_id=claim.id), _claim_version(claim), WAITING_POLL_MS)


# -- claim right after a sign-in begun on the landing ------------------------------------------------
# The landing's phone form (a POST with the CSRF token) leaves the wish to claim in the session; the
# code form's POST (CSRF token too) claims, once signed in, and only when it goes back to that same
# landing. A link alone never claims: GET /login carries no wish, and the claim checks the tag again.


def remember_claim_wish(form) -> None:
    """Keep the wish of the landing's phone form ("claim" and "k" fields) until the code is typed."""
    device_id, tag = str(form.get("claim", "")).strip().lower(), str(form.get("k", "")).strip()
    if device_id and tag:
        session[CLAIM_WISH] = {"device_id": device_id, "k": tag, "at": time.time()}


def claim_wished(next_path: str | None) -> bool:
    """Whether the code form's POST will claim (the code page says so on its button)."""
    return _wish_for(session.get(CLAIM_WISH), next_path) is not None


def take_claim_wish(next_path: str | None) -> dict | None:
    """The wish kept by `remember_claim_wish`, forgotten here, when it is fresh and the sign-in goes
    back to its device's landing; else None (a plain sign-in)."""
    return _wish_for(session.pop(CLAIM_WISH, None), next_path)


def _wish_for(wish, next_path: str | None) -> dict | None:
    if not isinstance(wish, dict) or time.time() - float(wish.get("at", 0)) > CLAIM_WISH_SECONDS:
        return None
    landing = url_for("web.device", device_id=wish.get("device_id", ""), k=wish.get("k") or None)
    return wish if next_path == landing else None


# -- my devices -----------------------------------------------------------------------------------


@bp.get("/devices")
@login_required
def devices():
    data = _my_devices(current_user.id)
    waiting = [c for c in data["claims"] if not c["done"]]
    return render_template(
        "web/devices.html",
        devices=data["devices"],
        questions=data["questions"],
        waiting=waiting,
        finished=[c for c in data["claims"] if c["done"] and not c["succeeded"]],
        live=live(url_for("web.devices_json"), data["version"], DEVICES_POLL_MS if waiting else IDLE_POLL_MS),
        refresh_seconds=no_js_refresh(bool(waiting)),
    )


def _my_devices(user_id: int) -> dict:
    """Owned devices, then those shared with the person (each with its shares and open offers), claims
    still to show, and the person's open questions (offers to answer: bff/web/lifecycle.py)."""
    claims = get_services().claims
    devices = [_device_json(d) for d in get_services().devices.devices_of(user_id)]
    questions = my_devices_extras(user_id, devices)
    owned_ids = {d["device_id"] for d in devices}
    shown = [_claim_json(c) for c in claims.claims_of(user_id)
             if not (c.succeeded and c.device_id in owned_ids)]  # a finished success is in "devices"
    data = {"devices": devices, "claims": shown, "questions": questions}
    data["version"] = version_of(data)
    return data


# -- JSON for live updates ------------------------------------------------------------------------


@bp.get("/claims/<int:claim_id>.json")
@login_required
def claim_json(claim_id: int):
    claim = get_services().claims.claim_for_user(claim_id, current_user.id)
    if claim is None:
        return json_error(404, "not_found", "We could not find that.", "Check the address.")
    return json_response(_claim_json(claim))


@bp.get("/devices.json")
@login_required
def devices_json():
    return json_response(_my_devices(current_user.id))


def _claim_json(claim) -> dict:
    return {
        "id": claim.id, "device_id": claim.device_id, "device_name": _device_name(claim),
        "state": claim.state, "outcome": claim.outcome, "done": claim.done,
        "succeeded": claim.succeeded, "title": claim.title, "message": claim.message,
        "next_step": claim.next_step, "attempts": claim.attempts, "created_at": claim.created_at,
        "updated_at": claim.updated_at, "finished_at": claim.finished_at,
        "version": _claim_version(claim),
    }


def _device_json(view) -> dict:
    return {"device_id": view.device_id, "name": view.name, "product_name": view.product_name,
            "platform": view.platform, "online": view.online, "shared": view.shared}


def _device_name(claim) -> str:
    """A short name for the device of a person's claim: its name when the person may see it (their
    own or shared with them), else the end of its ID (a refused claim's device is someone else's)."""
    devices = get_services().devices
    if devices.name_visible_to(claim.device_id, claim.user_id):
        return devices.short_name(claim.device_id)
    return short_name_of({"device_id": claim.device_id})


def _claim_version(claim) -> str:
    """Changes when what the claim page shows changes (not on every retry)."""
    return version_of([claim.state, claim.outcome, claim.title, claim.message, claim.next_step])


bp.after_request(no_store)  # pages here show a person's devices, claims and phone: no cache may keep them


# -- helpers shared with the templates ------------------------------------------------------------


def _login_url(next_path: str) -> str:
    """The phone sign-in page, coming back to `next_path` (one of our own paths) afterwards."""
    return url_for("auth.login", next=next_path.rstrip("?"))


@bp.app_context_processor
def _template_helpers():
    return {"has_endpoint": lambda name: name in current_app.view_functions, "seller_line": seller_line}
