"""What a page says when a device cannot be added, and where it leads: never a dead end.

The steps, in this order, as far as each can help: ask the owner (the person holds the box and bff
knows the device is someone else's: `can_ask_owner`, bff/web/lifecycle.py), type the code printed
on the box (a link cut short, a code misread), and last the seller (`BFF_SELLER_CONTACT`). "Try
again" only where trying again can help: trouble on the cloud's side. The heading says what
happened, the first sentence why, in the same words for every reason a device is not the person's
to add (unknown, someone else's, another device's code: docs/particle.md#device-ids).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template

from bff import errors


@dataclass(frozen=True)
class Refusal:
    """A refused or failed claim as a page shows it."""

    heading: str
    why: str
    next_step: str = ""  # a further sentence, when the steps below do not say it already
    type_code: bool = True  # "Type the code from the box" helps
    try_again: bool = False  # "Try again" helps (the cloud's trouble)


NOT_YOURS_WHY = "It may be on someone else's account already, or the code may be another device's."

# A QR link that proves nothing (no tag, a wrong tag, a device bff does not serve): one text for all.
BAD_LINK = Refusal("We could not open this device",
                   "This link does not match a device we know. It may be cut short or copied wrong.")
NOT_YOURS = Refusal("We could not add this device", NOT_YOURS_WHY)


def for_error(error: errors.ClaimRefused) -> Refusal:
    """A claim refused before any claim was stored (a wrong tag, another person's claim waiting)."""
    return NOT_YOURS


def for_claim(claim) -> Refusal | None:
    """A finished claim that did not add the device (None for one that did, or one still open)."""
    if not claim.done or claim.succeeded:
        return None
    if claim.state == "refused":
        if claim.message == errors.ClaimRefused.public_message:  # the cloud said no: the usual words
            return NOT_YOURS
        next_step = "" if claim.next_step == errors.ClaimRefused.next_step else claim.next_step
        return Refusal(claim.title, claim.message, next_step)
    if claim.state == "failed":  # the cloud's trouble: trying again helps
        return Refusal(claim.title, claim.message, claim.next_step, type_code=False, try_again=True)
    return Refusal(claim.title, claim.message, claim.next_step, type_code=False)  # cancelled by support


def seller_line() -> str:
    """The last step: the seller, with their contact when bff is told it (`BFF_SELLER_CONTACT`)."""
    contact = str(current_app.config.get("SELLER_CONTACT") or "").strip().rstrip(".")
    if not contact:
        return "If nothing else works, contact the seller who sold you the device."
    return f"If nothing else works, contact the seller who sold you the device: {contact}."


def refused_page(error: errors.ClaimRefused, status: int, *, link: bool = False):
    """The page of a refusal with no device page to show it on: what happened, then the next steps.
    `link`: the QR link itself proved nothing (opening it, not claiming)."""
    refusal = BAD_LINK if link else for_error(error)
    return render_template("web/refused.html", refusal=refusal), status
