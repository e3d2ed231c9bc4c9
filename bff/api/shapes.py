"""What the JSON API returns: plain dicts made from the services' objects (see bff/api/openapi.py).

Times are ISO 8601 UTC strings ("2024-05-01T12:00:00Z"); `expires_in` is whole seconds from now,
for phones whose clocks are wrong.
"""
from __future__ import annotations

from bff.accounts.phones import masked_phone

from datetime import UTC, datetime


def iso(timestamp: float | None) -> str | None:
    """Unix seconds as ISO 8601 UTC, to the second (None stays None)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(int(timestamp), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seconds_until(timestamp: float | None, now: float) -> int:
    return max(0, int((timestamp or now) - now))


def product_json(product) -> dict:
    """A Wi-Fi product: `id` is Particle's number (the setup libraries' `product_id`)."""
    return {"key": product.key, "id": product.id, "slug": product.slug, "name": product.name,
            "platform": product.platform}


def issued_json(issued, product, now: float, status_url: str) -> dict:
    """A new claim code: what a setup app needs, and where to watch it (no device list)."""
    return {"id": issued.id, "claim_code": issued.code, "expires_at": iso(issued.expires_at),
            "expires_in": seconds_until(issued.expires_at, now), "product": product_json(product),
            "status_url": status_url}


def diagnosis_json(diagnosis) -> dict | None:
    if diagnosis is None:
        return None
    return {"code": diagnosis.code, "message": diagnosis.message, "next_step": diagnosis.next_step}


def code_json(status, now: float) -> dict:
    """What became of a claim code."""
    return {
        "id": status.id, "state": status.state, "done": status.done, "product": product_json(status.product),
        "created_at": iso(status.created_at), "expires_at": iso(status.expires_at),
        "expires_in": seconds_until(status.expires_at, now), "code_hint": status.code_hint,
        "device_id": status.device_id, "device_name": status.device_name,
        "reported_device_id": status.reported_device_id, "diagnosis": diagnosis_json(status.diagnosis),
        "title": status.title, "message": status.message, "next_step": status.next_step,
        "version": status.version,
    }


def token_json(issued, now: float, status_url: str) -> dict:
    """A short-lived customer token for Particle's setup libraries, and where to follow the setup."""
    token = issued.token
    return {"access_token": token.access_token, "token_type": "bearer",
            "expires_in": seconds_until(token.expires_at, now), "expires_at": iso(token.expires_at),
            "product": product_json(issued.product), "id": issued.watch_id, "status_url": status_url}


def device_json(view) -> dict:
    """A device as the person sees it; `shared`: shared with them by its owner (not theirs to remove,
    give or share)."""
    return {"device_id": view.device_id, "name": view.name, "product": view.product_key,
            "product_name": view.product_name, "platform": view.platform, "online": view.online,
            "shared": view.shared}


def claim_json(claim, short_name, status_url: str) -> dict:
    return {
        "id": claim.id, "device_id": claim.device_id, "device_name": short_name(claim.device_id),
        "state": claim.state, "outcome": claim.outcome, "done": claim.done, "succeeded": claim.succeeded,
        "title": claim.title, "message": claim.message, "next_step": claim.next_step,
        "created_at": iso(claim.created_at), "updated_at": iso(claim.updated_at),
        "finished_at": iso(claim.finished_at), "status_url": status_url,
    }


def number_change_json(change, now: float) -> dict:
    """A move to a new phone number: what is proven, what is still needed, in plain words."""
    message, next_step = change.words
    return {"state": change.state, "done": change.done, "new_phone": change.new_phone,
            "new_number_checked": change.new_proven, "needs_old_code": change.needs_old_code,
            "needs_operator": change.needs_operator, "expires_at": iso(change.expires_at),
            "expires_in": seconds_until(change.expires_at, now), "message": message, "next_step": next_step}


# -- after the first claim: offers, moves, shares (bff/ownership) ------------------------------------

# The caller's part in an offer, by (kind, made it): the words a setup app can show.
OFFER_ROLES = {("give", True): "giver", ("give", False): "receiver", ("ask", True): "asker",
               ("ask", False): "owner", ("share", True): "owner", ("share", False): "invitee"}


def offer_json(offer, user_id: int, now: float) -> dict:
    """A give, ask or share invite as one of its people sees it: ids of people and phone numbers
    are never in it (the other side stays unnamed), only the caller's `role` and what they may do."""
    made = offer.starter_user_id == user_id
    answers = offer.open and offer.answerer_user_id == user_id
    return {"id": offer.id, "kind": offer.kind, "state": offer.state, "open": offer.open,
            "device_id": offer.device_id, "device_name": offer.device_name, "question": offer.question,
            "role": OFFER_ROLES[(offer.kind, made)], "can_answer": answers, "can_cancel": offer.open and made,
            "created_at": iso(offer.created_at), "expires_at": iso(offer.expires_at),
            "expires_in": seconds_until(offer.expires_at, now) if offer.open else 0,
            "answered_at": iso(offer.answered_at), "move_id": offer.move_id}


def move_json(move) -> dict:
    """A device's move (remove, give, ask): `done`, `failed`, or still under way (`requested`,
    `released`: the worker finishes it). The cloud's words stay with the operators."""
    return {"id": move.id, "device_id": move.device_id, "kind": move.kind, "state": move.state,
            "done": move.done}


def answer_json(answer, user_id: int, now: float) -> dict:
    """What a YES or NO did: the offer after it, the move it started, the words to show."""
    return {"offer": offer_json(answer.offer, user_id, now), "accepted": answer.accepted,
            "move": move_json(answer.move) if answer.move else None, "message": answer.reply}


def share_json(share, user_id: int, phone: str | None) -> dict:
    """A live share; `shared_with_you`: the caller is the person it is shared with (else its owner).
    `shared_with`: for the owner, the number they shared with as its last 4 digits ("••• 0199"),
    the way the pages show it; for the shared person, null (the owner's number is never shown)."""
    mine = share.user_id == user_id
    return {"id": share.id, "device_id": share.device_id, "shared_with_you": mine,
            "shared_with": None if mine else masked_phone(phone), "created_at": iso(share.created_at)}

