"""bff's exceptions: one hierarchy rooted at `BffError`, each with plain words for people.

Every exception carries two audiences:

- `public_message` + `next_step`: what happened and what to do next, in plain words a customer
  reads on a phone or in one SMS (GSM-7 only: straight quotes, no dashes or emoji). Never a
  cloud error text, never an internal detail. `customer_text` joins the two.
- `str(exc)` / `detail`: the operator's view (for logs and the operator pages).

Cloud errors (`CloudError` and below) also keep the cloud's reply: `status`, `method`, `path`,
`cloud_message` (the text the cloud gave, parsed from whichever JSON shape it used) and `raw`
(the reply body as received, truncated). `retryable` tells the claims service and the worker
whether trying again later can succeed (offline device, rate limit, cloud outage).

Later issues add their own families (claims, sign-in, SMS) as subclasses of `BffError`.
Parsing the cloud's replies into these classes is Particle knowledge and lives in
bff/particle/client.py (`cloud_error`).
"""
from __future__ import annotations

RAW_REPLY_LIMIT = 2000  # characters of a cloud reply kept on an exception


def error_body(code: str, message: str, next_step: str) -> dict:
    """bff's one JSON error shape, for the JSON API and every other JSON route."""
    return {"error": {"code": code, "message": message, "next_step": next_step}}


class BffError(Exception):
    """Something bff could not do; says what happened and what to do next."""

    public_message = "Something went wrong on our side."
    next_step = "Please try again in a few minutes."
    retryable = False

    def __init__(self, detail: str | None = None, *, public_message: str | None = None,
                 next_step: str | None = None) -> None:
        if public_message is not None:
            self.public_message = public_message
        if next_step is not None:
            self.next_step = next_step
        self.detail = detail or self.public_message
        super().__init__(self.detail)

    @property
    def customer_text(self) -> str:
        """What happened and what to do next, as one plain sentence pair."""
        return f"{self.public_message} {self.next_step}"


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


# -- sign-in and accounts (bff/accounts/service.py) -----------------------------------------------------


def _wait_words(seconds: float) -> str:
    """A wait as plain words: "1 minute", "15 minutes", "2 hours" (rounded up, at least a minute)."""
    minutes = max(1, -(-int(seconds) // 60))
    if minutes < 120:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"{-(-minutes // 60)} hours"


class SignInError(BffError):
    """Signing in did not work. Base of the sign-in family."""

    public_message = "We could not sign you in."
    next_step = "Please try again."


class InvalidPhoneNumber(SignInError):
    """Text that is not a phone number we can send a text to."""

    public_message = "That phone number does not look right."
    next_step = "Type it with the country code, like +1 201 555 0123."


class TooManySignInCodes(SignInError):
    """Too many codes asked for one phone number or from one place; `retry_after` seconds to wait."""

    public_message = "We sent too many codes in a short time."

    def __init__(self, detail: str | None = None, *, retry_after: float, **kwargs) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        kwargs.setdefault("next_step", f"Please wait {_wait_words(self.retry_after)}, then try again.")
        super().__init__(detail, **kwargs)


class SignInCodeExpired(SignInError):
    """No live code for this phone: too old, already used, or never sent."""

    public_message = "That code is too old or was already used."
    next_step = "Tap Send a new code to get a new one."


class SignInCodeLocked(SignInCodeExpired):
    """The code was typed wrong too many times and no longer works."""

    public_message = "That code was typed wrong too many times."


class WrongSignInCode(SignInError):
    """The code typed is not the code we sent; `tries_left` more tries with this code."""

    public_message = "That code is not right."

    def __init__(self, detail: str | None = None, *, tries_left: int | None = None, **kwargs) -> None:
        self.tries_left = tries_left
        if tries_left is not None:
            tries = "1 more try" if tries_left == 1 else f"{tries_left} more tries"
            kwargs.setdefault("next_step", f"Check the newest text from us and type it again. You have {tries}.")
        else:
            kwargs.setdefault("next_step", "The code has 6 numbers. Check the text from us and type it again.")
        super().__init__(detail, **kwargs)


class WrongPassword(SignInError):
    """Unknown login or wrong password (the same words for both, on purpose)."""

    public_message = "That login or password is not right."
    next_step = "Check both and try again."


class TooManySignInTries(SignInError):
    """Too many password tries for one login or from one place; `retry_after` seconds to wait."""

    public_message = "There were too many tries to sign in."

    def __init__(self, detail: str | None = None, *, retry_after: float, **kwargs) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        kwargs.setdefault("next_step", f"Please wait {_wait_words(self.retry_after)}, then try again.")
        super().__init__(detail, **kwargs)


class NotSignedIn(SignInError):
    """A page or JSON route that needs a signed-in person was asked without one."""

    public_message = "You are not signed in."
    next_step = "Sign in, then try again."


class OperatorSetupError(BffError):
    """An operator account could not be made (login taken, short password, bad login)."""

    public_message = "We could not make this operator account."
    next_step = "Check the login and password and try again."


class LoginTaken(OperatorSetupError):
    """The store refused a new operator: the login (or phone) is already someone's."""

    public_message = "That login is taken."
    next_step = "Choose another login."


# -- API and setup (bff/wifi_setup/service.py, bff/api/routes.py) ------------------------------------------------


class SetupError(BffError):
    """Wi-Fi setup could not start (no such product, too many codes). Base of the setup family."""

    public_message = "We could not start the Wi-Fi setup."
    next_step = "Please try again in a few minutes."


def _names_in_words(names: list[str], *, sms: bool) -> str:
    """ "widget-wifi or gadget" (sms: "CODE widget-wifi or CODE gadget")."""
    shown = [f"CODE {name}" if sms else name for name in names]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


class NoWifiProduct(SetupError):
    """None of the configured products is a Wi-Fi (Photon or P1) product."""

    public_message = "We do not sell Wi-Fi devices that need this setup."
    next_step = "If your device came with a box code, use that instead."


class ChooseWifiProduct(SetupError):
    """Several Wi-Fi products are configured (or the name given matches none): say which.

    `names` are the words that pick each product; `next_step` lists them, as an SMS command
    when the person asked by text.
    """

    public_message = "Please tell us which product."

    def __init__(self, detail: str | None = None, *, names: list[str], sms: bool = False,
                 unknown: str | None = None, **kwargs) -> None:
        self.names = list(names)
        if unknown is not None:
            kwargs.setdefault("public_message", "We do not know that product.")
        verb = "Text" if sms else "Choose"
        kwargs.setdefault("next_step", f"{verb} {_names_in_words(self.names, sms=sms)}.")
        super().__init__(detail or f"choose one of {self.names}", **kwargs)


class TooManyClaimCodes(SetupError):
    """One person asked for too many setup codes (or setup tokens) in a short time."""

    public_message = "You asked for many setup codes in a short time."
    next_step = "Please wait a few minutes, then try again."


class SetupCodeNotFound(SetupError):
    """No such setup code for this person (someone else's codes look the same: not found)."""

    public_message = "We could not find that setup code."
    next_step = "Get a new code and start the setup again."


class ApiError(BffError):
    """A request to the JSON API was refused before any work: `status` and a stable `code`."""

    status = 400
    code = "bad_request"
    public_message = "We could not read that request."
    next_step = "Check the request and try again."

    def __init__(self, detail: str | None = None, *, status: int | None = None,
                 code: str | None = None, **kwargs) -> None:
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        super().__init__(detail, **kwargs)


class ApiNotSignedIn(ApiError):
    """No usable bearer token: missing, unknown or revoked."""

    status = 401
    code = "not_signed_in"
    public_message = "You are not signed in."
    next_step = "Sign in with your phone number, then send your token with each request."
