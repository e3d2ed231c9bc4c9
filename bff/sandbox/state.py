"""The sandbox cloud's data: an in-memory model behind one lock, a movable clock, a state file.

Everything a restarted sandbox must keep (products, OAuth clients, users, customers, devices,
tokens, claim codes, Wi-Fi networks, orgs, API users, options, the clock offset) lives in
`State`; `StateStore` holds it behind one lock. The records (bff/sandbox/records.py) and the
state's dicts and lists (bff/sandbox/tracking.py) report every change to the state, which keeps
its look-ups current (bff/sandbox/indexes.py) and notes the change; at the end of every
`store.write()` the changes go to the optional state file's journal
(bff/sandbox/state_file.py), so a write costs what it changed, whatever the state's size.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from .indexes import Indexes
from .records import (COLLECTION_OF, COLLECTIONS, LIST_COLLECTIONS, ApiUser, ClaimCode, Customer,
                      Device, Org, Product, Token, Transfer, User, Wifi, record_json)
from .state_file import StateFile, journal_change, records_by_key
from .tracking import Changes, TrackedDict, TrackedList

__all__ = ["DEFAULT_OPTIONS", "ApiUser", "ClaimCode", "Customer", "Device", "Org", "Product",
           "State", "StateStore", "Token", "Transfer", "User", "Wifi"]

DEFAULT_OPTIONS = {
    "require_online_to_claim": True,   # 2016 staff answers; newer docs allow offline product claims
    "offline_claim_body": "empty",     # "empty" -> {} (particle-cli#241) | "errors" -> errors array
    "token_lockout": True,             # 10 failed /oauth/token from one IP -> 30 minutes blocked
    "sse_keepalive": 9.0,              # seconds of silence before a keep-alive newline
}
FIELDS = (*COLLECTIONS, "options", "clock_offset")   # what is saved


class State:
    """Everything the sandbox cloud keeps, with its look-ups and the changes not yet saved."""

    def __init__(self, products: dict | None = None, users: dict | None = None,
                 customers: list | None = None, devices: dict | None = None,
                 tokens: dict | None = None, claim_codes: dict | None = None,
                 wifi: list | None = None, transfers: list | None = None,
                 orgs: dict | None = None, api_users: dict | None = None,
                 options: dict | None = None, clock_offset: float = 0.0) -> None:
        object.__setattr__(self, "changes", Changes())
        object.__setattr__(self, "indexes", Indexes())
        object.__setattr__(self, "list_cache", {})   # product_devices.py's sorted device lists
        self.products, self.users, self.customers = products or {}, users or {}, customers or []
        self.devices, self.tokens, self.claim_codes = devices or {}, tokens or {}, claim_codes or {}
        self.wifi, self.transfers = wifi or [], transfers or []
        self.orgs, self.api_users = orgs or {}, api_users or {}
        self.options = dict(DEFAULT_OPTIONS) if options is None else options
        self.clock_offset = clock_offset

    # -- change tracking (called by records and containers) -----------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        """A saved field replaced as a whole (`state.wifi = [...]`): adopt it, note it."""
        if name in COLLECTIONS:
            for record in self.records(name) if name in vars(self) else ():
                record._home = None  # the ones kept are adopted again just below
        if name in COLLECTIONS or name == "options":
            value = self._adopt(name, value)
        object.__setattr__(self, name, value)
        if name in FIELDS:
            self.changes.mark(name)

    def _adopt(self, name: str, items: Any) -> Any:
        """`items` as this state's tracked container, its records held by this state."""
        if name == "options":
            return TrackedDict(self, name, items)
        container = (TrackedList(self, name, items) if name in LIST_COLLECTIONS
                     else TrackedDict(self, name, items))
        for record in (container if name in LIST_COLLECTIONS else container.values()):
            record._home = self
        self.indexes.reset(name)
        return container

    def record_changing(self, record: Any, name: str, value: Any) -> None:
        """A held record's field is being assigned: move it in the look-ups, note it."""
        collection = COLLECTION_OF[type(record)]
        watchers = self.indexes.of_field(collection, name)
        for watcher in watchers:
            watcher.removed(record)
        object.__setattr__(record, name, value)
        for watcher in watchers:
            watcher.added(record)
        self._note(collection, record, record)

    def item_replaced(self, collection: str, key: Any, old: Any, new: Any) -> None:
        """A container's item changed (old -> new; None: absent)."""
        if collection == "options":
            self.changes.mark(collection)
            return
        if old is not None and old is not new:
            for watcher in self.indexes.of(collection):
                watcher.removed(old)
            old._home = None
        if new is not None and new is not old:
            new._home = self
            for watcher in self.indexes.of(collection):
                watcher.added(new)
        self._note(collection, new if new is not None else old, new)

    def collection_rewritten(self, collection: str, before: list) -> None:
        """A list was changed in a way other than append and remove: adopt it again, whole."""
        after = getattr(self, collection)
        kept = {id(record) for record in after}
        for record in before:
            if id(record) not in kept:
                record._home = None
        for record in after:
            record._home = self
        self.indexes.reset(collection)
        self.changes.mark(collection)

    def _note(self, collection: str, record: Any, value: Any) -> None:
        key_field = COLLECTIONS[collection][1]
        if key_field is None:
            self.changes.mark(collection)
        else:
            self.changes.put(collection, getattr(record, key_field), value)

    # -- look-ups ------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        """True before any demo data was seeded or loaded."""
        return not self.products

    def customer(self, product_id: int | None, username: str) -> Customer | None:
        """The customer `username` (case-insensitive) of a product."""
        return self.indexes.customer_by_login.lookup(self.customers, (product_id, username.lower()))

    def product(self, key: str | int | None) -> Product | None:
        """A product by numeric id or slug."""
        text = str(key if key is not None else "").strip()
        if text.isdigit():
            return self.products.get(int(text))
        return self.indexes.product_by_slug.lookup(self.products.values(), text)

    def product_by_client(self, client_id: str) -> Product | None:
        """The product whose OAuth client this is."""
        return self.indexes.product_by_client.lookup(self.products.values(), client_id)

    def device_by_identifier(self, identifier: str) -> Device | None:
        """The device a device ID (any case), serial number (any case), IMEI or ICCID names."""
        found = self.devices.get(identifier.lower())
        if found is None:
            found = self.device_by_serial(identifier)
        for index in (self.indexes.device_by_imei, self.indexes.device_by_iccid):
            found = found or index.lookup(self.devices.values(), identifier)
        return found

    def device_by_serial(self, serial_number: str) -> Device | None:
        """The device with this serial number (any case)."""
        return self.indexes.device_by_serial.lookup(self.devices.values(), serial_number.upper())

    def org(self, key: str | None) -> Org | None:
        """An org by id or slug (orgs are few: no look-up table)."""
        text = str(key or "").strip()
        return self.orgs.get(text) or next((o for o in self.orgs.values() if o.slug == text), None)

    def product_devices(self, product_id: int) -> dict[str, Device]:
        """The devices of a product by ID (read only: a view of the look-up)."""
        return self.indexes.devices_by_product.lookup(self.devices.values(), product_id)

    def devices_owned_by(self, account: tuple) -> list[Device]:
        """The devices an account (auth.device_account's key) owns, in no set order."""
        return list(self.indexes.devices_by_owner.lookup(self.devices.values(), account).values())

    def token_by_refresh(self, refresh_token: str) -> Token | None:
        """The token a refresh token was issued with."""
        return self.indexes.token_by_refresh.lookup(self.tokens.values(), refresh_token)

    def tokens_of_account(self, kind: str, username: str | None, product_id: int | None) -> list[Token]:
        """Every token of one account (a user, a customer of a product, a product, an API user)."""
        return list(self.indexes.tokens_by_account.lookup(self.tokens.values(), (kind, username, product_id)).values())

    # -- JSON ----------------------------------------------------------------------------------
    def to_json(self) -> dict:
        """A JSON-able dict of everything (collections as lists of records)."""
        return {**self.small_fields_json(),
                **{name: [record_json(r) for r in self.records(name)] for name in COLLECTIONS}}

    def small_fields_json(self) -> dict:
        return {"options": dict(self.options), "clock_offset": self.clock_offset}

    def records(self, collection: str) -> Any:
        """The records of a collection, in order."""
        items = getattr(self, collection)
        return items if collection in LIST_COLLECTIONS else items.values()

    @classmethod
    def from_json(cls, data: dict) -> State:
        """The inverse of `to_json` (unknown keys are ignored, missing ones take defaults); reads
        the whole-state files of earlier versions too."""
        return cls.from_saved(data, {name: records_by_key(name, data.get(name, []))
                                     for name in COLLECTIONS})

    @classmethod
    def from_saved(cls, fields: dict, collections: dict[str, dict]) -> State:
        """A state from its small fields and its collections as {key: record}."""
        state = cls()
        for name, records in collections.items():
            items = records.values() if name in LIST_COLLECTIONS else records
            object.__setattr__(state, name, state._adopt(name, items))
        state.options = {**DEFAULT_OPTIONS, **fields.get("options", {})}
        state.clock_offset = float(fields.get("clock_offset", 0.0))
        state.changes.clear()
        return state

    def change_json(self) -> dict:
        """The changes not yet saved, as one journal line's JSON data ({} for none); forgets them."""
        whole, keyed = self.changes.take()
        return journal_change({name: self.field_json(name) for name in whole},
                              {name: items for name, items in keyed.items() if name not in whole})

    def field_json(self, name: str) -> Any:
        """One saved field's JSON data."""
        if name in COLLECTIONS:
            return [record_json(r) for r in self.records(name)]
        return self.small_fields_json()[name]


class StateStore:
    """The state, its lock, its clock and its file."""

    def __init__(self, path: str | None = None) -> None:
        self.lock = threading.RLock()
        self.path = path
        self.file = StateFile(path) if path else None
        self.before_save: Callable[[State], None] | None = None
        self._state = State()
        if self.file is not None and self.file.exists():
            self.load()

    @property
    def state(self) -> State:
        return self._state

    @state.setter
    def state(self, state: State) -> None:
        self.replace(state)

    def now(self) -> float:
        """The sandbox's time: wall clock plus the offset moved by POST /sandbox/clock."""
        return time.time() + self._state.clock_offset

    @contextmanager
    def write(self) -> Iterator[State]:
        """Hold the lock for a change, and save what changed afterwards (also after an error:
        what is in memory is what is on disk)."""
        with self.lock:
            try:
                yield self._state
            finally:
                self.save()

    @contextmanager
    def read(self) -> Iterator[State]:
        """Hold the lock for a consistent read."""
        with self.lock:
            yield self._state

    def replace(self, state: State) -> None:
        """A new state as a whole (demo data, reset): saved as a fresh snapshot."""
        with self.lock:
            self._state = state
            self.compact()

    def save(self) -> None:
        """Journal the changes since the last save (compacting when the journal has grown)."""
        with self.lock:  # also around the file, so the last change is the last line
            if self.file is None or not self.file.ready:  # no file, or none yet: compact()
                self.compact()
                return
            if self.before_save:
                self.before_save(self._state)
            change = self._state.change_json()
            if change:
                self.file.append(change)
            if self.file.due():
                self.compact()

    def compact(self) -> None:
        """Write the whole state as a fresh snapshot with an empty journal (no file: forget the
        changes)."""
        with self.lock:
            state = self._state
            if self.file is not None and self.before_save:
                self.before_save(state)
            state.changes.clear()
            if self.file is not None:
                self.file.write(state.small_fields_json(),
                                {name: map(record_json, state.records(name)) for name in COLLECTIONS})

    def load(self) -> None:
        """Read the state file (snapshot and journal); compact it if it is due."""
        with self.lock:
            self._state = State.from_saved(*self.file.read())  # type: ignore[union-attr]
            if not self.file.ready or self.file.due():  # type: ignore[union-attr]
                self.compact()
