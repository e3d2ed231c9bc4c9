"""Errors of the ownership modes (README "Ownership modes"): what `product` mode cannot do, an API
user's token the cloud refuses, a mode switch that cannot be made (bff/particle, bff/wifi_setup,
bff/ownership/modes.py)."""
from __future__ import annotations

from bff.errors.base import BffError
from bff.errors.cloud import CloudError
from bff.errors.ops import OpsError
from bff.errors.setup import SetupError

__all__ = ["NeedsCustomersMode", "WifiSetupNeedsCustomers", "ApiUserNotAllowed", "ModeSwitchRefused",
           "missing_scope_words"]

# Both refusals below answer HTTP 409 with the code `needs_customers_mode` (ERROR_STATUS, bff/web/errors.py).


class NeedsCustomersMode(BffError):
    """A cloud customer was needed (a customer token, a claim code, a setup token) for a product in
    `product` mode, where bff makes no cloud customers: a configuration question, never a bug."""

    public_message = "This is not offered for this product."
    next_step = "Add your device with the QR code or the 12-letter code on its box."


class WifiSetupNeedsCustomers(SetupError):
    """A Wi-Fi setup code (or a setup token) was asked for a product in `product` mode. Setup codes
    are Particle claim codes, minted for a cloud customer, and product mode has none. The device
    joins Wi-Fi without a code; once it is online, its box's QR code or label code adds it."""

    def __init__(self, detail: str | None = None, *, product: str = "This product", web: bool = False,
                 several: bool = False, **kwargs) -> None:
        self.product = product
        need, it = ("need", "one") if several else ("needs", "it")
        kwargs.setdefault("public_message", f"{product[:80] if web else product[:24]} {need} no setup code from us.")
        kwargs.setdefault("next_step", f"Join {it} to your Wi-Fi without a code (the setup app works without one). "
                                       "When it is online, scan the QR code on its box, or type the 12-letter "
                                       "code on its box on the start page." if web
                          else f"Join {it} to your Wi-Fi without a code. When it is online, text CLAIM and the "
                               "12-letter code on its box.")
        super().__init__(detail or f"{product} is in product mode: Wi-Fi setup codes need customers mode",
                         **kwargs)


class ApiUserNotAllowed(CloudError):
    """The cloud refused a product-mode call: the API user's token lacks the scope the call needs
    (or is not for this product). `scope` names the scope when bff knows which one it is."""

    public_message = "This did not work: a setting on our side is wrong, not your device."
    next_step = "We have been told. Try again later today, or contact the seller."

    def __init__(self, detail: str | None = None, *, scope: str | None = None, **kwargs) -> None:
        self.scope = scope
        super().__init__(detail, **kwargs)
        if detail is None and scope:
            self.detail = f"{self.detail} (the API user needs the scope {scope})"
            self.args = (self.detail,)

    @property
    def plain_reason(self) -> str:
        """What an operator reads: which permission is missing, and where it is given."""
        return missing_scope_words(self.scope)


def missing_scope_words(scope: str | None) -> str:
    """An API user's refusal in an operator's words: the scope it lacks and how to give it."""
    needed = f"the scope {scope}" if scope else "a scope this call needs (or is not for this product)"
    return (f"The product's API user may not do this: it lacks {needed}. Give the API user that scope "
            "(API users are changed through Particle's REST API: PUT /v1/products/:product/team/:username "
            "with the whole scope list; its token changes), then put the new token in BFF_PARTICLE_PRODUCTS "
            "and restart bff.")


class ModeSwitchRefused(OpsError):
    """`flask bff set-mode` cannot switch this product now; the message says why and what to do."""

    public_message = "The ownership mode cannot be switched now."
    next_step = "Check the configuration as the message says, then run the command again."

