"""`/ops/asks`: asks the owner left unanswered (7 days of silence), for an operator to decide.

Someone who holds a box asked its owner for the device (bff/ownership/asks.py); the owner neither
said YES nor NO in 7 days. The list (`LifecycleService.open_asks_for_operators`, oldest first,
permission "claims") shows the device, its owner and the asker (phones masked as everywhere in
the console), when it was asked, and whether the owner still owns the device. "Give it to the
asker" or "Keep it with the owner" (`POST /ops/asks/decide`, permission "fix") asks first
(bff/ops/confirm.py), then `decide_ask` moves the device (or ends the ask), texts the asker and
writes the audit log (`ask.decide`, refusals too).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for

from bff import errors
from bff.ops import confirm
from bff.ops.blueprint import bp, operator, requires
from bff.ops.words import age, whole_number
from bff.operators.service import shown_phone
from bff.wiring import get_services

ANSWERS = {"give": True, "keep": False}


@dataclass(frozen=True)
class AskRow:
    offer_id: int
    device_id: str
    device_name: str
    owner_id: int
    owner: str
    asker_id: int
    asker: str
    asked: str  # how long ago
    still_owned: bool  # the owner still owns the device: it can be given


@bp.get("/asks")
@requires("claims")
def asks():
    services = get_services()
    rows = [_row(offer) for offer in services.lifecycle.open_asks_for_operators()]
    return render_template("ops/asks.html", rows=rows, may_fix=operator().may("fix"))


@bp.post("/asks/decide")
@requires("fix")
def decide_ask():
    offer_id, answer = whole_number(request.form.get("offer_id")), request.form.get("answer", "")
    lifecycle = get_services().lifecycle
    offer = lifecycle.offer(offer_id) if offer_id is not None else None
    if offer is None or offer.kind != "ask" or answer not in ANSWERS:
        flash("Choose an ask from the list, then Give or Keep.", "error")
        return redirect(url_for("ops.asks"), 303)
    row = _row(offer)
    if not confirm.confirmed():
        about = f"{row.device_name} ({row.device_id}), owner {row.owner}, asked by {row.asker}"
        if ANSWERS[answer]:
            return confirm.ask(f"Give {row.device_name} to the person who asked?",
                               "The device leaves its owner's account (in the cloud too) and goes to the asker, "
                               "who gets a text. The owner's shares of it end.",
                               yes_words="Yes, give it to the asker", back_url=url_for("ops.asks"), danger=True,
                               about=about)
        return confirm.ask(f"Keep {row.device_name} with its owner?",
                           "The ask ends; the person who asked gets a text that it was not given to them.",
                           yes_words="Yes, keep it with the owner", back_url=url_for("ops.asks"), about=about)
    try:
        lifecycle.decide_ask(operator(), offer.id, ANSWERS[answer])
    except errors.BffError as error:  # audited as refused by the service
        flash(f"{row.device_name}: {error.public_message} {error.next_step}", "error")
        return redirect(url_for("ops.asks"), 303)
    flash(f"{row.device_name} was given to the person who asked; they were texted." if ANSWERS[answer]
          else f"{row.device_name} stays with its owner; the person who asked was texted.", "success")
    return redirect(url_for("ops.asks"), 303)


def _row(offer) -> AskRow:
    services = get_services()
    viewer = operator()
    return AskRow(offer_id=offer.id, device_id=offer.device_id, device_name=offer.device_name,
                  owner_id=offer.owner_user_id, owner=_person(services, offer.owner_user_id, viewer),
                  asker_id=offer.other_user_id, asker=_person(services, offer.other_user_id, viewer),
                  asked=age(services.lifecycle.clock() - offer.created_at),
                  still_owned=services.devices.owned_by(offer.device_id, offer.owner_user_id))


def _person(services, user_id: int, viewer) -> str:
    person = services.accounts.user(user_id)
    return shown_phone(person.phone if person else None, viewer) or f"person {user_id}"
