"""Errors of Wi-Fi setup and of the JSON API (bff/wifi_setup, bff/api)."""
from __future__ import annotations

from bff.errors.base import BffError



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


class NotAWifiProduct(NoWifiProduct):
    """The product named is one of ours, but a setup code cannot reach its devices: cellular ones
    have no Wi-Fi, and `over_ble` ones (Argon, P2 / Photon 2, M-SoM) set up Wi-Fi over Bluetooth,
    not through a SoftAP. Either way its box's QR code or 12-letter code adds it."""

    def __init__(self, detail: str | None = None, *, product: str, sms: bool = False,
                 over_ble: bool = False, **kwargs) -> None:
        why = "joins Wi-Fi over Bluetooth" if over_ble else "is not a Wi-Fi product"
        kwargs.setdefault("public_message", f"{product[:24]} {why}, so it needs no setup code.")
        kwargs.setdefault("next_step", "To add it, text CLAIM and the 12-letter code on its box." if sms
                          else "To add it, scan the QR code on its box, or type the 12-letter code "
                               "on its box on the start page.")
        super().__init__(detail or f"{product} {why}", **kwargs)


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
