"""Errors of claiming by serial number or ICCID (bff/claims/serials.py)."""
from __future__ import annotations

from bff.errors.base import BffError
from bff.errors.cloud import ClaimRefused

__all__ = ["SerialNeedsLabelCode", "SerialNotFound", "SerialNotOnThisDevice", "SerialLookupsUsedUp"]


class SerialNeedsLabelCode(ClaimRefused):
    """A customer sent a serial number or ICCID without the box's label code: both are printed on
    the device and guessable, so alone they prove nothing."""

    public_message = "The serial number or SIM number alone is not enough to add a device."
    next_step = "Type the 12 letters and numbers from the box label instead."


class SerialNotFound(ClaimRefused):
    """Neither bff's records nor the cloud's look-up know this serial number or ICCID."""

    public_message = "We could not find a device with that serial or SIM number."
    next_step = "Check the number, or use the device ID or the box code."


class SerialNotOnThisDevice(ClaimRefused):
    """The serial number or ICCID sent with a label code belongs to another device (or is unknown)."""

    public_message = "That serial or SIM number is not on the device with that box code."
    next_step = "Check both, or send the box code alone."


class SerialLookupsUsedUp(BffError):
    """bff used up its share of the cloud's serial-number look-ups this hour."""

    public_message = "We looked up many serial numbers this hour."
    next_step = "Use the device ID or the box code, or try again in an hour."
    retryable = True

    def __init__(self, detail: str | None = None, *, retry_after: float = 3600, **kwargs) -> None:
        self.retry_after = retry_after
        super().__init__(detail, **kwargs)
