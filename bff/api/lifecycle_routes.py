"""`/api/v1` after the first claim: remove, give, share, ask the owner, and the offers' answers (on the
blueprint of bff/api/routes.py; described in bff/api/openapi.py).

A thin layer over `LifecycleService` (`services.lifecycle`, bff/ownership/lifecycle.py), which
decides who may do what and says why not; its errors reach the caller in the API's one error shape
with the status of `ERROR_STATUS` (bff/web/errors.py): not the owner (a shared person included)
403, an offer that is not the caller's 404, an offer answered already or a device being moved 409.
Replies never carry a phone number or a person id of the other side.

- `DELETE /devices/<id>`: the move; 200 when done, 202 while the cloud is busy (the worker finishes).
- `POST /devices/<id>/give|share {"phone"}`, `POST /devices/<id>/ask {"tag" | "label_code"}` (the
  proof of holding the box, checked as for a claim): the offer (a repeat gets the same one).
- `GET /devices/<id>/shares`: the owner sees every live share, a shared person their own;
  `DELETE /devices/<id>/shares/<share_id>`: the owner or the shared person ends it.
- `POST|DELETE /devices/<id>/asks/block`: the owner stops (or takes again) asks for the device.
- `GET /offers` (open questions to the caller, open offers the caller made), `GET /offers/<id>`,
  `POST /offers/<id>/accept|decline|cancel`.
"""
from __future__ import annotations

from bff import errors
from bff.api.errors import json_response, valid_id
from bff.api import fields
from bff.api.routes import _body, _user_id, api_guesser, bp
from bff.api.shapes import answer_json, move_json, offer_json, share_json
from bff.device_ids import normalize_device_id
from bff.wiring import get_services

CHANNEL = "api"


def _offer_reply(offer, user_id: int):
    return json_response(offer_json(offer, user_id, get_services().lifecycle.clock()))


# -- a device: remove, give, share, ask --------------------------------------------------------------


@bp.delete("/devices/<device_id>")
def remove_device(device_id: str):
    """Take the device off the caller's account, in the cloud too (the label works for the next owner)."""
    user_id = _user_id()
    move = get_services().lifecycle.remove(user_id, device_id, channel=CHANNEL)
    return json_response(move_json(move), 200 if move.done else 202)


@bp.post("/devices/<device_id>/give")
def give_device(device_id: str):
    """Offer the device to another phone number; they accept or decline (YES / NO, a page, the API)."""
    user_id = _user_id()
    phone = fields.PHONE.read(_body(), "phone", required=True)
    return _offer_reply(get_services().lifecycle.give(user_id, device_id, phone, channel=CHANNEL), user_id)


@bp.post("/devices/<device_id>/share")
def share_device(device_id: str):
    """Invite another phone number to share the device (see it, rename it)."""
    user_id = _user_id()
    phone = fields.PHONE.read(_body(), "phone", required=True)
    return _offer_reply(get_services().lifecycle.share(user_id, device_id, phone, channel=CHANNEL), user_id)


@bp.get("/devices/<device_id>/shares")
def device_shares(device_id: str):
    """The device's live shares: all of them for its owner, their own for a shared person."""
    user_id = _user_id()
    accounts = get_services().accounts
    shares = [share_json(share, user_id, None if share.user_id == user_id else accounts.user(share.user_id).phone)
              for share in _visible_shares(user_id, device_id)]
    return json_response({"shares": shares})


@bp.delete("/devices/<device_id>/shares/<int:share_id>")
def end_share(device_id: str, share_id: int):
    """End a share of the device: its owner, or the person it is shared with."""
    user_id = _user_id()
    share_id = valid_id(share_id)
    if share_id not in {share.id for share in _visible_shares(user_id, device_id)}:
        raise errors.NotShared(f"no live share {share_id} of {device_id} for person {user_id}")
    get_services().lifecycle.end_share(user_id, share_id, channel=CHANNEL)
    return json_response({"id": share_id, "ended": True})


def _visible_shares(user_id: int, device_id: str) -> list:
    """The live shares of the device the caller may see; NotTheOwner when they see none of it."""
    device_id = normalize_device_id(device_id)
    services = get_services()
    shares = services.lifecycle.shares_of(device_id)
    if services.devices.owned_by(device_id, user_id):
        return shares
    own = [share for share in shares if share.user_id == user_id]
    if not own:
        raise errors.NotTheOwner(f"person {user_id} neither owns nor shares {device_id}")
    return own


@bp.post("/devices/<device_id>/ask")
def ask_owner(device_id: str):
    """Ask the device's owner to give it to the caller, who proves they hold the box as for a claim:
    the QR `tag` (k) or the box's `label_code`. The owner is texted; nobody's number is shown."""
    user_id = _user_id()
    body = _body()
    tag, label_code = fields.read_proof(body)
    services = get_services()
    proven = services.claims.device_for_proof(device_id, tag=tag, label_code=label_code, who=api_guesser(user_id))
    return _offer_reply(services.lifecycle.ask_owner(user_id, proven.device_id, channel=CHANNEL), user_id)


@bp.post("/devices/<device_id>/asks/block")
def stop_asks(device_id: str):
    """The owner takes no more asks for the device; open asks are declined (the askers are told)."""
    user_id = _user_id()
    declined = get_services().lifecycle.stop_asks(user_id, device_id)
    return json_response({"asks_stopped": True, "declined": declined})


@bp.delete("/devices/<device_id>/asks/block")
def allow_asks(device_id: str):
    """The owner takes asks for the device again."""
    user_id = _user_id()
    get_services().lifecycle.allow_asks(user_id, device_id)
    return json_response({"asks_stopped": False, "declined": 0})


# -- offers ------------------------------------------------------------------------------------------


@bp.get("/offers")
def offers():
    """Open questions to the caller (newest first, as YES 1, 2 … number them) and open offers they made."""
    user_id = _user_id()
    services = get_services()
    lifecycle, now = services.lifecycle, services.lifecycle.clock()
    questions = [offer_json(question.offer, user_id, now) for question in lifecycle.open_questions(user_id)]
    made = lifecycle.offers_made_by(user_id)
    return json_response({"to_answer": questions, "made": [offer_json(offer, user_id, now) for offer in made]})


@bp.get("/offers/<int:offer_id>")
def offer(offer_id: int):
    """An offer the caller takes part in (anyone else: 404)."""
    user_id = _user_id()
    return _offer_reply(get_services().lifecycle.offer_for(user_id, valid_id(offer_id)), user_id)


@bp.post("/offers/<int:offer_id>/accept")
def accept_offer(offer_id: int):
    """Yes: a give or an ask moves the device (the move may finish later), a share invite starts the share."""
    user_id = _user_id()
    lifecycle = get_services().lifecycle
    answer = lifecycle.accept(user_id, valid_id(offer_id), channel=CHANNEL)
    return json_response(answer_json(answer, user_id, lifecycle.clock()))


@bp.post("/offers/<int:offer_id>/decline")
def decline_offer(offer_id: int):
    """No: the offer ends; whoever made it is told."""
    user_id = _user_id()
    lifecycle = get_services().lifecycle
    answer = lifecycle.decline(user_id, valid_id(offer_id))
    return json_response(answer_json(answer, user_id, lifecycle.clock()))


@bp.post("/offers/<int:offer_id>/cancel")
def cancel_offer(offer_id: int):
    """The person who made the offer withdraws it while it is open."""
    user_id = _user_id()
    return _offer_reply(get_services().lifecycle.cancel_offer(user_id, valid_id(offer_id)), user_id)
