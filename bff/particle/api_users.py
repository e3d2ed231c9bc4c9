"""Product mode's one credential: an API user's token (docs/particle.md#api-users).

An API user is a team member of a product (or of its organization) meant for programs: it has a
list of scopes and one token, and the token may call only the endpoints its scopes allow. bff
uses its token as the product token, never minted and never cached (bff/particle/tokens.py).

- `SCOPES_BFF_NEEDS`: what bff calls in product mode, and the scope each call needs (the fewest
  that work); `devices:release` only for `flask bff set-mode ... --unclaim`.
- `scope_for`: the scope a product call needs, to name it when the cloud refuses.
- `api_user_refusal`: the refine hook of product-mode calls: the cloud's refusal (403, or the
  documented 400 `unauthorized`) becomes `ApiUserNotAllowed`, naming the missing scope, before
  the call is logged, so operators read what to give the API user.
"""
from __future__ import annotations

import logging
import re

import requests

from bff.errors import ApiUserNotAllowed, CloudError, Forbidden

logger = logging.getLogger(__name__)

# (method, path after /v1/products/:p, scope, what bff does with it)
_CALLS = (
    ("GET", r"", "products:get", "the product's name and platform"),
    ("GET", r"/devices", "devices:list", "the device list (reconcile, rebuild, set-mode)"),
    ("GET", r"/devices/[^/]+", "devices:get", "one device (a claim, the doctor, a re-read)"),
    ("PUT", r"/devices/[^/]+", "devices:update", "renaming a device"),
    ("POST", r"/devices", "devices:import", "importing devices"),
    ("GET", r"/events(/.*)?", "events:get", "the product's event stream (online, offline)"),
    ("DELETE", r"/devices/[^/]+/owner", "devices:release", "set-mode --unclaim only"),
)
SCOPES_BFF_NEEDS = tuple(scope for method, _, scope, use in _CALLS if scope != "devices:release")
_PRODUCT_PATH = re.compile(r"^/v1/products/[^/?]+(?P<rest>[^?]*)")


def scope_for(method: str, path: str) -> str | None:
    """The scope an API user needs for this product call (None: not a call bff knows)."""
    match = _PRODUCT_PATH.match(path)
    if match is None:
        return None
    rest = match.group("rest").rstrip("/")
    for wanted_method, pattern, scope, _ in _CALLS:
        if method == wanted_method and re.fullmatch(pattern, rest):
            return scope
    return None


def api_user_refusal(response: requests.Response, error: CloudError | None) -> CloudError | None:
    """A product-mode call's refusal as `ApiUserNotAllowed` (other errors and successes as they are),
    logged as an error: only an operator can fix it, so the customer is told "we have been told"."""
    if type(error) is not Forbidden:
        return error
    refusal = ApiUserNotAllowed(scope=scope_for(error.method, error.path.split("?", 1)[0]), status=error.status,
                                method=error.method, path=error.path, cloud_message=error.cloud_message,
                                raw=error.raw)
    logger.error("the cloud refused the product's API user: %s %s. %s", error.method, error.path,
                 refusal.plain_reason, extra={"event": "api_user_refused", "scope": refusal.scope})
    return refusal
