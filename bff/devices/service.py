"""The devices service: known devices as people see them, finding a device's product, renaming.

bff knows a device from an import, the worker's reconcile of the product device lists, or an
event. A device it does not know yet is looked up in each configured product once, then kept.
Every known device gets a human label code (bff/labels/) the first time it is kept, derived
from `BFF_LABEL_KEY` and its device ID, so `flask bff rebuild` can give it back after a lost disk.
The channels (pages, SMS, API), the claims and Wi-Fi setup services and the worker share one
instance (`get_services().devices`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

from bff import errors, labels
from bff.device_ids import normalize_device_id
from bff.devices.names import find_target
from bff.devices.platforms import platform_word

DEVICE_FIELDS = {"name": "name", "online": "online", "platform_id": "platform_id",
                 "serial_number": "serial_number", "iccid": "iccid", "imei": "imei"}


@dataclass(frozen=True)
class DeviceView:
    """A device as a person sees it."""

    device_id: str
    product_key: str
    product_name: str
    platform: str
    name: str | None
    online: bool | None
    label_code: str | None
    shared: bool = False  # shared with the person by its owner (devices_of), not their own

    @property
    def short_name(self) -> str:
        """Its name fit for a text message: the name, or the end of its ID."""
        return short_name_of({"name": self.name, "device_id": self.device_id})


@dataclass(frozen=True)
class PageKept:
    """What `DeviceService.remember_page` did with a page of a product's device list."""

    kept: list[str] = field(default_factory=list)  # device IDs kept as the cloud lists them
    written: list[str] = field(default_factory=list)  # of those, the ones whose row was written
    failed: list[tuple[str, Exception]] = field(default_factory=list)  # devices not kept, and why
    page_error: Exception | None = None  # the page's one write failed: its devices were kept one by one


class DeviceService:
    """Reads, keeps and renames known devices."""

    def __init__(self, store, particle, *, label_key: bytes | str | None = None) -> None:
        self.store = store
        self.particle = particle
        self.label_key = label_key  # BFF_LABEL_KEY: label codes derived from it (random without it)

    def find(self, device_id: str) -> DeviceView:
        """The device's view; looks it up in the products when bff does not know it yet."""
        row = self.store.device(device_id)
        if row is None or not row.get("product_key"):
            row = self._look_up(device_id)
        return self.view(row)

    def _look_up(self, device_id: str) -> dict:
        for product_key in self.particle.product_keys():
            try:
                device = self.particle.get_device(product_key, device_id)
            except (errors.NotFound, errors.DeviceNotInProduct, errors.Forbidden):
                continue
            return self.remember(product_key, device)
        raise errors.ClaimRefused(f"{device_id} is in none of the configured products")

    def learn(self, product_key: str, device_id: str) -> dict:
        """A device bff first hears of through the product's event stream: one read of the product
        device (name, platform, serial number) kept with a label code. Its online state is left to
        the events (the newest word on it); the cloud's errors are raised (the caller retries later)."""
        device = self.particle.get_device(product_key, device_id)
        return self.remember(product_key, {key: value for key, value in device.items() if key != "online"})

    def remember(self, product_key: str, device: dict, *, owner: bool = False) -> dict:
        """Keep what the cloud said about a product device; give it a label code.

        The cloud's `owner` is taken only when asked (the worker's reconcile): a look-up that
        races with a claim must not overwrite the owner the claim has just recorded.
        """
        device_id = device["id"].lower()
        with self.store.transaction():  # the row and its label code together: no look-up sees one alone
            self.store.upsert_device(device_id, product_key=product_key, **_fields_of(device, owner=owner))
            self.ensure_label_code(device_id)
        return self.store.device(device_id)

    def remember_page(self, product_key: str, devices: Iterable[dict], *, owner: bool = False,
                      listed_at: float | None = None) -> PageKept:
        """A page of the product's device list kept as `remember` keeps each device, in one short
        write (the worker's reconcile): a row written only when a value changed, label codes given
        to new devices in the same transaction (`remember_devices`, bff/db/devices.py). `listed_at`:
        when the page was asked for; a device bff changed since keeps its owner.

        An odd device (no device ID, a value bff cannot keep) is left out and reported in `failed`;
        should the page's write fail as a whole, its devices are kept one by one (`remember`), so
        one bad row never costs the rest of the page."""
        rows, listed, failed = {}, {}, []
        for device in devices:
            try:
                device_id = normalize_device_id(device["id"])
                fields = {"product_key": product_key, **_fields_of(device, owner=owner)}
                _check_keepable(fields)
            except Exception as error:  # reported to the caller, who logs it
                failed.append((_label_of(device), error))
                continue
            rows[device_id], listed[device_id] = fields, device
        try:
            written = self.store.remember_devices(rows, self._label_codes, listed_at=listed_at)
        except Exception as error:  # then the page again, device by device
            return self._one_by_one(product_key, listed, failed, owner=owner, page_error=error)
        return PageKept(kept=list(rows), written=written, failed=failed)

    def _one_by_one(self, product_key: str, listed: dict[str, dict], failed: list, *, owner: bool,
                    page_error: Exception) -> PageKept:
        kept = []
        for device_id, device in listed.items():
            try:
                self.remember(product_key, device, owner=owner)
            except Exception as error:  # reported to the caller, who logs it
                failed.append((device_id, error))
            else:
                kept.append(device_id)
        return PageKept(kept=kept, written=list(kept), failed=failed, page_error=page_error)

    def ensure_label_code(self, device_id: str, *, now: float | None = None) -> str:
        """The device's label code; one derived from the label key if it has none yet (a code
        it already has, random from before derived codes, is kept)."""
        return self.store.ensure_label_code(device_id, self._label_codes(device_id), now=now)

    def _label_codes(self, device_id: str):
        """The codes to try for the device: derived from the label key (random without one)."""
        if self.label_key is None:
            return labels.new_label_code
        return labels.derived_label_codes(self.label_key, device_id)

    def view(self, row: dict) -> DeviceView:
        product_key = row["product_key"]
        return DeviceView(
            device_id=row["device_id"], product_key=product_key,
            product_name=self.product_name(product_key),
            platform=platform_word(row.get("platform_id")), name=row.get("name"),
            online=None if row.get("online") is None else bool(row["online"]),
            label_code=row.get("label_code"),
        )

    def product_name(self, product_key: str) -> str:
        """The product's name as people know it (its key when the cloud cannot say)."""
        try:
            return self.particle.product_info(product_key).name or product_key
        except errors.BffError:  # not configured, or the cloud cannot say
            return product_key

    def owner(self, device_id: str) -> str | None:
        """The shadow-customer username bff last saw owning the device."""
        return (self.store.device(device_id) or {}).get("owner")

    def owned_by(self, device_id: str, user_id: int) -> bool:
        row = self.store.device(device_id)
        if not row or not row.get("owner"):
            return False
        customer = self.store.shadow_customer(user_id, row["product_key"])
        return bool(customer) and customer["username"] == row["owner"]

    def name_visible_to(self, device_id: str, user_id: int | None) -> bool:
        """Whether the person may see the name the owner chose: they own the device, or its owner
        shares it with them. Anyone else (a QR link is enough to open a device's page) sees the
        product's name only."""
        if user_id is None:
            return False
        device_id = device_id.lower()
        return self.owned_by(device_id, user_id) or self.store.live_share(device_id, user_id) is not None

    def owned_devices(self, user_id: int) -> list[DeviceView]:
        """The devices bff knows the person owns."""
        return [self.view(row) for row in self.store.devices_owned_by_user(user_id)]

    def devices_of(self, user_id: int) -> list[DeviceView]:
        """What a person sees as their devices: the ones they own, then the ones shared with them
        (`shared=True`: they may rename those, not remove, give or share them)."""
        owned = [self.view(row) for row in self.store.devices_owned_by_user(user_id)]
        shared = [replace(self.view(row), shared=True) for row in self.store.devices_shared_with_user(user_id)]
        return owned + shared

    def find_visible(self, user_id: int, words: list[str]) -> tuple[dict | None, str]:
        """Like `find_owned`, among the person's own devices and those shared with them (NAME, UNSHARE)."""
        rows = self.store.devices_owned_by_user(user_id) + self.store.devices_shared_with_user(user_id)
        return find_target(rows, words)

    def find_owned(self, user_id: int, words: list[str]) -> tuple[dict | None, str]:
        """The person's device the first of `words` name, and the words left (bff/devices/names.py)."""
        return find_target(self.store.devices_owned_by_user(user_id), words)

    def rename(self, device: dict, name: str) -> None:
        """Rename a known device in the cloud, then in bff's copy (raises the cloud's BffError)."""
        self.particle.rename_device(device["product_key"], device["device_id"], name)
        self.store.upsert_device(device["device_id"], name=name)

    def short_name(self, device_id: str) -> str:
        """A name fit for a text message: the device's name, or the end of its ID."""
        return short_name_of(self.store.device(device_id) or {"device_id": device_id})


def short_name_of(row: dict) -> str:
    """A known device's name fit for a text message (at most 24 characters)."""
    return (row.get("name") or f"...{row['device_id'][-6:]}")[:24]


def _fields_of(device: dict, *, owner: bool) -> dict:
    """The columns a product device from the cloud fills; its `owner` only when asked."""
    fields = {column: device[key] for key, column in DEVICE_FIELDS.items() if key in device}
    if owner:
        fields["owner"] = device.get("owner")
    return fields


def _check_keepable(fields: dict) -> None:
    for column, value in fields.items():
        if value is not None and not isinstance(value, (str, int, float)):
            raise ValueError(f"the cloud's {column} is a {type(value).__name__}, not a value bff keeps")


def _label_of(device) -> str:
    """How a device of the cloud's list is named in a log line (its ID, or what it is)."""
    return str(device.get("id")) if isinstance(device, dict) else repr(device)[:60]
