"""`/ops/claims`: waiting and failed claims, filtered by state, product and age, newest first; retry
or cancel one or many (`POST /ops/claims/retry`, `POST /ops/claims/cancel`, permission "fix"); how
many asks wait for an operator's decision, linked to `/ops/asks` (bff/ops/asks.py).

Each fix asks first (bff/ops/confirm.py), then goes through `ClaimsService.retry_now` / `cancel`
claim by claim (each writes the audit log; a cancel texts the person the reason); one flash
says what became of them all ("3 retried: 2 claimed, 1 still waiting; 1 was already finished").
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for

from bff.claims.texts import CANCEL_REASONS
from bff.db.console import CLAIM_STATES
from bff.errors import ClaimBusy, ClaimNotOpen
from bff.ops import confirm
from bff.ops.blueprint import bp, operator, requires
from bff.ops.words import age, whole_number
from bff.operators.service import shown_phone
from bff.wiring import get_services

PAGE_SIZE = 50
MOST_AT_ONCE = 200  # claims one bulk fix may touch
RECENT_SECONDS = 7 * 24 * 3600  # the default list: open claims, and failed or refused ones this recent
AGES = {"1h": ("older than 1 hour", 3600), "1d": ("older than 1 day", 24 * 3600),
        "7d": ("older than 7 days", 7 * 24 * 3600)}
STATE_WORDS = {"": "Open, and failed or refused in the last 7 days", "open": "Open (requested or waiting)",
               "requested": "Requested", "waiting_for_device": "Waiting for the device",
               "claimed": "Claimed", "refused": "Refused", "failed": "Failed", "cancelled": "Cancelled"}
STATE_CLASS = {"claimed": "ok", "requested": "wait", "waiting_for_device": "wait"}  # else "bad"
FILTERS = ("state", "product", "age")


@dataclass(frozen=True)
class ClaimRow:
    id: int
    device_id: str
    device_title: str
    person_id: int
    person: str
    channel: str
    actor: str
    state: str
    state_class: str
    attempts: int
    age: str
    last_error: str | None
    open: bool


@bp.get("/claims")
@requires("claims")
def claims():
    services = get_services()
    now = services.claims.clock()
    filters = _filters(request.args)
    rows = services.store.console_claims(
        state=filters["state"] or None, product_key=filters["product"] or None,
        created_before=now - AGES[filters["age"]][1] if filters["age"] else None,
        recent_since=now - RECENT_SECONDS, before_id=whole_number(request.args.get("before")),
        limit=PAGE_SIZE + 1)
    older = url_for("ops.claims", **_kept(filters), before=rows[PAGE_SIZE - 1]["id"]) if len(rows) > PAGE_SIZE else None
    return render_template("ops/claims.html", rows=[_row(row, now) for row in rows[:PAGE_SIZE]], older=older,
                           filters=filters, states=STATE_WORDS, ages=AGES, reasons=CANCEL_REASONS,
                           products=services.particle.product_keys(), may_fix=operator().may("fix"),
                           asks_waiting=len(services.lifecycle.open_asks_for_operators()))


@bp.post("/claims/retry")
@requires("fix")
def retry_claims():
    ids = _selected()
    if not ids:
        return _nothing_selected()
    if not confirm.confirmed():
        return confirm.ask(f"Try {_count(ids)} again now?",
                           "Each claim is tried with the cloud at once. A person who was told to wait gets a "
                           "text if their claim finishes.", yes_words="Yes, try again now", back_url=_back())
    results = Counter(_retry_one(claim_id) for claim_id in ids)
    flash(summary("retried", results), "success")
    return redirect(_back(), 303)


@bp.post("/claims/cancel")
@requires("fix")
def cancel_claims():
    ids, reason = _selected(), request.form.get("reason", "")
    if not ids:
        return _nothing_selected()
    if reason not in CANCEL_REASONS:
        flash("Choose why the claims are cancelled (the person reads it), then press Cancel again.", "error")
        return redirect(_back(), 303)
    if not confirm.confirmed():
        return confirm.ask(f"Cancel {_count(ids)}?",
                           f"Each person is texted that we stopped adding their device: {CANCEL_REASONS[reason]}",
                           yes_words="Yes, cancel and text them", back_url=_back(), danger=True)
    results = Counter(_cancel_one(claim_id, reason) for claim_id in ids)
    flash(summary("cancelled", results), "success")
    return redirect(_back(), 303)


def _retry_one(claim_id: int) -> str:
    try:
        claim = get_services().claims.retry_now(claim_id, actor=operator())
    except ClaimNotOpen:
        return "finished"
    except ClaimBusy:
        return "busy"
    return "still waiting" if not claim.done else claim.state


def _cancel_one(claim_id: int, reason: str) -> str:
    try:
        get_services().claims.cancel(claim_id, actor=operator(), reason=reason)
    except ClaimNotOpen:
        return "finished"
    except ClaimBusy:
        return "busy"
    return "cancelled"


SKIPPED = {"finished": "was already finished", "busy": "was being tried right now (reload in a few seconds)"}


def summary(verb: str, results: Counter) -> str:
    """"3 retried: 2 claimed, 1 still waiting; 1 was already finished"."""
    done = {word: n for word, n in results.items() if word not in SKIPPED}
    parts = []
    if done:
        total = sum(done.values())
        details = ", ".join(f"{n} {word}" for word, n in sorted(done.items()) if word != verb)
        parts.append(f"{total} {verb}" + (f": {details}" if details else ""))
    parts += [f"{results[word]} {words}" for word, words in SKIPPED.items() if results[word]]
    return "; ".join(parts) + "."


def _row(row: dict, now: float) -> ClaimRow:
    actor = row["actor_login"] or ("the person" if row["actor_user_id"] in (None, row["user_id"]) else
                                   f"person {row['actor_user_id']}")
    return ClaimRow(
        id=row["id"], device_id=row["device_id"], device_title=row["device_name"] or row["device_id"],
        person_id=row["user_id"], person=shown_phone(row["person_phone"], operator()) or f"person {row['user_id']}",
        channel=row["channel"], actor=actor, state=row["state"],
        state_class=STATE_CLASS.get(row["state"], "bad"), attempts=row["attempts"],
        age=age(now - row["created_at"]), last_error=row["last_error"],
        open=row["state"] in ("requested", "waiting_for_device"))


def _filters(values) -> dict:
    state = values.get("state", "")
    age_key = values.get("age", "")
    return {"state": state if state in ("open", *CLAIM_STATES) else "",
            "product": values.get("product", "").strip()[:100],
            "age": age_key if age_key in AGES else ""}


def _kept(filters: dict) -> dict:
    return {name: value for name, value in filters.items() if value}


def _back() -> str:
    """The claims list with the filters the operator was looking at."""
    return url_for("ops.claims", **_kept(_filters(request.form)))


def _selected() -> list[int]:
    ids = [whole_number(value) for value in request.form.getlist("claim_id")]
    return sorted({claim_id for claim_id in ids if claim_id is not None})[:MOST_AT_ONCE]


def _count(ids: list[int]) -> str:
    return "1 claim" if len(ids) == 1 else f"{len(ids)} claims"


def _nothing_selected():
    flash("No claim was chosen: tick the box of each claim first.", "error")
    return redirect(_back(), 303)
