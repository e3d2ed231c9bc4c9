"""Wi-Fi (Photon/P1) setup: claim codes for setup apps, and what became of each one.

A Wi-Fi device is claimed the other way round (docs/particle.md#claim-codes, docs/softap.md#claim-codes): while the phone still has
internet, the person gets a product claim code minted with their shadow customer's token
(`POST /v1/products/:p/device_claims`); a setup app hands it to the device over SoftAP with the
Wi-Fi password; the device presents it when it comes online, and the cloud makes the person the
owner. bff records every code it hands out (user, product, a hash of the code, expiry, the
devices the person already had), so it can match the arriving device to the person.

- `SetupService.create_claim_code` serves the page, the JSON API and the SMS `CODE` command.
- `status` says what became of a code in plain words: waiting, "online and yours", or why not.
- Watching (the worker's event handler and periodic check) lives in bff/wifi_setup/watch.py.
- `setup_token` hands a setup app a short-lived customer token (Particle's own setup libraries
  mint their claim code themselves and take only a token); never the client secret.

A product in product mode (README "Ownership modes") gets no setup codes and no setup tokens: both
are made for a cloud customer, and product mode has none. Its Photons join Wi-Fi without a code and
are claimed by their box's QR code or label code once online; `codeless_products` names them and
every way in (page, API, SMS `CODE`) answers `WifiSetupNeedsCustomers`, saying so.

Only Photons and P1s get setup codes: they are the Wi-Fi devices with a SoftAP. The Argon, the
P2 / Photon 2 and the M-SoM set up Wi-Fi over Bluetooth (docs/ble-setup.md), which bff has no
steps for; `ble_products` names them so the pages can say to claim them by their box's QR code
or label code instead, as any device of a product (docs/particle.md#platform-ids).
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass

from bff import errors
from bff.device_ids import normalize_device_id
from bff.devices.platforms import BLE_SETUP, SOFTAP_SETUP, platform_word
from bff.particle import CLAIM_CODE_LIFETIME_SECONDS, Token
from bff.sealing import Sealer
from bff.wifi_setup.watch import DIAGNOSES, Diagnosis, SetupWatch

WIFI_PLATFORMS = {platform_id: platform_word(platform_id) for platform_id in sorted(SOFTAP_SETUP)}
CODES_PER_USER_PER_HOUR = 10  # a person sets up a few devices; a loop asking for codes is stopped
SETUP_TOKENS_PER_USER_PER_HOUR = 20
REPORTS_PER_USER_PER_HOUR = 30  # "I set up this device": each one costs cloud calls later
SETUP_TOKEN_SECONDS = 900  # 15 minutes: long enough for one setup, short if it leaks
FIRST_CHECK_SECONDS = 20  # the worker first looks at a new code's customer list after this


@dataclass(frozen=True)
class WifiProduct:
    """A configured product of Wi-Fi devices (Photon or P1)."""

    key: str  # as configured (id or slug): what bff uses in cloud URLs
    id: int | None
    slug: str | None
    name: str
    platform: str  # "photon" or "p1" ("device" for a product a setup code cannot reach)
    platform_id: int | None = None

    @property
    def word(self) -> str:
        """The word a person types (SMS `CODE <word>`) or an app sends to pick this product."""
        return self.slug or self.key

    def answers_to(self, text: str) -> bool:
        """True when `text` names this product (key, slug, name or id; case, spaces, dashes aside)."""
        wanted = _fold(text)
        return bool(wanted) and wanted in {_fold(str(v)) for v in (self.key, self.slug, self.name, self.id) if v}


@dataclass(frozen=True)
class IssuedClaimCode:
    """A claim code just made for a person: give `code` to the setup app before `expires_at`."""

    code: str
    expires_at: float  # Unix seconds
    product_key: str
    id: int  # bff's record of it (`status(id, user)`)
    product_name: str = ""


@dataclass(frozen=True)
class IssuedSetupToken:
    """A customer token for a setup app, and bff's record to follow the setup (`status`)."""

    product: WifiProduct
    token: Token
    watch_id: int


@dataclass(frozen=True)
class CodeStatus:
    """What became of a claim code, as the page, the API and the SMS show it."""

    id: int
    user_id: int
    product: WifiProduct
    channel: str
    state: str  # open | arrived | expired
    created_at: float
    expires_at: float
    seconds_left: int
    code_hint: str  # the last characters of the code, to tell two codes apart
    device_id: str | None  # the device that arrived
    device_name: str | None
    reported_device_id: str | None  # the device the setup app said it set up
    diagnosis: Diagnosis | None
    title: str
    message: str
    next_step: str

    @property
    def done(self) -> bool:
        return self.state != "open"

    @property
    def arrived(self) -> bool:
        return self.state == "arrived"

    @property
    def version(self) -> str:
        """Changes when what a page shows about the code changes (pages poll for it)."""
        facts = [self.state, self.device_id, self.diagnosis and self.diagnosis.code, self.reported_device_id]
        return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:16]


# state (or "diagnosed" for an open code with a diagnosis) -> (title, message, next step)
STATUS_TEXTS = {
    "open": ("Waiting for your device",
             "We have not seen your device come online with this code yet.",
             "Finish the setup steps. This changes by itself when your device is online."),
    "arrived": ("Your device is online and yours",
                "{device} is online and on your account.",
                "You can close this page. We also sent you a text."),
    "diagnosed": ("Your device has not arrived yet", "", ""),
    "expired": ("The setup did not finish", "", ""),
}
ARRIVED_SMS = "Good news: your device {device} is online and on your account. You do not need to do anything."


class SetupService:
    """Claim codes for Wi-Fi setup, their status, setup tokens; watching is `self.watch`."""

    def __init__(self, store, particle, claims, sms, *, devices=None, rate_limit=None, events=None,
                 clock=time.time, sealer: Sealer | None = None) -> None:
        self.store = store
        self.sealer = sealer or Sealer.of_this_process()  # the code for its page, sealed (BFF_TOKEN_KEY)
        self.particle = particle
        self.claims = claims
        self.devices = devices or claims.devices
        self.sms = sms
        self.rate_limit = rate_limit  # callable(key, limit=, window_seconds=) -> True when over
        self.events = events  # WebhookOutbox: setup.arrived
        self._clock = clock
        self.watch = SetupWatch(self)

    def clock(self) -> float:
        return self._clock()

    # -- products ---------------------------------------------------------------------------------

    def wifi_products(self) -> list[WifiProduct]:
        """The configured products of Photons or P1s a setup code serves (customers mode; product
        facts are cached in SQLite)."""
        return [product for product in self._all_products()
                if product.platform_id in SOFTAP_SETUP and self.particle.owners_in_cloud(product.key)]

    def codeless_products(self) -> list[WifiProduct]:
        """The configured products of Photons or P1s in product mode: no setup code for them (a
        claim code needs a cloud customer); they join Wi-Fi without one, then are claimed by label."""
        return [product for product in self._all_products()
                if product.platform_id in SOFTAP_SETUP and not self.particle.owners_in_cloud(product.key)]

    def codeless_notice(self) -> errors.WifiSetupNeedsCustomers | None:
        """What the start page says of the products in product mode (None when there are none)."""
        codeless = self.codeless_products()
        if not codeless:
            return None
        return errors.WifiSetupNeedsCustomers(product=_names(codeless), web=True, several=len(codeless) > 1)

    def ble_products(self) -> list[WifiProduct]:
        """The configured products of Wi-Fi devices set up over Bluetooth: no setup code for them."""
        return [product for product in self._all_products() if product.platform_id in BLE_SETUP]

    def _all_products(self) -> list[WifiProduct]:
        """Every configured product, as a WifiProduct (its platform's word and id)."""
        return [_product_of(key, self.particle.product_info(key)) for key in self.particle.product_keys()]

    def is_wifi_product(self, product_key: str) -> bool:
        return any(product.key == product_key for product in self.wifi_products())

    def pick_product(self, name: str | None = None, *, sms: bool = False) -> WifiProduct:
        """The Wi-Fi product `name` names, or the only one; else ChooseWifiProduct / NoWifiProduct."""
        products = self.wifi_products()
        if name and name.strip():
            for product in products:
                if product.answers_to(name):
                    return product
            other = self._other_product(name, not_in=products)
            if other is not None and other.platform_id in SOFTAP_SETUP:  # a Photon product in product mode
                raise errors.WifiSetupNeedsCustomers(product=other.name, web=not sms)
            if other is not None:  # a product of ours a setup code cannot reach: its box code is claimed
                raise errors.NotAWifiProduct(product=other.name, sms=sms,
                                             over_ble=other.platform_id in BLE_SETUP)
        if not products and (codeless := self.codeless_products()):
            raise errors.WifiSetupNeedsCustomers(product=_names(codeless), web=not sms, several=len(codeless) > 1)
        if not products:
            raise errors.NoWifiProduct("no Wi-Fi product is configured")
        if name and name.strip():
            raise errors.ChooseWifiProduct(f"no Wi-Fi product is called {name[:40]!r}",
                                           names=[p.word for p in products], sms=sms, unknown=name)
        if len(products) == 1:
            return products[0]
        raise errors.ChooseWifiProduct(names=[p.word for p in products], sms=sms)

    def _other_product(self, name: str, *, not_in: list[WifiProduct]) -> WifiProduct | None:
        """The configured product outside `not_in` that `name` names, if any."""
        wifi = {product.key for product in not_in}
        for key in self.particle.product_keys():
            if key not in wifi:
                other = _product_of(key, self.particle.product_info(key))
                if other.answers_to(name):
                    return other
        return None

    def product(self, product_key: str) -> WifiProduct:
        """A Wi-Fi product by its configured key (for a stored code)."""
        for product in self.wifi_products():
            if product.key == product_key:
                return product
        return _product_of(product_key, self.particle.product_info(product_key))  # no longer Wi-Fi? show it anyway

    # -- claim codes ------------------------------------------------------------------------------

    def create_claim_code(self, user_id: int, product_key: str | None = None, *,
                          channel: str) -> IssuedClaimCode:
        """A product claim code for the person, recorded so bff can tell when their device arrives.

        `product_key` is any name of the product (key, slug, name, id; None: the only Wi-Fi
        product). Raises ChooseWifiProduct, NoWifiProduct, TooManyClaimCodes, or a CloudError.
        """
        product = self.pick_product(product_key, sms=channel == "sms")
        self._check_rate(f"claim-codes:user:{user_id}", CODES_PER_USER_PER_HOUR)
        username = self.particle.ensure_customer(product.key, user_id)
        minted = self.particle.create_claim_code(product.key, username)
        now = self.clock()
        code_id = self.store.insert_claim_code(
            user_id=user_id, product_key=product.key, code_hash=code_hash(minted.code),
            code_hint=minted.code[-4:], channel=channel, owned_before=minted.device_ids,
            expires_at=minted.expires_at, first_check_at=now + FIRST_CHECK_SECONDS,
            code_sealed=self.sealer.seal(minted.code), now=now,
        )
        return IssuedClaimCode(code=minted.code, expires_at=minted.expires_at, product_key=product.key,
                               id=code_id, product_name=product.name)

    def status(self, code_id: int, user_id: int) -> CodeStatus:
        """What became of the person's code; SetupCodeNotFound for anyone else's or none."""
        row = self.store.claim_code_row(code_id)
        if row is None or row["user_id"] != user_id:
            raise errors.SetupCodeNotFound(f"no claim code {code_id} for user {user_id}")
        return self._status(row)

    def code_to_show(self, code_id: int, user_id: int) -> str | None:
        """The claim code itself, for its owner's page while it is open (None otherwise)."""
        row = self.store.claim_code_row(code_id)
        if row is None or row["user_id"] != user_id or row["state"] != "open":
            return None
        return self.sealer.open(row.get("code_sealed"))

    def latest_open(self, user_id: int) -> CodeStatus | None:
        """The person's newest code if it is still open (the page offers to continue with it)."""
        row = self.store.latest_claim_code(user_id, state="open")
        return self._status(row) if row else None

    def report_device(self, code_id: int, user_id: int, device_id: str) -> CodeStatus:
        """The setup app (or the person) says which device it set up: bff can then say why it
        did not arrive. Raises SetupCodeNotFound, InvalidDeviceId, TooManyClaimCodes."""
        self.status(code_id, user_id)
        device_id = normalize_device_id(device_id)
        self._check_rate(f"setup-reports:user:{user_id}", REPORTS_PER_USER_PER_HOUR)
        now = self.clock()
        self.store.report_claim_code_device(code_id, device_id, now=now)
        self.store.schedule_claim_code_check(code_id, now)  # look at once (at the next tick)
        return self.status(code_id, user_id)

    def _status(self, row: dict) -> CodeStatus:
        diagnosis = DIAGNOSES.get(row["diagnosis"] or "")
        if row["state"] == "expired" and diagnosis is None:
            diagnosis = DIAGNOSES["code_expired"]
        device_name = self.devices.short_name(row["device_id"]) if row["device_id"] else None
        title, message, next_step = _texts(row["state"], diagnosis, device_name)
        return CodeStatus(
            id=row["id"], user_id=row["user_id"], product=self.product(row["product_key"]),
            channel=row["channel"], state=row["state"], created_at=row["created_at"],
            expires_at=row["expires_at"], seconds_left=max(0, int(row["expires_at"] - self.clock())),
            code_hint=row["code_hint"] or "", device_id=row["device_id"], device_name=device_name,
            reported_device_id=row["reported_device_id"], diagnosis=diagnosis, title=title,
            message=message, next_step=next_step,
        )

    # -- setup tokens -----------------------------------------------------------------------------

    def setup_token(self, user_id: int, product_key: str | None = None, *,
                    seconds: int = SETUP_TOKEN_SECONDS) -> IssuedSetupToken:
        """A short-lived customer token for Particle's own setup libraries (they mint their own
        claim code with it), and a record to watch the device arrive, as for a claim code."""
        product = self.pick_product(product_key)
        self._check_rate(f"setup-tokens:user:{user_id}", SETUP_TOKENS_PER_USER_PER_HOUR)
        username = self.particle.ensure_customer(product.key, user_id)
        owned = [d["id"].lower() for d in self.particle.customer_devices(product.key, username)
                 if isinstance(d, dict) and d.get("id")]
        token = self.particle.setup_token(product.key, username, seconds=seconds)
        now = self.clock()
        watch_id = self.store.insert_claim_code(
            user_id=user_id, product_key=product.key, code_hash=code_hash(f"setup-token:{secrets.token_hex(16)}"),
            code_hint="", channel="api", owned_before=owned, first_check_at=now + FIRST_CHECK_SECONDS,
            expires_at=now + seconds + CLAIM_CODE_LIFETIME_SECONDS, now=now,
        )
        return IssuedSetupToken(product=product, token=token, watch_id=watch_id)

    # -- watching (the worker calls these) ------------------------------------------------------

    def device_online(self, product_key: str, device_id: str) -> None:
        """The worker saw a device come online (see SetupWatch.device_online)."""
        self.watch.device_online(product_key, device_id)

    def check_open_codes(self) -> int:
        """The worker's periodic job (see SetupWatch.check_due)."""
        return self.watch.check_due()

    def notify_arrival(self, row: dict) -> None:
        """Text the person that their device arrived (once per code)."""
        if not self.store.mark_claim_code_notified(row["id"], now=self.clock()):
            return
        phone = (self.store.user(row["user_id"]) or {}).get("phone")
        if phone:
            name = self.devices.short_name(row["device_id"])
            self.sms.send(phone, ARRIVED_SMS.format(device=name), purpose="setup_arrived")

    def emit_arrival(self, code: dict, device_id: str) -> None:
        """`setup.arrived` for the product creator's systems (in the caller's transaction); never the code."""
        if self.events is not None:
            self.events.emit("setup.arrived", {"setup_id": code["id"], "device_id": device_id,
                                               "product": code["product_key"], "person": code["user_id"],
                                               "channel": code["channel"]})

    def _check_rate(self, key: str, limit: int) -> None:
        if self.rate_limit is not None and self.rate_limit(key, limit=limit, window_seconds=3600):
            raise errors.TooManyClaimCodes(f"rate limit {key}: {limit} per hour")


def _names(products: list[WifiProduct]) -> str:
    """ "Widget Wi-Fi", "Widget Wi-Fi and Gadget" (the names of products, as people read them)."""
    names = [product.name for product in products]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _product_of(key: str, info) -> WifiProduct:
    """A configured product (`key`) with the cloud's facts about it (`ParticleCloud.product_info`)."""
    return WifiProduct(key=key, id=info.id, slug=info.slug, name=info.name or key,
                       platform=WIFI_PLATFORMS.get(info.platform_id, "device"), platform_id=info.platform_id)


def code_hash(code: str) -> str:
    """How a claim code is kept: its SHA-256 (the code is random; no salt is needed to hide it)."""
    return hashlib.sha256(code.encode()).hexdigest()


def _texts(state: str, diagnosis: Diagnosis | None, device_name: str | None) -> tuple[str, str, str]:
    key = "diagnosed" if state == "open" and diagnosis else state
    title, message, next_step = STATUS_TEXTS[key]
    if diagnosis is not None and state != "arrived":
        return title, diagnosis.message, diagnosis.next_step
    return title, message.format(device=device_name or "Your device"), next_step


def _fold(text: str) -> str:
    """Text compared without case, spaces, dashes or underscores."""
    return re.sub(r"[\s_\-]+", "", str(text)).casefold()
