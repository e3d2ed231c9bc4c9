"""`ParticleCloud`: every call bff makes to the Particle cloud (or the sandbox, which speaks the same API).

`ParticleCloud` holds the configured products, each with its ownership mode and credentials, and
does, over HTTP: product bearer tokens and customer tokens (authlib, client credentials, HTTP Basic
client auth), cached in SQLite until shortly before they expire; shadow customers (one per user and
product, named from the person's phone, bff/particle/owners.py); claims, claim codes, imports,
device and customer lists and look-ups; the product event stream (bff/particle/events.py). A
product in `product` mode has an API user's token as its product token and nothing else: no
customers, no customer tokens, no claims in the cloud (bff/particle/api_users.py). Rules followed,
with their sources: docs/particle.md.

Every request has a timeout, sends tokens only in the Authorization header, and leaves one row
in the cloud-call log (never a token or secret). Every failure is raised as a typed
`bff.errors.CloudError` (see `cloud_error` for how replies are read). Nothing here retries in a
loop or sleeps: the claims service and the worker decide when to try again (`retryable`,
`RateLimited.retry_after`). The only automatic retry is one re-mint and one retry after a 401
on a cached token.
"""
from __future__ import annotations

import logging
import threading
import time
from os import PathLike
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import quote

import requests

from bff.config import ProductCredentials
from bff.device_ids import normalize_device_id
from bff.errors import (
    CloudUnavailable,
    InvalidDeviceId,
    ProductNotConfigured,
    SerialNotFound,
    Unauthorized,
)
from bff.particle.api_users import api_user_refusal
from bff.particle.customers import CUSTOMER_USERNAME_DOMAIN  # noqa: F401  (bff.ops.search)
from bff.particle.http import CloudHttp
from bff.particle.owners import OwnerNames
from bff.particle.paths import DEVICES_PER_PAGE, product_path as _product_path
from bff.particle.transport import CloudReply
from bff.particle.tokens import SETUP_TOKEN_SECONDS, TOKEN_MARGIN_SECONDS, TokenCache
from bff.sealing import Sealer
from bff.particle.replies import (
    ClaimCode,
    ImportResult,
    ProductInfo,
    SerialLookup,
    Token,
    claim_outcome,
    cloud_error,
    json_body,
)

__all__ = [
    "ParticleCloud", "ClaimCode", "ImportResult", "ProductInfo", "SerialLookup", "Token",
    "cloud_error", "normalize_device_id", "SETUP_TOKEN_SECONDS",
]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (3.05, 10)  # (connect, read) seconds for every request
CLAIM_CODE_LIFETIME_SECONDS = 3600  # Particle: a claim code is good for one hour
PRODUCT_INFO_MEMORY_SECONDS = 300.0  # a product's name read again from SQLite after this


class ParticleCloud(OwnerNames, TokenCache):
    """A client for one Particle cloud and the products bff serves there."""

    def __init__(self, api_url: str, products: list[ProductCredentials], store, *,
                 timeout: tuple[float, float] | float = DEFAULT_TIMEOUT,
                 token_margin: float = TOKEN_MARGIN_SECONDS,
                 clock: Callable[[], float] = time.time, sealer: Sealer | None = None,
                 customer_key: bytes | str | None = None) -> None:
        self.products = {product.key: product for product in products}
        self.store = store
        self.customer_key = customer_key  # BFF_LABEL_KEY: usernames derived from phones (bff/particle/customers.py)
        self.sealer = sealer or Sealer.of_this_process()  # cached tokens are kept sealed (bff/particle/tokens.py)
        self.timeout = timeout
        self.token_margin = token_margin
        self.clock = clock
        self.http = CloudHttp(api_url, store, timeout=timeout, clock=clock)
        self._locks: dict[tuple, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._product_infos: dict[str, tuple[ProductInfo, float]] = {}  # key -> (info, when read)

    def __repr__(self) -> str:
        return f"ParticleCloud({self.http.api_url!r}, products={sorted(self.products)!r})"

    def product_keys(self) -> list[str]:
        """The keys (id or slug) of the configured products, in configuration order."""
        return list(self.products)

    def credentials(self, product_key: str) -> ProductCredentials:
        """The OAuth client of a configured product."""
        try:
            return self.products[product_key]
        except KeyError:
            raise ProductNotConfigured(f"product {product_key!r} is not configured") from None

    # -- products and customers ------------------------------------------------------------------

    def product_info(self, product_key: str, *, refresh: bool = False) -> ProductInfo:
        """Id, slug, name and platform of a product (`GET /v1/products/:p`), cached in SQLite and,
        for PRODUCT_INFO_MEMORY_SECONDS, in memory (a page of 200 devices asks 200 times)."""
        kept = None if refresh else self._product_infos.get(product_key)
        if kept is not None and self.clock() - kept[1] < PRODUCT_INFO_MEMORY_SECONDS:
            return kept[0]
        info = self._product_info_from_store(product_key, refresh)
        self._product_infos[product_key] = (info, self.clock())
        return info

    def _product_info_from_store(self, product_key: str, refresh: bool) -> ProductInfo:
        row = None if refresh else self.store.product_info(product_key)
        if row is None:
            response = self._product_call(product_key, "GET", _product_path(product_key))
            body = json_body(response)
            facts = body.get("product", body) if isinstance(body, dict) else {}
            self.store.save_product_info(
                product_key, id=facts.get("id"), slug=facts.get("slug"), name=facts.get("name"),
                platform_id=facts.get("platform_id"), now=self.clock(),
            )
            row = self.store.product_info(product_key)
        return ProductInfo(key=product_key, id=row["id"], slug=row["slug"], name=row["name"],
                           platform_id=row["platform_id"])

    # -- devices -------------------------------------------------------------------------------------

    def claim_device(self, product_key: str, username: str, device_id: str) -> dict:
        """Make the customer the device's owner (`POST /v1/devices {id}` with its token).

        One request for a returning customer (cached token). Claiming a device the customer
        already owns succeeds. The cloud's vague `{}` reply means the device is offline.
        """
        device_id = normalize_device_id(device_id)
        response = self._customer_call(product_key, username, "POST", "/v1/devices",
                                       json={"id": device_id}, device_id=device_id,
                                       refine=claim_outcome)
        body = json_body(response)
        return body if isinstance(body, dict) else {"ok": True}

    def unclaim_device(self, product_key: str, device_id: str) -> None:
        """Remove the device's owner (`DELETE /v1/products/:p/devices/:id/owner`)."""
        device_id = normalize_device_id(device_id)
        self._product_call(product_key, "DELETE", _product_path(product_key, "devices", device_id, "owner"),
                           device_id=device_id)

    def create_claim_code(self, product_key: str, username: str, *, iccid: str | None = None,
                          imei: str | None = None) -> ClaimCode:
        """A claim code for the customer (Wi-Fi setup; for cellular the iccid/imei becomes the code).

        Valid one hour from now; `device_ids` are the devices the customer already owns.
        """
        body = {name: value for name, value in (("iccid", iccid), ("imei", imei)) if value}
        response = self._customer_call(product_key, username, "POST",
                                       _product_path(product_key, "device_claims"), json=body)
        reply = json_body(response)
        if not isinstance(reply, dict) or not reply.get("claim_code"):
            raise CloudUnavailable("the claim-code reply carried no claim_code", status=response.status_code,
                                   method="POST", path=response.request.path_url, raw=response.text)
        return ClaimCode(
            code=reply["claim_code"],
            expires_at=self.clock() + CLAIM_CODE_LIFETIME_SECONDS,
            device_ids=[str(d).lower() for d in reply.get("device_ids") or []],
        )

    def import_devices(self, product_key: str, device_ids: list[str] | None = None, *,
                       file: str | PathLike | bytes | None = None) -> ImportResult:
        """Add devices to the product (`POST /v1/products/:p/devices`): ids, or a file of them.

        `file` is a path or the file's bytes: one identifier per line (device IDs, serial
        numbers, IMEIs or ICCIDs).
        """
        if (device_ids is None) == (file is None):
            raise ValueError("give either device_ids or file")
        path = _product_path(product_key, "devices")
        if file is not None:
            content = file if isinstance(file, bytes) else Path(file).read_bytes()
            response = self._product_call(product_key, "POST", path,
                                          files={"file": ("devices.txt", content, "text/plain")})
        else:
            ids = [_identifier(value) for value in device_ids]
            body = {"id": ids[0]} if len(ids) == 1 else {"ids": ids}
            response = self._product_call(product_key, "POST", path, json=body,
                                          device_id=ids[0] if len(ids) == 1 else None)
        return ImportResult.from_reply(json_body(response))

    def list_product_devices(self, product_key: str, **filters) -> list[dict]:
        """Every device of the product (all pages), optionally filtered as the cloud allows
        (`product_device_pages`'s filters)."""
        return [device for page in self.product_device_pages(product_key, **filters) for device in page]

    def product_device_pages(self, product_key: str, *, device_id: str | None = None,
                             device_name: str | None = None, serial_number: str | None = None,
                             groups: list[str] | None = None, quarantined: bool | None = None,
                             sort_attr: str | None = None, sort_dir: str | None = None) -> Iterator[list[dict]]:
        """The product's device list a page at a time, each page read when the caller asks for it
        (a million devices never sit in memory at once)."""
        params: dict[str, Any] = {
            "deviceId": device_id, "deviceName": device_name, "serialNumber": serial_number,
            "groups": ",".join(groups) if groups else None,
            "quarantined": None if quarantined is None else str(bool(quarantined)).lower(),
            "sortAttr": sort_attr, "sortDir": sort_dir, "perPage": DEVICES_PER_PAGE,
        }
        params = {name: value for name, value in params.items() if value is not None}
        return self._pages(product_key, _product_path(product_key, "devices"), "devices", params)

    def _all_pages(self, product_key: str, path: str, field: str, params: dict[str, Any]) -> list[dict]:
        """The `field` list of every page (see `_pages`), in one list."""
        return [entry for page in self._pages(product_key, path, field, params) for entry in page]

    def _pages(self, product_key: str, path: str, field: str, params: dict[str, Any]) -> Iterator[list[dict]]:
        """The `field` list of each page of a paged product list, as many as `meta.total_pages`
        says (no cap of our own: a cap would silently drop the last devices of a big product)."""
        page = 1
        while True:
            body = json_body(self._product_call(product_key, "GET", path, params={**params, "page": page}))
            batch = body.get(field, []) if isinstance(body, dict) else []
            if batch:
                yield batch
            if not batch or page >= _total_pages(body):
                return
            page += 1

    def get_device(self, product_key: str, device_id: str) -> dict:
        """One product device (`GET /v1/products/:p/devices/:id`)."""
        device_id = normalize_device_id(device_id)
        response = self._product_call(product_key, "GET", _product_path(product_key, "devices", device_id),
                                      device_id=device_id)
        return json_body(response)

    def customer_devices(self, product_key: str, username: str) -> list[dict]:
        """The devices the customer owns (`GET /v1/devices` with its token)."""
        response = self._customer_call(product_key, username, "GET", "/v1/devices")
        body = json_body(response)
        return body if isinstance(body, list) else []

    def rename_device(self, product_key: str, device_id: str, name: str) -> dict:
        """Rename a product device (`PUT /v1/products/:p/devices/:id {name}`)."""
        device_id = normalize_device_id(device_id)
        response = self._product_call(product_key, "PUT", _product_path(product_key, "devices", device_id),
                                      json={"name": name}, device_id=device_id)
        return json_body(response)

    def remove_device(self, product_key: str, device_id: str, *, deny: bool = False) -> None:
        """Remove a device from the product (unclaims it if a customer owns it)."""
        device_id = normalize_device_id(device_id)
        self._product_call(product_key, "DELETE", _product_path(product_key, "devices", device_id),
                           json={"deny": True} if deny else None, device_id=device_id)

    def lookup_serial_number(self, product_key: str, serial_number: str) -> SerialLookup:
        """The device ID (and ICCID) of a serial number (`GET /v1/serial_numbers/:sn`).

        Particle limits this to 50 requests an hour; prefer the device list's serial filter
        for devices already in a product. No API user may call it (docs/particle.md#api-users): in
        product mode only bff's own records know serial numbers, and this says so.
        """
        if not self.owners_in_cloud(product_key):
            raise SerialNotFound(f"{product_key} is in product mode: an API user may not look up serial numbers",
                                 next_step="Use the device ID or the box code; bff knows a serial number once "
                                           "the device is imported with it or read from the cloud.")
        response = self._product_call(product_key, "GET", f"/v1/serial_numbers/{quote(serial_number, safe='')}")
        return SerialLookup.from_reply(serial_number, json_body(response))

    def ping(self) -> bool:
        """True when the cloud answers HTTP at all (health check; costs no token)."""
        return self.http.ping()

    def event_stream(self, product_key: str, on_event, *, prefix: str | None = None, **options):
        """A consumer of the product's event stream (see bff.particle.events.EventStream)."""
        from bff.particle.events import EventStream

        return EventStream(self, product_key, on_event, prefix=prefix, **options)

    def open_event_stream(self, product_key: str, prefix: str | None, *,
                          read_timeout: float) -> requests.Response:
        """Open `GET /v1/products/:p/events[/prefix]` (streaming) with the product token.

        A silence longer than `read_timeout` ends reads with a timeout (a dead stream).
        """
        parts = ["events", prefix] if prefix else ["events"]
        connect_timeout = self.timeout[0] if isinstance(self.timeout, tuple) else self.timeout
        return self._product_call(product_key, "GET", _product_path(product_key, *parts),
                                  headers={"Accept": "text/event-stream"}, stream=True,
                                  timeout=(connect_timeout, read_timeout))

    # -- transport -------------------------------------------------------------------------------

    def _product_call(self, product_key: str, method: str, path: str, **options) -> CloudReply | requests.Response:
        """A request with the product token (re-minted once after a 401 on a cached token; an API
        user's token, product mode, is never re-minted and its refusals name the missing scope)."""
        if not self.owners_in_cloud(product_key):
            options.setdefault("refine", api_user_refusal)
        token, minted = self._product_token(product_key)
        try:
            return self.http.request(method, path, token=token, product_key=product_key, **options)
        except Unauthorized:
            if minted:
                raise
        self._forget_product_token(product_key, token)
        token, _ = self._product_token(product_key)
        return self.http.request(method, path, token=token, product_key=product_key, **options)

    def _customer_call(self, product_key: str, username: str, method: str, path: str,
                       **options) -> CloudReply | requests.Response:
        """A request with the customer's token (re-minted once after a 401 on a cached token)."""
        options.update(product_key=product_key, customer=username)
        token, minted = self._customer_token(product_key, username)
        try:
            return self.http.request(method, path, token=token, **options)
        except Unauthorized:
            if minted:
                raise
        self._forget_customer_token(product_key, username, token)
        token, _ = self._customer_token(product_key, username)
        return self.http.request(method, path, token=token, **options)

    def _lock(self, key: tuple) -> threading.RLock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.RLock())


def _identifier(value: str) -> str:
    """A device ID lower case; other identifiers (serial, ICCID, IMEI) as given, trimmed."""
    value = str(value).strip()
    try:
        return normalize_device_id(value)
    except InvalidDeviceId:
        if not value:
            raise
        return value


def _total_pages(body: Any) -> int:
    """`meta.total_pages` of a list reply (1 when missing)."""
    try:
        return int(body["meta"]["total_pages"])
    except (KeyError, TypeError, ValueError):
        return 1
