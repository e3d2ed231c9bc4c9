"""The customer pages after the first claim: remove, give, share, leave, ask the owner, the offer page.

A thin blueprint over `services.lifecycle` (bff/ownership/lifecycle.py): it reads the form, asks
the service, and says what happened and what to do next (bff/web/offer_words.py). No JavaScript;
every form carries its CSRF token; Remove and Give ask first on a page that says what will happen
(a POST without `confirm=yes` changes nothing). Answers and cancels land on the offer's page
(`/offers/<id>`, the link bff texts), which shows the result. My devices (bff/web/pages.py) reads
`my_devices_extras` and the QR landing `can_ask_owner` from here.
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from bff import errors
from bff.accounts.phones import pretty_phone
from bff.web.errors import status_and_code
from bff.web.login import guesser
from bff.web.refusals import refused_page
from bff.web.offer_words import (ANSWER_BUTTONS, CANCEL_BUTTONS, MADE_LINES, Words, masked_phone,
                                 offer_words, question_line, role_of, web_error)
from bff.web.responses import no_store
from bff.wiring import get_services

bp = Blueprint("lifecycle", __name__)
bp.after_request(no_store)  # these pages show a person's devices and phone numbers

PHONE_MAX = 40
NOT_CONFIRMED = 'Nothing was changed. Tap the button "{button}" to go on.'


@bp.errorhandler(errors.BffError)
def _refused(error: errors.BffError):
    """A refusal the view did not show on its own page: plain words, and the way back."""
    return render_template("web/lifecycle_refused.html", problem=web_error(error)), status_and_code(error)[0]


def _owned(device_id: str):
    """The signed-in person's own device (not one shared with them), or a refusal in plain words."""
    for device in get_services().devices.devices_of(current_user.id):
        if device.device_id == device_id.strip().lower():
            if device.shared:
                raise errors.SharedUserOnly(f"person {current_user.id} shares {device.device_id}")
            return device
    raise errors.NotTheOwner(f"{device_id} is not person {current_user.id}'s",
                             public_message="This device is not on your account.",
                             next_step="Open My devices to see your devices.")


def _name(device) -> str:
    return device.name or "this device"


# -- remove ------------------------------------------------------------------------------------------


@bp.get("/devices/<device_id>/remove")
@login_required
def remove_form(device_id: str):
    return render_template("web/device_remove.html", device=_owned(device_id), problem=None)


@bp.post("/devices/<device_id>/remove")
@login_required
def remove(device_id: str):
    device = _owned(device_id)
    if request.form.get("confirm") != "yes":
        problem = Words(NOT_CONFIRMED.format(button="Yes, remove it"), "", "Or go back to My devices.", "bad")
        return render_template("web/device_remove.html", device=device, problem=problem), 400
    try:
        move = get_services().lifecycle.remove(current_user, device.device_id, channel="web")
    except errors.BffError as error:
        return render_template("web/device_remove.html", device=device, problem=web_error(error)), \
            status_and_code(error)[0]
    if move.done:
        flash(f"{_name(device).capitalize()} is no longer on your account. The code on its box works "
              f"for its next owner.", "success")
    else:
        flash(f"We are taking {_name(device)} off your account. It can take a few minutes; "
              f"you do not need to do anything.", "warning")
    return redirect(url_for("web.devices"), 303)


# -- give and share ----------------------------------------------------------------------------------


@bp.get("/devices/<device_id>/give")
@login_required
def give_form(device_id: str):
    return render_template("web/device_give.html", device=_owned(device_id), phone="", problem=None)


@bp.post("/devices/<device_id>/give")
@login_required
def give(device_id: str):
    device = _owned(device_id)
    phone = request.form.get("phone", "")[:PHONE_MAX]
    try:
        number = get_services().lifecycle.recipient_number(current_user, phone)
        if request.form.get("confirm") != "yes":
            return render_template("web/device_give_confirm.html", device=device, phone=number,
                                   shown=pretty_phone(number))
        get_services().lifecycle.give(current_user, device.device_id, number, channel="web")
    except errors.BffError as error:
        return render_template("web/device_give.html", device=device, phone=phone, problem=web_error(error)), \
            status_and_code(error)[0]
    flash(f"We texted {pretty_phone(number)} your offer of {_name(device)}. It stays yours until they "
          f"accept; they have 7 days. You can cancel the offer below.", "success")
    return redirect(url_for("web.devices"), 303)


@bp.get("/devices/<device_id>/share")
@login_required
def share_form(device_id: str):
    return render_template("web/device_share.html", device=_owned(device_id), phone="", problem=None)


@bp.post("/devices/<device_id>/share")
@login_required
def share(device_id: str):
    device = _owned(device_id)
    phone = request.form.get("phone", "")[:PHONE_MAX]
    try:
        number = get_services().lifecycle.recipient_number(current_user, phone)
        get_services().lifecycle.share(current_user, device.device_id, number, channel="web")
    except errors.BffError as error:
        return render_template("web/device_share.html", device=device, phone=phone, problem=web_error(error)), \
            status_and_code(error)[0]
    flash(f"We texted {pretty_phone(number)} an invite to see {_name(device)}. They see it once they "
          f"accept. You can cancel the invite below.", "success")
    return redirect(url_for("web.devices"), 303)


@bp.post("/shares/<int:share_id>/end")
@login_required
def stop_sharing(share_id: int):
    get_services().lifecycle.end_share(current_user, share_id, channel="web")
    flash("Done: that number no longer sees the device. To let them see it again, share it again.", "success")
    return redirect(url_for("web.devices"), 303)


@bp.post("/devices/<device_id>/leave")
@login_required
def leave(device_id: str):
    get_services().lifecycle.leave_share(current_user, device_id, channel="web")
    flash("Done: the device is off your list. It stays its owner's; ask them to share it again if you need it.",
          "success")
    return redirect(url_for("web.devices"), 303)


@bp.post("/devices/<device_id>/asks/stop")
@login_required
def stop_asks(device_id: str):
    device = _owned(device_id)
    declined = get_services().lifecycle.stop_asks(current_user, device.device_id)
    told = " We told the person who asked that you keep it." if declined else ""
    flash(f"We will pass on no more asks for {_name(device)}.{told} To take asks again, tap Take asks again below.",
          "success")
    return redirect(url_for("web.devices"), 303)


@bp.post("/devices/<device_id>/asks/allow")
@login_required
def allow_asks(device_id: str):
    device = _owned(device_id)
    get_services().lifecycle.allow_asks(current_user, device.device_id)
    flash(f"Someone who has the box of {_name(device)} can ask you for it again. We will text you if they do.",
          "success")
    return redirect(url_for("web.devices"), 303)


# -- the offer's page: what it is, Accept / Decline or Cancel, then the result ------------------------


@bp.get("/offers/<int:offer_id>")
@login_required
def offer(offer_id: int):
    return _offer_page(get_services().lifecycle.offer_for(current_user, offer_id))


@bp.post("/offers/<int:offer_id>/<any(accept, decline, cancel):action>")
@login_required
def answer(offer_id: int, action: str):
    lifecycle = get_services().lifecycle
    offer = lifecycle.offer_for(current_user, offer_id)  # someone outside the offer: 404
    try:
        if action == "accept":
            lifecycle.accept(current_user, offer_id, channel="web")
        elif action == "decline":
            lifecycle.decline(current_user, offer_id)
        else:
            lifecycle.cancel_offer(current_user, offer_id)
    except (errors.OfferNotFound, errors.NotTheOwner):
        raise
    except errors.BffError as error:
        return _offer_page(lifecycle.offer(offer.id), problem=web_error(error)), status_and_code(error)[0]
    return redirect(url_for("lifecycle.offer", offer_id=offer_id) + "#result", 303)


def _offer_page(offer, problem: Words | None = None):
    lifecycle = get_services().lifecycle
    now = lifecycle.clock()
    live = offer.open and offer.expires_at > now
    role = role_of(offer, current_user.id)
    return render_template(
        "web/offer.html", offer=offer, problem=problem,
        words=offer_words(offer, current_user.id, now=now, device=_name_for_viewer(offer, role)),
        can_answer=live and role == "answerer", can_cancel=live and role == "starter",
        buttons=ANSWER_BUTTONS[offer.kind], cancel_button=CANCEL_BUTTONS[offer.kind],
        days_left=max(1, int((offer.expires_at - now + 86399) // 86400)) if live else None)


def _name_for_viewer(offer, role: str) -> str | None:
    """Someone asking for a device sees it by its product, not by the name its owner chose, until
    it is theirs (owners' names are for owners and the people they share or give it to)."""
    if offer.kind == "ask" and role == "starter" and offer.state != "accepted":
        return get_services().devices.product_name(offer.product_key)
    return None


# -- ask the owner, from the QR landing ------------------------------------------------------------------


@bp.post("/d/<device_id>/ask")
def ask_owner(device_id: str):
    """"Ask the owner to give it to you": the same proof of holding the box as a claim (QR tag)."""
    tag = request.form.get("k", "")
    landing = url_for("web.device", device_id=device_id, k=tag or None)
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=landing), 303)
    if current_user.is_operator:
        return redirect(landing, 303)
    services = get_services()
    try:
        view = services.claims.device_for_link(device_id, tag, who=guesser())
    except errors.ClaimRefused as error:
        return refused_page(error, 403)
    try:
        offer = services.lifecycle.ask_owner(current_user, view.device_id, channel="web")
    except errors.BffError as error:
        seen = services.devices.name_visible_to(view.device_id, current_user.id)  # the owner's name: theirs
        shown = view if seen else replace(view, name=None)
        return render_template("web/ask_refused.html", device=shown, tag=tag, problem=web_error(error),
                               no_owner=isinstance(error, errors.NoOwnerToAsk),
                               yours=isinstance(error, errors.AlreadyYours)), status_and_code(error)[0]
    flash("We asked the owner. We will text you their answer.", "success")
    return redirect(url_for("lifecycle.offer", offer_id=offer.id), 303)


def can_ask_owner(user, device_id: str, claim) -> bool:
    """Offer "Ask the owner" on the landing: the person's claim was refused, and the device is
    someone else's in bff's record (not theirs, not nobody's)."""
    if claim is None or claim.state != "refused" or not user.is_authenticated or user.is_operator:
        return False
    devices = get_services().devices
    return bool(devices.owner(device_id)) and not devices.owned_by(device_id, user.id)


# -- what My devices shows besides the devices and claims (its JSON carries it too) -----------------------


def my_devices_extras(user_id: int, devices: list[dict]) -> list[dict]:
    """Adds to each device of `devices` (`_device_json` dicts) its live shares, the open offers the
    person made of it and whether asks are stopped; returns the person's open questions."""
    services = get_services()
    lifecycle = services.lifecycle
    owned = [device["device_id"] for device in devices if not device["shared"]]
    shares = lifecycle.shares_of_devices(owned)  # one read each for the whole page, not per device
    offers = lifecycle.offers_made_by_for_devices(user_id, owned)
    asks_stopped = lifecycle.devices_with_asks_stopped(user_id)
    for device in devices:
        device.update(shares=[], offers=[], asks_stopped=False)
        if device["shared"]:
            continue
        device_id = device["device_id"].lower()
        device["shares"] = [{"id": share.id, "with": masked_phone((services.accounts.user(share.user_id)
                                                                   or _Nobody).phone)}
                            for share in shares[device_id]]
        device["offers"] = [{"id": offer.id, "kind": offer.kind, "words": MADE_LINES[offer.kind]}
                            for offer in offers[device_id] if offer.kind in MADE_LINES]
        device["asks_stopped"] = device_id in asks_stopped
    return [{"offer_id": question.offer.id, "kind": question.offer.kind, "device_id": question.offer.device_id,
             "device_name": question.offer.device_name, "words": question_line(question)}
            for question in lifecycle.open_questions(user_id)]


class _Nobody:
    phone = None
