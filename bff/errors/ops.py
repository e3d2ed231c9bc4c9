"""Errors of the operators' console (bff/ops and the services it calls for fixes)."""
from __future__ import annotations

from bff.errors.base import BffError

__all__ = ["OpsError", "NotAllowed", "FixRefused", "ClaimNotOpen", "ClaimBusy", "ReleaseRefused",
           "ImportRefused", "UnknownOperator"]


class OpsError(BffError):
    """An operator's request was refused. Base of the console family."""

    public_message = "That could not be done."
    next_step = "Reload the page and try again."


class NotAllowed(OpsError):
    """The operator's role does not allow this (HTTP 403)."""

    public_message = "Your role does not allow this."
    next_step = "Ask an admin to do it, or to change your role."


class FixRefused(OpsError):
    """A fix on the device doctor or the claims list cannot be done now; the message says why."""

    public_message = "That fix cannot be done now."
    next_step = "Reload the page to see the device as it is now."


class ClaimNotOpen(FixRefused):
    """Retry or cancel of a claim that has already finished."""

    public_message = "This claim has already finished."
    next_step = "Reload the page to see how it ended."


class ClaimBusy(FixRefused):
    """The claim is being tried right now (by the worker or a request): not run twice."""

    public_message = "This claim is being tried right now."
    next_step = "Wait a few seconds and reload the page to see the result."


class ReleaseRefused(FixRefused):
    """A release (or give) while a claim of the device is still open."""

    public_message = "This device has a claim waiting."
    next_step = "Cancel the waiting claim first, then release the device."


class ImportRefused(OpsError):
    """An import that cannot start: nothing pasted, no device ID in the file, a file too big."""

    public_message = "We could not read any device IDs."
    next_step = "Paste or upload device IDs, one per line (a serial number may follow after a comma)."


class UnknownOperator(OpsError):
    """No operator with that login (managing operators)."""

    public_message = "There is no operator with that login."
    next_step = "Check the login on the operators page."
