"""The devices service: known devices as people see them, finding a device's product, renaming.

bff knows a device from an import, the worker's reconcile of the product device lists, or an
event. A device it does not know yet is looked up in each configured product once, then kept.
Every known device gets a human label code (bff/labels/) the first time it is kept, derived
from `BFF_LABEL_KEY` and its device ID, so `flask bff rebuild` can give it back after a lost disk.
The channels (pages, SMS, API), the claims and Wi-Fi setup services and the worker share one
instance (`get_services().devices`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from bff import errors, labels
from bff.devices.names import find_target

PLATFORMS = {6: "photon", 8: "p1", 10: "electron", 12: "argon", 13: "boron"}
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
        fields = {column: device[key] for key, column in DEVICE_FIELDS.items() if key in device}
        if owner:
            fields["owner"] = device.get("owner")
        self.store.upsert_device(device_id, product_key=product_key, **fields)
        self.ensure_label_code(device_id)
        return self.store.device(device_id)

    def ensure_label_code(self, device_id: str, *, now: float | None = None) -> str:
        """The device's label code; one derived from the label key if it has none yet (a code
        it already has, random from before derived codes, is kept)."""
        if self.label_key is None:
            return self.store.ensure_label_code(device_id, labels.new_label_code, now=now)
        codes = labels.derived_label_codes(self.label_key, device_id)
        return self.store.ensure_label_code(device_id, codes, now=now)

    def view(self, row: dict) -> DeviceView:
        product_key = row["product_key"]
        return DeviceView(
            device_id=row["device_id"], product_key=product_key,
            product_name=self.product_name(product_key),
            platform=PLATFORMS.get(row.get("platform_id"), "device"), name=row.get("name"),
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
