"""Errors of after the first claim: remove, give, ask the owner, share, YES/NO answers (bff/ownership).

Each says in plain words (GSM-7, short enough for one SMS with the next step) what happened and
what to do next. HTTP statuses: `ERROR_STATUS` in bff/web/errors.py.
"""
from __future__ import annotations

from bff.errors.base import BffError

__all__ = ["LifecycleError", "UnknownDevice", "TooManyInvites", "NotTheOwner", "SharedUserOnly", "DeviceBusy",
           "OwnNumber", "AlreadyOffered", "AlreadyYours", "NoOwnerToAsk", "AsksStopped", "TooManyAsks", "OfferNotFound", "OfferClosed",
           "NothingToAnswer", "WhichQuestion", "NotShared", "AlreadyShared", "MoveFailed"]


class LifecycleError(BffError):
    """A remove, give, ask, share or answer was refused. Base of the family."""

    public_message = "That could not be done."
    next_step = "Text STATUS to see your devices."


class NotTheOwner(LifecycleError):
    """Only the device's owner may remove, give or share it (HTTP 403)."""

    public_message = "Only the owner of this device can do that."
    next_step = "Text STATUS to see your devices."


class SharedUserOnly(NotTheOwner):
    """A person the device is shared with tried to remove, give or share it."""

    public_message = "This device is shared with you, so you can rename it but not remove, give or share it."
    next_step = "Ask its owner to do it."


class DeviceBusy(LifecycleError):
    """A claim or a move of the device is still open (HTTP 409)."""

    public_message = "This device is being added to an account or moved right now."
    next_step = "Wait until that is done, then try again."


class OwnNumber(LifecycleError):
    """A give or share to the person's own phone number."""

    public_message = "That is your own phone number."
    next_step = "Type the phone number of the other person."


class AlreadyOffered(LifecycleError):
    """The device is already offered to another phone (one open give per device)."""

    public_message = "This device is already offered to someone else."
    next_step = "Cancel that offer first, or wait for their answer."


class AlreadyYours(LifecycleError):
    """Asking for (or being given) a device the person owns already."""

    public_message = "This device is already yours."
    next_step = "Text STATUS to see your devices."


class NoOwnerToAsk(LifecycleError):
    """An ask for a device nobody owns: it can simply be claimed."""

    public_message = "This device has no owner."
    next_step = "Claim it with the code on its label."


class AsksStopped(LifecycleError):
    """The owner asked us to stop passing on asks for this device (HTTP 403)."""

    public_message = "The owner of this device does not take asks for it."
    next_step = "Contact the seller for help."


class TooManyAsks(LifecycleError):
    """Asks are limited per asker and per device (HTTP 429)."""

    public_message = "There have been too many asks for devices."
    next_step = "Please wait a day, then try again."


class OfferNotFound(LifecycleError):
    """No such offer, or not one of this person's (HTTP 404)."""

    public_message = "We could not find that offer."
    next_step = "Text STATUS to see your devices."


class OfferClosed(LifecycleError):
    """The offer was answered, cancelled or ended already (HTTP 409); a second YES lands here."""

    public_message = "This offer is no longer open."
    next_step = "Nothing more to do. Text STATUS to see your devices."


class NothingToAnswer(LifecycleError):
    """YES or NO with no open question."""

    public_message = "There is nothing to answer."
    next_step = "Text MENU to see what you can do."


class WhichQuestion(LifecycleError):
    """YES or NO while several questions are open; the words list them (built in bff/ownership/texts.py)."""

    public_message = "You have several open questions."
    next_step = "Reply YES 1 or NO 1 with the number of the question."


class NotShared(LifecycleError):
    """Unshare or leave of a device that is not shared with that person (HTTP 404)."""

    public_message = "This device is not shared with that person."
    next_step = "Text STATUS to see your devices."


class AlreadyShared(LifecycleError):
    """A share with a person who already shares the device (HTTP 409)."""

    public_message = "This device is already shared with that person."
    next_step = "Nothing more to do."


class UnknownDevice(LifecycleError):
    """A device bff does not know and the products do not have (HTTP 404)."""

    public_message = "We do not know this device."
    next_step = "Check the code on its label."


class TooManyInvites(LifecycleError):
    """One person gave or shared to many numbers in a short time (each one texts a number)."""

    public_message = "You sent many gives and shares in a short time."
    next_step = "Please wait an hour, then try again."


class MoveFailed(LifecycleError):
    """The cloud refused to move the device; nothing moved (operators see the cloud's words)."""

    public_message = "We could not move this device."
    next_step = "Please try again later, or contact the seller."
