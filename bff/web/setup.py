"""The Wi-Fi setup pages (blueprint "setup", `/setup`): a claim code, the steps, the device arriving.

A thin layer over bff/wifi_setup/service.py. Signed-in customers only. The flow:

1. `/setup`: pick the product (when bff serves several Wi-Fi products), tap "Get my setup code".
   Products in product mode get no code (a claim code needs a cloud customer): the page says so,
   and to claim their devices by the box's QR code or 12-letter code once they are online.
   Products of devices set up over Bluetooth (P2 / Photon 2, Argon, M-SoM) get no code: the page
   says to add them with the QR code or the 12-letter code on their box.
2. `/setup/codes/<id>`: the code, the time it has left (a countdown with JavaScript, plain words
   without), the steps for a setup app and for any SoftAP tool; a fresh code when it ran out.
   The code is shown in the browser that got it (its session names the code's id, never the code)
   from the code's row, where it is kept sealed (bff/sealing.py) while it is open.
3. `/setup/codes/<id>/wait`: "waiting for your device", which turns into "your device is online
   and yours" or a diagnosis. It updates by itself: static/bff.js polls the small JSON view
   (`/setup/codes/<id>.json`) and reloads when it changed; without JavaScript a meta refresh.
   The code page polls too (with JavaScript only: a phone on the device's Wi-Fi has no internet,
   and a refresh would lose the page).

Every page works without JavaScript; static/setup.js only adds the countdown and a copy button.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from bff import errors
from bff.web.errors import json_error
from bff.web.responses import json_response, live, no_js_refresh, no_store
from bff.wiring import get_services

bp = Blueprint("setup", __name__, url_prefix="/setup")

SESSION_KEY = "setup_code"  # {"id": ...}: the newest code's id only (never the code: cookies hold no secret)
POLL_MS = 2000  # the waiting view asks every 2 s (a tiny JSON)
CODE_PAGE_POLL_MS = 5000
bp.before_request(login_required(lambda: None))  # every setup page is for a signed-in person


# -- start ----------------------------------------------------------------------------------------


@bp.get("")
@bp.get("/")
def start():
    """Pick the product (if several) and get a code; an open code is continued instead."""
    setup = get_services().setup
    latest = setup.latest_open(current_user.id)
    if latest is not None and not request.args.get("new"):
        return redirect(url_for("setup.code", code_id=latest.id), 303)
    return _start_page(setup)


def _start_page(setup, *, problem: errors.BffError | None = None, status: int = 200):
    """The products a setup code is for, those set up over Bluetooth and those in product mode
    (each told how to add their devices instead)."""
    return render_template("setup/start.html", products=setup.wifi_products(), ble_products=setup.ble_products(),
                           codeless_notice=setup.codeless_notice(), problem=problem), status


@bp.post("/codes")
def new_code():
    """Make a code for the product picked; show it on its own page (POST, redirect, GET)."""
    setup = get_services().setup
    try:
        issued = setup.create_claim_code(current_user.id, request.form.get("product") or None, channel="web")
    except (errors.ChooseWifiProduct, errors.NoWifiProduct) as problem:
        return _start_page(setup, problem=problem, status=400)
    except errors.WifiSetupNeedsCustomers:  # product mode: the start page says so, and what to do
        return _start_page(setup, status=409)
    except errors.TooManyClaimCodes as problem:
        return _start_page(setup, problem=problem, status=429)
    session[SESSION_KEY] = {"id": issued.id}
    return redirect(url_for("setup.code", code_id=issued.id), 303)


# -- the code and the steps ---------------------------------------------------------------------------


@bp.get("/codes/<int:code_id>")
def code(code_id: int):
    status = _status_or_none(code_id)
    if status is None:
        return _not_found()
    return render_template("setup/code.html", status=status, code=_code_for_this_browser(code_id),
                           time_left=_time_words(status.seconds_left),
                           live=_live(status, CODE_PAGE_POLL_MS), refresh_seconds=None)


@bp.get("/codes/<int:code_id>/wait")
def wait(code_id: int):
    """The waiting view: turns into "online and yours" or a diagnosis, by itself."""
    status = _status_or_none(code_id)
    if status is None:
        return _not_found()
    return _wait_page(status)


def _wait_page(status, *, problem: errors.BffError | None = None, code: int = 200):
    return render_template("setup/wait.html", status=status, problem=problem,
                           time_left=_time_words(status.seconds_left), live=_live(status, POLL_MS),
                           refresh_seconds=no_js_refresh(not status.done)), code


@bp.post("/codes/<int:code_id>/device")
def report_device(code_id: int):
    """The person types the device ID (optional): bff can then say why it did not arrive."""
    setup = get_services().setup
    try:
        setup.report_device(code_id, current_user.id, request.form.get("device_id", ""))
    except errors.SetupCodeNotFound:
        return _not_found()
    except (errors.InvalidDeviceId, errors.TooManyClaimCodes) as problem:
        status = setup.status(code_id, current_user.id)
        return _wait_page(status, problem=problem, code=400 if isinstance(problem, errors.InvalidDeviceId) else 429)
    return redirect(url_for("setup.wait", code_id=code_id), 303)


@bp.get("/codes/<int:code_id>.json")
def code_json(code_id: int):
    """The small JSON the pages poll (session sign-in; apps use /api/v1/claim-codes/<id>)."""
    status = _status_or_none(code_id)
    if status is None:
        return json_error(404, "not_found", "We could not find that setup code.", "Get a new code.")
    return json_response({"id": status.id, "state": status.state, "done": status.done,
                          "title": status.title, "message": status.message, "next_step": status.next_step,
                          "seconds_left": status.seconds_left, "version": status.version})


# -- helpers ------------------------------------------------------------------------------------------


def _status_or_none(code_id: int):
    try:
        return get_services().setup.status(code_id, current_user.id)
    except errors.SetupCodeNotFound:
        return None
    except OverflowError:  # an id bigger than SQLite holds names nothing
        return None


def _not_found():
    error = errors.SetupCodeNotFound()
    return render_template("errors/error.html", status=404, title=error.public_message, message=None,
                           next_step=error.next_step), 404


def _code_for_this_browser(code_id: int) -> str | None:
    """The code, from its sealed row, in the browser that got it only (its session names the id)."""
    if (session.get(SESSION_KEY) or {}).get("id") != code_id:
        return None
    return get_services().setup.code_to_show(code_id, current_user.id)


def _live(status, every: int) -> dict | None:
    if status.done:
        return None
    return live(url_for("setup.code_json", code_id=status.id), status.version, every)


def _time_words(seconds: int) -> str:
    """Time left in plain words: "about 59 minutes", "less than a minute", "none"."""
    if seconds <= 0:
        return "none"
    if seconds < 60:
        return "less than a minute"
    minutes = seconds // 60
    return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"


bp.after_request(no_store)  # setup pages show a person's claim code: no cache may keep them
