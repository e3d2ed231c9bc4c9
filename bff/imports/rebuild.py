"""`Rebuild`: a fresh database given back what the cloud still knows (`flask bff rebuild`).

For each configured product it reads the product's device list and its customers and keeps:

- every device (name, serial number, ICCID/IMEI, platform, online, owner) with its label code
  derived from `BFF_LABEL_KEY` (bff/labels/codes.py): the code printed on its box, when the box
  was labelled after derived codes came in and the key is the same;
- every customer bff made (``@customers.bff.invalid``) as a confirmed shadow customer; the
  customers of one person (one derived person tag, bff/particle/customers.py) as one person
  without a phone, whom the next sign-in or text from the phone the names were made from
  becomes (bff/accounts/service.py). Random usernames from before come back too, linked to
  no phone.

A product in product mode (README "Ownership modes") gets its devices and label codes back, but no
owners: the cloud keeps none (bff's database alone recorded them) and it has no customers to list;
the report says so (`owners_lost`), and only a backup brings those owners back.

Idempotent: a device keeps the code it has, a customer bff has is left alone. What the cloud
does not hold (phone numbers, claims and their history, shares and offers, texts, operators, the
audit log, number changes, random label codes) only a backup brings back.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from bff import labels
from bff.particle.customers import is_bff_username, person_prefix_of, person_username_prefix


@dataclass
class ProductRebuild:
    """What a rebuild restored in one product."""

    product_key: str
    devices: int = 0
    owned: int = 0  # devices with an owner in the cloud
    derived_codes: int = 0  # devices whose label code is their derived one
    kept_codes: int = 0  # devices that had a code already (kept as it was)
    clashes: list[tuple] = field(default_factory=list)  # (device, holder of its derived code): reprint both
    customers: int = 0  # shadow customers restored
    people: int = 0  # people (users without a phone) made for them
    unlinked: int = 0  # random usernames from before derived ones: no phone finds them
    owners_lost: bool = False  # product mode: the cloud holds no owners; only a backup has them


class Rebuild:
    """Fills a database from the cloud's device lists and customers."""

    def __init__(self, store, particle, devices, *, clock=time.time) -> None:
        self.store = store
        self.particle = particle
        self.devices = devices
        self.clock = clock
        self._people: dict[str, int] = {}

    def database_in_use(self) -> bool:
        """Whether the database holds people, customers, devices or claims already."""
        return any(self.store.recovery_counts().values())

    def run(self) -> list[ProductRebuild]:
        """Rebuild every configured product (raises the cloud's BffError on a failed call)."""
        self._people = self._people_by_prefix()
        return [self.product(product_key) for product_key in self.particle.product_keys()]

    def _people_by_prefix(self) -> dict[str, int]:
        """People bff has again (signed in since the loss, `--force`), by their username prefix."""
        key = getattr(self.particle, "customer_key", None)
        if not key:
            return {}
        return {person_username_prefix(key, row["phone"]): row["id"] for row in self.store.people_with_phones()}

    def product(self, product_key: str) -> ProductRebuild:
        report = ProductRebuild(product_key, owners_lost=not self.particle.owners_in_cloud(product_key))
        cloud_devices = sorted(self.particle.list_product_devices(product_key), key=lambda d: d["id"].lower())
        for device in cloud_devices:
            self._device(product_key, device, report)
        if report.owners_lost:  # product mode: no customers in the cloud, no owners to take
            return report
        usernames = {c.get("username") for c in self.particle.list_product_customers(product_key)}
        usernames |= {device.get("owner") for device in cloud_devices}
        for username in sorted(name for name in usernames if is_bff_username(name)):
            self._customer(product_key, username, report)
        return report

    def _device(self, product_key: str, device: dict, report: ProductRebuild) -> None:
        had_code = (self.store.device(device["id"]) or {}).get("label_code")
        row = self.devices.remember(product_key, device, owner=not report.owners_lost)
        report.devices += 1
        report.owned += bool(row.get("owner"))
        if had_code:
            report.kept_codes += 1
        elif clash := self._clash(row):
            report.clashes.append(clash)
        else:
            report.derived_codes += 1

    def _clash(self, row: dict) -> tuple[str, str | None] | None:
        """(the device, the device holding its derived code) when it got a fallback code: which
        of the two had the derived code first, before the loss, is not known."""
        if self.devices.label_key is None:
            return None
        derived = labels.derived_label_code(self.devices.label_key, row["device_id"])
        if row["label_code"] == derived:
            return None
        return row["device_id"], (self.store.device_by_label_code(derived) or {}).get("device_id")

    def _customer(self, product_key: str, username: str, report: ProductRebuild) -> None:
        prefix = person_prefix_of(username)
        restored = self.store.restore_shadow_customer(product_key, username, prefix, now=self.clock(),
                                                      person=self._people.get(prefix))
        if restored is None:
            return
        report.customers += 1
        report.people += restored[1]
        report.unlinked += prefix is None
