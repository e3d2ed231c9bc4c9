"""Errors from the device cloud and from claims (bff/particle, bff/claims)."""
from __future__ import annotations

from bff.errors.base import RAW_REPLY_LIMIT, BffError


class InvalidDeviceId(BffError, ValueError):
    """Text that is not a device ID (24 hexadecimal characters)."""

    public_message = "That device ID does not look right."
    next_step = "Check the code on the label and type it again."


class ProductNotConfigured(BffError):
    """bff was asked about a product it has no OAuth client for (a configuration mistake)."""

    public_message = "We are not set up for this device yet."
    next_step = "Please contact us so we can fix it."


class CloudError(BffError):
    """The Particle cloud refused or failed a request. Base of every cloud error family."""

    public_message = "Something went wrong with the device cloud."
    next_step = "Please try again in a few minutes."

    def __init__(self, detail: str | None = None, *, status: int | None = None,
                 method: str = "", path: str = "", cloud_message: str = "",
                 raw: str | None = None, **kwargs) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.cloud_message = cloud_message
        self.raw = raw[:RAW_REPLY_LIMIT] if raw is not None else None
        if detail is None:
            where = f"{method} {path}".strip()
            said = f": {cloud_message}" if cloud_message else ""
            detail = f"{type(self).__name__} (HTTP {status}) from {where}{said}"
        super().__init__(detail, **kwargs)


class BadRequest(CloudError):
    """The cloud rejected the request as malformed or invalid (HTTP 400, 422)."""

    public_message = "The device cloud did not accept this request."
    next_step = "Please check what you typed and try again."


class AlreadyExists(BadRequest):
    """The thing we asked the cloud to create is already there (e.g. a customer)."""

    public_message = "This is already set up."
    next_step = "You do not need to do anything."


class Unauthorized(CloudError):
    """The token or client credentials were not accepted (HTTP 401, invalid_token/invalid_client)."""

    public_message = "We could not sign in to the device cloud."
    next_step = "Please try again in a few minutes. If it keeps happening, contact us."


class Forbidden(CloudError):
    """The credentials are valid but not allowed to do this (HTTP 403)."""

    public_message = "The device cloud did not allow this."
    next_step = "Please contact us so we can fix it."


class NotFound(CloudError):
    """The cloud does not know what we asked for (HTTP 404)."""

    public_message = "We could not find that."
    next_step = "Please check what you typed and try again."


# Unknown devices and other people's devices get the same words on purpose: a customer must not
# learn which device IDs exist or are owned (docs/particle.md#device-ids). Operators see the difference.
_NOT_YOURS_MESSAGE = "We could not add this device to your account."
_NOT_YOURS_NEXT_STEP = "Check the code on the label. If it is right, contact the seller for help."


class DeviceNotFound(NotFound):
    """The cloud does not know this device ID (or will not say it does)."""

    public_message = _NOT_YOURS_MESSAGE
    next_step = _NOT_YOURS_NEXT_STEP


class DeviceOwnedByOther(CloudError):
    """The device belongs to someone else (claim: HTTP 403 "That belongs to someone else.")."""

    public_message = _NOT_YOURS_MESSAGE
    next_step = _NOT_YOURS_NEXT_STEP


class DeviceOffline(CloudError):
    """The device is not connected, so the cloud could not finish (or would not say why)."""

    public_message = "The device is switched off or has no signal."
    next_step = "Switch the device on; we will finish and send you a text."
    retryable = True


class DeviceNotInProduct(CloudError):
    """The device has not been added to the product (it must be imported first)."""

    public_message = "This device is not registered for our service yet."
    next_step = "Please contact the seller; they need to add it first."


class RateLimited(CloudError):
    """Too many requests (HTTP 429): wait `retry_after` seconds before trying again."""

    public_message = "The device cloud is busy right now."
    next_step = "Please wait a minute, then try again."
    retryable = True

    def __init__(self, detail: str | None = None, *, retry_after: float, **kwargs) -> None:
        self.retry_after = retry_after
        super().__init__(detail, **kwargs)


class CloudUnavailable(CloudError):
    """The cloud did not answer properly: HTTP 5xx, a timeout or a broken connection."""

    public_message = "We cannot reach the device cloud right now."
    next_step = "Please try again in a few minutes."
    retryable = True


# -- claims (bff/claims/service.py) ----------------------------------------------------------------------


class ClaimRefused(BffError):
    """A customer may not claim this device through bff (unknown, someone else's, wrong proof).

    One text for every reason, on purpose (docs/particle.md#device-ids); the reason is in `detail` for operators.
    """

    public_message = _NOT_YOURS_MESSAGE
    next_step = _NOT_YOURS_NEXT_STEP


class ClaimInProgressElsewhere(ClaimRefused):
    """Another person's claim of this device is waiting; customers read the same as ClaimRefused."""


class TooManyClaimAttempts(BffError):
    """One person asked to claim too many devices in a short time."""

    public_message = "You have tried to add many devices in a short time."
    next_step = "Please wait a few minutes, then try again."

