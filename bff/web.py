"""The customer pages: start (scan or type the code), the QR landing and claim, my devices.

A thin blueprint over the claims service (bff/claims.py): it reads the request, asks the
service, and renders what the service says in plain words. Every page works without
JavaScript; static/bff.js only adds the in-page camera scanner and live updates (it polls the
small JSON views below and reloads the page when what it shows has changed).

Also here: the app-wide error pages (404, 500, `BffError`, CSRF) in the same style, with JSON
errors for JSON routes (`/api/...`, `/healthz`, `*.json`). Customers never see a stack trace
or a cloud error text: only an exception's `public_message` and `next_step`.
"""
from __future__ import annotations

import hashlib
import json

from flask import (Blueprint, Response, current_app, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from bff import errors, labels
from bff.errors import error_body
from bff.services import get_services

bp = Blueprint("web", __name__)

WAITING_POLL_MS = 2000  # the claim page asks every 2 s while a claim waits (a tiny JSON)
DEVICES_POLL_MS = 5000  # "my devices" while a claim waits
IDLE_POLL_MS = 30000  # "my devices" otherwise (online state of the devices)
NO_JS_REFRESH_SECONDS = 10  # without JavaScript a waiting page refreshes itself this often
JS_COOKIE = "bff_js"  # set by static/bff.js: this browser runs our script, so it needs no meta refresh


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
        device = get_services().claims.device_for_label_code(code)
    except labels.LabelCodeError as error:  # typo (caught by the check symbol) or not a code at all
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
        view = get_services().claims.device_for_link(device_id, tag)
    except errors.ClaimRefused as error:
        # Unknown device, bad or missing tag, someone else's: the same words and status for all.
        return render_template("web/refused.html", error=error), 404
    claim = None
    if current_user.is_authenticated:
        claim = get_services().claims.open_claim(current_user.id, view.device_id)
    return _device_page(view, tag, claim)


@bp.post("/d/<device_id>/claim")
def claim(device_id: str):
    """The Claim button: ask the claims service, then show the result on the landing (PRG)."""
    tag = request.form.get("k", "")
    if not current_user.is_authenticated:
        return redirect(_login_url(url_for("web.device", device_id=device_id, k=tag or None)), 303)
    services = get_services()
    try:
        claim = services.claims.request_claim(current_user.id, device_id, channel="web", tag=tag)
    except errors.ClaimRefused as error:
        return render_template("web/refused.html", error=error), 403
    except errors.BffError as error:  # e.g. too many attempts: say so on the device page
        view = services.claims.device_for_link(device_id, tag)
        return _device_page(view, tag, None, problem=error), _status_for(error)
    return redirect(url_for("web.device", device_id=claim.device_id, k=tag) + "#result", 303)


def _device_page(view, tag: str, claim, problem: errors.BffError | None = None):
    return render_template(
        "web/device.html",
        device=view,
        tag=tag,
        claim=claim,
        problem=problem,
        login_url=_login_url(request.full_path) if not current_user.is_authenticated else None,
        live=_claim_live(claim),
        refresh_seconds=_no_js_refresh(claim is not None and not claim.done),
    )


def _no_js_refresh(waiting: bool) -> int | None:
    """Seconds for a meta refresh of a page that waits, for browsers that do not run our script.

    Not in a <noscript>: browsers (and test drivers) differ on whether they read <noscript> in the
    head when scripts are off. Browsers that ran bff.js carry its cookie and poll instead.
    """
    if not waiting or request.cookies.get(JS_COOKIE) == "1":
        return None
    return NO_JS_REFRESH_SECONDS


def _claim_live(claim) -> dict | None:
    """What the page's script polls while the claim is open (None when nothing can change)."""
    if claim is None or claim.done:
        return None
    return {"url": url_for("web.claim_json", claim_id=claim.id), "version": _claim_version(claim),
            "every": WAITING_POLL_MS}


# -- my devices -----------------------------------------------------------------------------------


@bp.get("/devices")
def devices():
    if not current_user.is_authenticated:
        return redirect(_login_url(request.full_path), 303)
    data = _my_devices(current_user.id)
    waiting = [c for c in data["claims"] if not c["done"]]
    return render_template(
        "web/devices.html",
        devices=data["devices"],
        waiting=waiting,
        finished=[c for c in data["claims"] if c["done"] and not c["succeeded"]],
        live={"url": url_for("web.devices_json"), "version": data["version"],
              "every": DEVICES_POLL_MS if waiting else IDLE_POLL_MS},
        refresh_seconds=_no_js_refresh(bool(waiting)),
    )


def _my_devices(user_id: int) -> dict:
    claims = get_services().claims
    owned = [_device_json(d) for d in claims.devices_of(user_id)]
    owned_ids = {d["device_id"] for d in owned}
    shown = [_claim_json(c) for c in claims.claims_of(user_id)
             if not (c.succeeded and c.device_id in owned_ids)]  # a finished success is in "devices"
    data = {"devices": owned, "claims": shown}
    data["version"] = _version(data)
    return data


# -- JSON for live updates ------------------------------------------------------------------------


@bp.get("/claims/<int:claim_id>.json")
def claim_json(claim_id: int):
    if not current_user.is_authenticated:
        return _json_error(401, "not_signed_in", "You are not signed in.", "Sign in, then try again.")
    claim = get_services().claims.claim_for_user(claim_id, current_user.id)
    if claim is None:
        return _json_error(404, "not_found", "We could not find that.", "Check the address.")
    return _no_store(jsonify(_claim_json(claim)))


@bp.get("/devices.json")
def devices_json():
    if not current_user.is_authenticated:
        return _json_error(401, "not_signed_in", "You are not signed in.", "Sign in, then try again.")
    return _no_store(jsonify(_my_devices(current_user.id)))


def _claim_json(claim) -> dict:
    return {
        "id": claim.id, "device_id": claim.device_id, "device_name": _device_name(claim.device_id),
        "state": claim.state, "outcome": claim.outcome, "done": claim.done,
        "succeeded": claim.succeeded, "title": claim.title, "message": claim.message,
        "next_step": claim.next_step, "attempts": claim.attempts, "created_at": claim.created_at,
        "updated_at": claim.updated_at, "finished_at": claim.finished_at,
        "version": _claim_version(claim),
    }


def _device_json(view) -> dict:
    return {"device_id": view.device_id, "name": view.name, "product_name": view.product_name,
            "platform": view.platform, "online": view.online}


def _device_name(device_id: str) -> str:
    """A short name for a device in a claim (its name, or the end of its ID)."""
    views = getattr(get_services().claims, "devices", None)
    if views is not None and hasattr(views, "short_name"):
        return views.short_name(device_id)
    return f"...{device_id[-6:]}"


def _claim_version(claim) -> str:
    """Changes when what the claim page shows changes (not on every retry)."""
    return _version([claim.state, claim.outcome, claim.title, claim.message, claim.next_step])


def _version(data) -> str:
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.after_request
def _private(response: Response) -> Response:
    """Pages here show a person's devices, claims and phone number: no cache may keep them."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# -- helpers shared with the templates ------------------------------------------------------------


def _login_url(next_path: str) -> str:
    """The phone sign-in page, coming back to `next_path` (one of our own paths) afterwards."""
    return url_for("auth.login", next=next_path.rstrip("?"))


@bp.app_context_processor
def _template_helpers():
    return {"has_endpoint": lambda name: name in current_app.view_functions}


# -- error pages (app-wide) -----------------------------------------------------------------------

_HTTP_TEXTS = {
    400: ("We could not read that", "Go back and try again."),
    401: ("Please sign in", "Sign in with your phone number, then try again."),
    403: ("You cannot open this page", "Go back to the start page."),
    404: ("We could not find that page", "Check the address, or start again from the start page."),
    405: ("That did not work", "Go back and try again."),
    413: ("That was too big", "Go back and try again with less."),
    429: ("Too many tries", "Please wait a few minutes, then try again."),
    500: ("Something went wrong on our side", "Please try again in a few minutes."),
    503: ("We are busy right now", "Please try again in a few minutes."),
}
_CSRF_TEXTS = ("This page was open too long", "Go back, reload the page and try again.")


def _wants_json() -> bool:
    path = request.path
    if path.startswith("/api/") or path.endswith(".json") or path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _json_error(status: int, code: str, message: str, next_step: str):
    response = jsonify(error_body(code, message, next_step))
    response.status_code = status
    return _no_store(response)


def _error_page(status: int, title: str, message: str | None, next_step: str):
    if _wants_json():
        return _json_error(status, _HTTP_CODES.get(status, "error"), message or title, next_step)
    return render_template("errors/error.html", status=status, title=title, message=message,
                           next_step=next_step), status


_HTTP_CODES = {400: "bad_request", 401: "not_signed_in", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 429: "too_many_requests",
               500: "internal_error", 503: "unavailable"}


@bp.app_errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    if _is_csrf_error(error):
        title, next_step = _CSRF_TEXTS
    else:
        title, next_step = _HTTP_TEXTS.get(status, _HTTP_TEXTS[500 if status >= 500 else 400])
    response = current_app.make_response(_error_page(status, title, None, next_step))
    for name, value in error.get_headers():  # keep what the exception says (e.g. Allow on 405)
        if name in ("Allow", "Retry-After", "WWW-Authenticate"):
            response.headers[name] = value
    return response


@bp.app_errorhandler(500)
def _server_error(error):
    # Flask has logged the exception; the person reads plain words only.
    title, next_step = _HTTP_TEXTS[500]
    return _error_page(500, title, None, next_step)


@bp.app_errorhandler(errors.BffError)
def _bff_error(error: errors.BffError):
    status = _status_for(error)
    if _wants_json():
        return _json_error(status, _HTTP_CODES.get(status, "error"), error.public_message, error.next_step)
    return render_template("errors/error.html", status=status, title=error.public_message,
                           message=None, next_step=error.next_step), status


def _status_for(error: errors.BffError) -> int:
    if isinstance(error, errors.ClaimRefused):
        return 403
    if isinstance(error, errors.InvalidDeviceId):
        return 404
    if isinstance(error, errors.TooManyClaimAttempts):
        return 429
    return 503 if error.retryable else 500


def _is_csrf_error(error: HTTPException) -> bool:
    try:
        from flask_wtf.csrf import CSRFError
    except ImportError:  # pragma: no cover - flask-wtf is a dependency
        return False
    return isinstance(error, CSRFError)
