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

Families: `base` (the root), `cloud` (the cloud and claims), `accounts` (sign-in, operator
accounts), `setup` (Wi-Fi setup, the JSON API), `ops` (the operators' console), `modes` (the ownership modes:
what product mode cannot do, an API user's refused token, a mode switch). Import from
`bff.errors`; the modules only keep each family short.
Parsing the cloud's replies into these classes is Particle knowledge and lives in
bff/particle/client.py (`cloud_error`).
"""
from __future__ import annotations

from bff.errors.base import (  # noqa: F401
    BffError, RAW_REPLY_LIMIT, error_body,
)
from bff.errors.cloud import (  # noqa: F401
    AlreadyExists, BadRequest, ClaimInProgressElsewhere, ClaimRefused, CloudError,
    CloudUnavailable, DeviceNotFound, DeviceNotInProduct, DeviceOffline, DeviceOwnedByOther,
    Forbidden, InvalidDeviceId, NotFound, ProductNotConfigured, RateLimited,
    TooManyClaimAttempts, Unauthorized,
)
from bff.errors.accounts import (  # noqa: F401
    InvalidPhoneNumber, LoginTaken, NotSignedIn, OperatorSetupError, SignInCodeExpired,
    SignInCodeLocked, SignInError, TooManySignInCodes, TooManySignInTries, TooManyWrongCodes,
    WrongPassword, WrongSignInCode,
)
from bff.errors.accounts import (  # noqa: F401
    NoNumberChange, NumberChangeError, NumberTaken, OldNumberCodeNeeded, SameNumber,
)
from bff.errors.serials import *  # noqa: F401,F403
from bff.errors.setup import (  # noqa: F401
    ApiError, ApiNotSignedIn, ChooseWifiProduct, NoWifiProduct, NotAWifiProduct, SetupCodeNotFound, SetupError,
    TooManyClaimCodes,
)
from bff.errors.ops import *  # noqa: F401,F403
from bff.errors.lifecycle import *  # noqa: F401,F403
from bff.errors.modes import *  # noqa: F401,F403
