"""The state's look-ups, so no request walks every record: customers by (product, username),
products by slug and OAuth client, devices by product, owner, serial number, IMEI and ICCID,
tokens by refresh token and by account; and
the per-product versions the product device list's cache is checked against.

Each is a watcher of one collection: the state tells it when a record joins or leaves the
collection (`added`, `removed`) and around every change of a field it `watches` (removed before,
added after). An index is built at its first use and kept current from then on, so a fleet
that never looks devices up by IMEI pays no memory for it.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable

# Device fields a product's device list filters or sorts on (see product_devices.py).
LIST_FIELDS = ("id", "name", "serial_number", "groups", "quarantined", "firmware_version",
               "last_handshake_at")


class Index:
    """Records by a key computed from some of their fields (None: not indexed).

    `unique`: one record per key (of duplicates, which real serial numbers, IMEIs, ICCIDs and
    logins never are, the first indexed); otherwise every record with that key, by `record_key`
    (a dict the caller must not change).
    """

    def __init__(self, watches: tuple[str, ...], key_of: Callable[[Any], Hashable | None],
                 unique: bool = True, record_key: str = "id") -> None:
        self.watches, self.key_of, self.unique, self.record_key = watches, key_of, unique, record_key
        self.entries: dict | None = None   # None: not built (or dropped, to be rebuilt)
        self.spares = 0                    # unique: records whose key another record holds

    def lookup(self, records: Iterable, key: Hashable) -> Any:
        """The record (unique) or the {record key: record} dict of records with `key`."""
        if self.entries is None:
            self.entries, self.spares = {}, 0
            for record in records:
                self.added(record)
        return self.entries.get(key, None if self.unique else {})

    def added(self, record: Any) -> None:
        key = self.key_of(record) if self.entries is not None else None
        if key is None:
            return
        if self.unique:
            if self.entries.setdefault(key, record) is not record:
                self.spares += 1
            return
        group = self.entries.get(key)
        if group is None:
            group = self.entries[key] = {}
        group[getattr(record, self.record_key)] = record

    def removed(self, record: Any) -> None:
        key = self.key_of(record) if self.entries is not None else None
        if key is None:
            return
        if not self.unique:
            group = self.entries.get(key, {})
            group.pop(getattr(record, self.record_key), None)
            if not group:
                self.entries.pop(key, None)
        elif self.entries.get(key) is not record:
            self.spares -= key in self.entries  # it was a spare
        elif self.spares:
            self.entries = None  # a spare may take its place: rebuilt at the next look-up
        else:
            del self.entries[key]

    def reset(self) -> None:
        """Drop the entries (the collection was replaced): rebuilt at the next look-up."""
        self.entries = None


class ProductVersions:
    """Per product, a number that changes whenever its device list could: `members` when a device
    joins or leaves the product, `content` also when a listed field of one of them changes."""

    def __init__(self) -> None:
        self.epoch = 0   # bumped when the whole device collection is replaced
        self.members: dict[Any, int] = {}
        self.content: dict[Any, int] = {}
        self.membership = _Bump(("product_id",), (self.members, self.content))
        self.listing = _Bump(LIST_FIELDS, (self.content,))

    def of_members(self, product_id: Any) -> tuple[int, int]:
        """Changes when a device joins or leaves the product."""
        return self.epoch, self.members.get(product_id, 0)

    def of_content(self, product_id: Any) -> tuple[int, int]:
        """Changes when the product's device list could: also a listed field of a device."""
        return self.epoch, self.content.get(product_id, 0)

    def reset(self) -> None:
        self.epoch += 1


class _Bump:
    """A watcher that counts up its products' versions when a watched device changes."""

    def __init__(self, watches: tuple[str, ...], counters: tuple[dict, ...]) -> None:
        self.watches, self.counters = watches, counters

    def added(self, device: Any) -> None:
        product_id = device.product_id
        if product_id is not None:
            for counter in self.counters:
                counter[product_id] = counter.get(product_id, 0) + 1

    removed = added

    def reset(self) -> None:
        """Nothing to drop: ProductVersions.reset moves the epoch."""


def _upper(value: str | None) -> str | None:
    """`value` in upper case, the same string object when it already is (no copy per device)."""
    if value is None:
        return None
    upper = value.upper()
    return value if upper == value else upper


def device_account(device: Any) -> tuple | None:
    """The owner key of a device, compared with a credential's `account` (bff/sandbox/auth.py);
    None when unclaimed. Kept here, the lowest module, so the owner index and auth share it."""
    if device.owner_kind == "customer":
        return ("customer", device.product_id, device.owner)
    if device.owner_kind == "user":
        return ("user", device.owner)
    return None


class Indexes:
    """Every look-up of a state, and which collection each watches."""

    def __init__(self) -> None:
        self.product_by_slug = Index(("slug",), lambda p: p.slug)
        self.product_by_client = Index(("client_id",), lambda p: p.client_id)
        self.customer_by_login = Index(("product_id", "username"),
                                       lambda c: (c.product_id, c.username))
        self.devices_by_product = Index(("product_id",), lambda d: d.product_id, unique=False)
        self.devices_by_owner = Index(("owner_kind", "owner", "product_id"), device_account,
                                      unique=False)
        self.device_by_serial = Index(("serial_number",), lambda d: _upper(d.serial_number))
        self.device_by_imei = Index(("imei",), lambda d: d.imei)
        self.device_by_iccid = Index(("iccid",), lambda d: d.iccid)
        self.token_by_refresh = Index(("refresh_token",), lambda t: t.refresh_token)
        self.tokens_by_account = Index(("kind", "username", "product_id"),
                                       lambda t: (t.kind, t.username, t.product_id), unique=False,
                                       record_key="access_token")
        self.versions = ProductVersions()
        self.watchers: dict[str, tuple] = {
            "products": (self.product_by_slug, self.product_by_client),
            "customers": (self.customer_by_login,),
            "tokens": (self.token_by_refresh, self.tokens_by_account),
            "devices": (self.devices_by_product, self.devices_by_owner, self.device_by_serial,
                        self.device_by_imei, self.device_by_iccid,
                        self.versions.membership, self.versions.listing),
        }
        self._by_field: dict[tuple[str, str], tuple] = {}

    def of(self, collection: str) -> tuple:
        """The watchers of a collection."""
        return self.watchers.get(collection, ())

    def of_field(self, collection: str, name: str) -> tuple:
        """The watchers of one field of a collection's records."""
        found = self._by_field.get((collection, name))
        if found is None:
            found = self._by_field[(collection, name)] = tuple(
                w for w in self.of(collection) if name in w.watches)
        return found

    def reset(self, collection: str) -> None:
        """The collection was replaced: every watcher of it starts over."""
        for watcher in self.of(collection):
            watcher.reset()
        if collection == "devices":
            self.versions.reset()
