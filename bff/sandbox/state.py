"""The sandbox cloud's data: an in-memory model behind one lock, a movable clock, JSON persistence.

Everything a restarted sandbox must keep (products, OAuth clients, users, customers, devices,
tokens, claim codes, Wi-Fi networks, options, the clock offset) lives in `State`; `StateStore`
holds it behind one lock and writes it to the optional state file after every change
(atomically: temp file + rename).
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable, Iterator

DEFAULT_OPTIONS = {
    "require_online_to_claim": True,   # 2016 staff answers; newer docs allow offline product claims
    "offline_claim_body": "empty",     # "empty" -> {} (particle-cli#241) | "errors" -> errors array
    "token_lockout": True,             # 10 failed /oauth/token from one IP -> 30 minutes blocked
    "sse_keepalive": 9.0,              # seconds of silence before a keep-alive newline
}


@dataclass
class Product:
    id: int
    slug: str
    name: str
    platform_id: int
    description: str
    client_id: str
    client_secret: str
    client_name: str = "sandbox product client"


@dataclass
class User:
    """A developer account (password grant) and the products it is a team member of."""
    username: str
    password: str
    products: list[int] = field(default_factory=list)


@dataclass
class Customer:
    id: str
    username: str
    product_id: int
    password: str | None
    created_at: float


@dataclass
class Device:
    id: str
    platform_id: int
    product_id: int | None
    serial_number: str
    iccid: str | None = None
    imei: str | None = None
    mac_wifi: str | None = None
    name: str | None = None
    notes: str | None = None
    owner_kind: str | None = None      # "user" | "customer"
    owner: str | None = None           # username of the owner
    online: bool = False
    listening: bool = False
    last_heard: float | None = None
    last_handshake_at: float | None = None
    last_ip_address: str | None = None
    firmware_version: int | None = None
    desired_firmware_version: int | None = None
    development: bool = False
    groups: list[str] = field(default_factory=list)
    quarantined: bool = False
    denied: bool = False
    system_firmware_version: str = "2.3.1"
    wifi: dict | None = None            # stored network {"ssid","password","security"} (Wi-Fi)
    softap_memory: Any = None           # PhotonMemory.to_json() for Photons/P1s
    last_claim_ack: str | None = None   # name of the last claim acknowledgement sent to it
    connect_ap_count: int = 0           # times it left listening mode to join Wi-Fi (SoftAP)


@dataclass
class Token:
    access_token: str
    refresh_token: str | None
    kind: str                           # "user" | "customer" | "product"
    client_id: str
    username: str | None
    product_id: int | None
    created_at: float
    expires_at: float | None            # None = never
    refresh_expires_at: float | None = None


@dataclass
class ClaimCode:
    code: str
    owner_kind: str
    owner: str
    product_id: int | None
    created_at: float
    expires_at: float
    used_at: float | None = None
    device_id: str | None = None


@dataclass
class Wifi:
    ssid: str
    password: str
    security: int
    channel: int = 6
    rssi: int = -52


@dataclass
class Transfer:
    id: str
    device_id: str
    requester_kind: str
    requester: str
    created_at: float


@dataclass
class State:
    products: dict[int, Product] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    customers: list[Customer] = field(default_factory=list)
    devices: dict[str, Device] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    claim_codes: dict[str, ClaimCode] = field(default_factory=dict)
    wifi: list[Wifi] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    options: dict = field(default_factory=lambda: dict(DEFAULT_OPTIONS))
    clock_offset: float = 0.0

    def is_empty(self) -> bool:
        """True before any demo data was seeded or loaded."""
        return not self.products

    def customer(self, product_id: int, username: str) -> Customer | None:
        """The customer `username` (case-insensitive) of a product."""
        wanted = username.lower()
        return next((c for c in self.customers
                     if c.product_id == product_id and c.username == wanted), None)

    def product(self, key: str | int | None) -> Product | None:
        """A product by numeric id or slug."""
        text = str(key if key is not None else "").strip()
        if text.isdigit():
            return self.products.get(int(text))
        return next((p for p in self.products.values() if p.slug == text), None)

    def product_by_client(self, client_id: str) -> Product | None:
        """The product whose OAuth client this is."""
        return next((p for p in self.products.values() if p.client_id == client_id), None)

    def to_json(self) -> dict:
        """A JSON-able dict of everything."""
        data = asdict(self)
        data["products"] = list(data["products"].values())
        data["users"] = list(data["users"].values())
        data["devices"] = list(data["devices"].values())
        data["tokens"] = list(data["tokens"].values())
        data["claim_codes"] = list(data["claim_codes"].values())
        return data

    @classmethod
    def from_json(cls, data: dict) -> State:
        """The inverse of `to_json` (unknown keys are ignored, missing ones take defaults)."""
        state = cls()
        state.products = {p.id: p for p in _load(Product, data.get("products", []))}
        state.users = {u.username: u for u in _load(User, data.get("users", []))}
        state.customers = _load(Customer, data.get("customers", []))
        state.devices = {d.id: d for d in _load(Device, data.get("devices", []))}
        state.tokens = {t.access_token: t for t in _load(Token, data.get("tokens", []))}
        state.claim_codes = {c.code: c for c in _load(ClaimCode, data.get("claim_codes", []))}
        state.wifi = _load(Wifi, data.get("wifi", []))
        state.transfers = _load(Transfer, data.get("transfers", []))
        state.options = {**DEFAULT_OPTIONS, **data.get("options", {})}
        state.clock_offset = float(data.get("clock_offset", 0.0))
        return state


def _load(cls: type, items: list[dict]) -> list:
    names = {f.name for f in fields(cls)}
    return [cls(**{k: v for k, v in item.items() if k in names}) for item in items]


class StateStore:
    """The state, its lock, its clock and its file."""

    def __init__(self, path: str | None = None) -> None:
        self.lock = threading.RLock()
        self.path = path
        self.state = State()
        self.before_save: Callable[[State], None] | None = None
        if path and os.path.exists(path):
            self.load()

    def now(self) -> float:
        """The sandbox's time: wall clock plus the offset moved by POST /sandbox/clock."""
        return time.time() + self.state.clock_offset

    @contextmanager
    def write(self) -> Iterator[State]:
        """Hold the lock for a change and save the state file afterwards."""
        with self.lock:
            yield self.state
            self.save()

    @contextmanager
    def read(self) -> Iterator[State]:
        """Hold the lock for a consistent read."""
        with self.lock:
            yield self.state

    def save(self) -> None:
        """Write the state file (if any) atomically."""
        if not self.path:
            return
        with self.lock:  # also around the file, so the last change is the last write
            if self.before_save:
                self.before_save(self.state)
            payload = json.dumps(self.state.to_json(), indent=1, sort_keys=True)
            directory = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(directory, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".sandbox-state-", dir=directory)
            with os.fdopen(handle, "w") as out:
                out.write(payload)
            os.replace(temp, self.path)

    def load(self) -> None:
        """Read the state file."""
        with open(self.path) as source:  # type: ignore[arg-type]
            self.state = State.from_json(json.load(source))
