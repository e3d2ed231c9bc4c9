"""`/console`: the sandbox console, so a newcomer can try the whole claim flow on one screen.

Registered only in sandbox mode (no Particle credentials). It shows the sandbox's demo devices
with their box label (the QR of the claim URL, the claim link, the label code when bff knows
it), buttons to switch each device on and off, and the SMS outbox (texts bff would have sent:
sign-in codes, "your device is yours"), newest first, also as `/console/outbox.json`.

The phone-SMS simulator (`POST /console/sms`, bff/console/sms_simulator.py) texts bff as a chosen phone
number: a request signed exactly as Twilio signs it, posted to our own `/sms`; the page shows
that phone's conversation (its texts, the replies, later texts from bff), `?phone=` picks it.

It talks to the sandbox cloud only over HTTP, through the sandbox's control API at
`get_services().sandbox_url` (`GET /sandbox/state`, `POST /sandbox/devices/<id>/online|offline`,
sent by bff/particle/sandbox_link.py), never by importing bff.sandbox: the sandbox may be
another process.
"""
from __future__ import annotations

import ipaddress
import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from bff import labels
from bff.console import sms_simulator
from bff.device_ids import is_device_id
from bff.devices import platform_name
from bff.errors import BffError, InvalidPhoneNumber
from bff.particle.sandbox_link import SandboxUnreachable, control
from bff.web.responses import json_response, version_of
from bff.wiring import get_services

bp = Blueprint("console", __name__, url_prefix="/console")

OUTBOX_LIMIT = 50


@bp.before_request
def _loopback_only():
    """The console shows everyone's sign-in codes and texts as any phone: it answers only a browser
    on this machine, unless `BFF_CONSOLE_ON_NETWORK` says otherwise (a shared demo box)."""
    if current_app.config.get("CONSOLE_ON_NETWORK") or is_loopback(request.remote_addr):
        return None
    abort(404)


def is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").split("%")[0]).is_loopback
    except ValueError:
        return False


def _control(method: str, path: str) -> dict:
    """Call the sandbox control API (`/sandbox/...`) of the sandbox bff is linked to."""
    return control(get_services().sandbox_url, method, path)


@bp.get("")
def index():
    services = get_services()
    problem = None
    try:
        state = _control("GET", "/state")
    except SandboxUnreachable as error:
        current_app.logger.warning("console: %s", error)
        state = {"products": [], "devices": []}
        problem = f"The sandbox cloud does not answer at {services.sandbox_url}. Restart bff, then reload this page."
    messages = _outbox()
    phone = _simulated_phone(request.args.get("phone"))
    return render_template(
        "console/index.html",
        products=_products_with_devices(state),
        problem=problem,
        sandbox_url=services.sandbox_url,
        public_url=current_app.config["PUBLIC_URL"],
        messages=messages,
        outbox_version=_version(messages),
        phone=phone,
        conversation=sms_simulator.conversation(services.store, phone, reveal=services.sealer.reveal),
    )


@bp.post("/sms")
def text_bff():
    """The phone-SMS simulator: text bff as a chosen phone (a signed request to /sms, as Twilio)."""
    try:
        phone = sms_simulator.phone_number(get_services().accounts, request.form.get("phone", ""))
    except InvalidPhoneNumber as error:
        flash(error.customer_text, "error")
        return redirect(url_for("console.index") + "#phone", 303)
    reply = sms_simulator.text_as_phone(current_app._get_current_object(), phone, request.form.get("body", ""))
    if reply.status != 200:
        flash(f"bff answered HTTP {reply.status}: the text was not taken.", "error")
    return redirect(url_for("console.index", phone=phone) + "#phone", 303)


def _simulated_phone(typed: str | None) -> str:
    """The phone the simulator shows (E.164 from `?phone=`, else the default pretend phone)."""
    try:
        return sms_simulator.phone_number(get_services().accounts, typed) if typed else sms_simulator.DEFAULT_PHONE
    except InvalidPhoneNumber:
        return sms_simulator.DEFAULT_PHONE


@bp.post("/devices/<device_id>/<any(online, offline):power>")
def switch(device_id: str, power: str):
    """Switch a demo device on or off (the sandbox sends `spark/status` online/offline)."""
    if not is_device_id(device_id):
        flash("That is not a device ID.", "error")
        return redirect(url_for("console.index"), 303)
    try:
        _control("POST", f"/devices/{device_id.lower()}/{power}")
    except SandboxUnreachable as error:
        current_app.logger.warning("console: %s", error)
        flash("The sandbox cloud did not do that. Reload the page and try again.", "error")
    else:
        flash(f"Device ...{device_id[-6:]} is now {'on' if power == 'online' else 'off'}.", "success")
    return redirect(url_for("console.index") + f"#device-{device_id.lower()}", 303)


@bp.get("/outbox.json")
def outbox_json():
    messages = _outbox()
    return json_response({"messages": messages, "version": _version(messages)})


def _outbox() -> list[dict]:
    messages = list(get_services().sms.outbox(limit=OUTBOX_LIMIT))
    messages.sort(key=lambda m: (m.get("created_at") or 0, m.get("id") or 0), reverse=True)
    return messages


def _products_with_devices(state: dict) -> list[dict]:
    """The sandbox products bff serves, each with its devices and their labels."""
    claims = get_services().claims
    config = current_app.config
    served = {p.key for p in config.get("PARTICLE_PRODUCTS") or []}
    products = []
    for product in state.get("products", []):
        if served and product.get("slug") not in served and str(product.get("id")) not in served:
            continue
        devices = [_device(d, claims, config) for d in state.get("devices", [])
                   if d.get("product_id") == product.get("id")]
        products.append({"id": product.get("id"), "name": product.get("name") or product.get("slug"),
                         "slug": product.get("slug"), "description": product.get("description"),
                         "devices": devices})
    return products


def _device(device: dict, claims, config) -> dict:
    device_id = device["id"].lower()
    tag = labels.qr_tag(config["LABEL_KEY"], device_id)
    claim_url = labels.claim_url(config["PUBLIC_URL"], device_id, tag)
    code = _label_code(claims, device_id, tag)
    return {
        "id": device_id,
        "name": device.get("name"),
        "platform": platform_name(device.get("platform_id")),
        "online": bool(device.get("online")),
        "listening": bool(device.get("listening")),
        # bff's own record too: in product mode the cloud never holds an owner
        "owner": device.get("owner") or claims.devices.owner(device_id),
        "claim_url": claim_url,
        "claim_path": url_for("web.device", device_id=device_id, k=tag),
        "qr_svg": Markup(labels.qr_svg(claim_url)),  # our own SVG text (no user input in it)
        "label_code": labels.format_label_code(code) if code else None,
    }


def _label_code(claims, device_id: str, tag: str) -> str | None:
    """The device's label code, through the claims service as the QR landing finds it.

    The first look at a device makes bff know it (one cloud call) and gives it a label code,
    so a newcomer can also try typing the code on the start page.
    """
    try:
        view = claims.device_for_link(device_id, tag)
    except BffError as error:
        current_app.logger.info("console: no label code for %s: %s", device_id, error.detail)
        return None
    return labels.format_label_code(view.label_code) if view.label_code else None


def _version(messages: list[dict]) -> str:
    return version_of([(m.get("id"), m.get("status")) for m in messages])


@bp.app_template_filter("clock")
def _clock(timestamp) -> str:
    """A Unix time as the server's local time of day (the console is for one machine)."""
    if not timestamp:
        return ""
    return time.strftime("%H:%M:%S", time.localtime(float(timestamp)))
