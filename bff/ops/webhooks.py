"""`/ops/webhooks`: events to the product creator's systems, per endpoint: the recent deliveries with
their state, attempts, last answer and next attempt (filters: state, endpoint); "send again now"
(`POST /ops/webhooks/resend`, asked first, audited) sends one delivery at once (permission "webhooks").
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for

from bff.errors import FixRefused
from bff.ops import confirm
from bff.ops.blueprint import bp, operator, requires
from bff.ops.words import age, utc, whole_number
from bff.wiring import get_services

PER_ENDPOINT = 20  # deliveries shown per endpoint (100 when one endpoint is chosen)
STATES = {"": "Any state", "pending": "Waiting to be sent (or retried)", "failed": "Failed (gave up)",
          "delivered": "Delivered"}
STATE_CLASS = {"delivered": "ok", "pending": "wait"}  # else "bad"


@dataclass(frozen=True)
class Endpoint:
    url: str
    configured: bool
    counts: dict
    lines: list


@bp.get("/webhooks")
@requires("webhooks")
def webhooks():
    service = get_services().webhooks
    state = request.args.get("state", "") if request.args.get("state", "") in STATES else ""
    chosen = request.args.get("url", "").strip()
    urls = [chosen] if chosen else service.endpoints()
    counts = service.counts()
    limit = 100 if chosen else PER_ENDPOINT
    endpoints = [Endpoint(url, url in service.urls, counts.get(url, {}),
                          service.deliveries(url=url, state=state or None, limit=limit)) for url in urls]
    return render_template("ops/webhooks.html", endpoints=endpoints, state=state, chosen=chosen,
                           states=STATES, state_class=STATE_CLASS, all_urls=service.endpoints(),
                           now=service.clock(), age=age, utc=utc, may_fix=operator().may("webhooks"))


@bp.post("/webhooks/resend")
@requires("webhooks")
def resend_webhook():
    service = get_services().webhooks
    delivery_id = whole_number(request.form.get("delivery_id"))
    line = service.delivery(delivery_id) if delivery_id is not None else None
    if line is None:
        flash("No such delivery: reload the page and choose one from the list.", "error")
        return redirect(_back(), 303)
    if not confirm.confirmed():
        return confirm.ask(f"Send {line.event_type} {line.event_id} to {line.url} again now?",
                           "The event is sent once, at once, signed as always. The receiver may get it twice "
                           "and should ignore an event id it has seen.",
                           yes_words="Yes, send it again now", back_url=_back())
    try:
        after = service.resend(delivery_id, actor=operator())
    except FixRefused as error:
        flash(f"{error.public_message} {error.next_step}", "error")
        return redirect(_back(), 303)
    if after.state == "delivered":
        flash(f"Sent: {after.url} answered {after.last_status}.", "success")
    else:
        flash(f"Not delivered: {after.last_error or after.last_status}. "
              + ("bff tries again later by itself." if after.state == "pending" else
                 "bff gave up on it; fix the endpoint, then send it again."), "error")
    return redirect(_back(), 303)


def _back() -> str:
    """The list as the operator was looking at it."""
    kept = {name: request.form.get(name, "") for name in ("state", "url") if request.form.get(name)}
    return url_for("ops.webhooks", **kept)
