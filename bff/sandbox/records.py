"""The sandbox cloud's records (products, users, customers, devices, tokens, claim codes, Wi-Fi
networks, transfers, orgs, API users) and how each becomes JSON and back.

Every record is a slotted dataclass (a million devices must fit in memory) that knows the state
holding it (`_home`): assigning a field while it is held tells the state (`record_changing`),
which keeps its look-ups current and journals the record (bff/sandbox/state.py). A list or dict
inside a record is never changed in place, only replaced (`device.groups = (...)`), so every
change passes through an assignment; `groups` is a tuple for that reason.

`@tracked` keeps the dataclass itself, hook-free, as `Cls.untracked`: loading a saved state builds
records with that class's fast generated `__init__` and then relabels them as the tracked class
(same slots, so `__class__` may be assigned): about six times faster than a hook call per
field.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, Callable, TypeVar

RecordType = TypeVar("RecordType")
EMPTY_DEFAULTS = (None, False, 0, 0.0, "", ())   # defaults a record's JSON leaves out


class Record:
    """The base of every record: a slot for the state that holds it (None while none does), not
    a dataclass field (so `fields()`, `asdict()`, `__init__` and `==` never see it)."""
    __slots__ = ("_home",)

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        record = object.__new__(cls)
        object.__setattr__(record, "_home", None)
        return record


def _tracked_setattr(record: Any, name: str, value: Any) -> None:
    """Assign, telling the holding state first (it journals the record and moves it in its
    look-ups)."""
    home = None if name == "_home" else record._home
    if home is None:
        object.__setattr__(record, name, value)
    else:
        home.record_changing(record, name, value)


def tracked(cls: type[RecordType]) -> type[RecordType]:
    """The record class the sandbox uses: `cls` with the change hook (`cls` is kept as `.untracked`)."""
    return type(cls.__name__, (cls,), {
        "__slots__": (), "__setattr__": _tracked_setattr, "__module__": cls.__module__,
        "__qualname__": cls.__qualname__, "__doc__": cls.__doc__, "untracked": cls})


@tracked
@dataclass(slots=True)
class Product(Record):
    id: int
    slug: str
    name: str
    platform_id: int
    description: str
    client_id: str
    client_secret: str
    client_name: str = "sandbox product client"


@tracked
@dataclass(slots=True)
class User(Record):
    """A developer account (password grant) and the products it is a team member of."""
    username: str
    password: str
    products: list[int] = field(default_factory=list)


@tracked
@dataclass(slots=True)
class Customer(Record):
    id: str
    username: str
    product_id: int
    password: str | None
    created_at: float


@tracked
@dataclass(slots=True)
class Device(Record):
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
    groups: tuple[str, ...] = ()        # replaced, never changed in place
    quarantined: bool = False
    denied: bool = False
    system_firmware_version: str = "2.3.1"
    wifi: dict | None = None            # stored network {"ssid","password","security"} (Wi-Fi)
    softap_memory: Any = None           # PhotonMemory.to_json() for Photons/P1s
    last_claim_ack: str | None = None   # name of the last claim acknowledgement sent to it
    connect_ap_count: int = 0           # times it left listening mode to join Wi-Fi (SoftAP)


@tracked
@dataclass(slots=True)
class Token(Record):
    access_token: str
    refresh_token: str | None
    kind: str                           # "user" | "customer" | "product" | "api_user"
    client_id: str
    username: str | None
    product_id: int | None
    created_at: float
    expires_at: float | None            # None = never
    refresh_expires_at: float | None = None


@tracked
@dataclass(slots=True)
class Org(Record):
    """An organization: a set of products (CHOICE: that is all the sandbox models of one; a
    product belongs to at most one org). `id` is 24 hex digits, as Particle's org ids."""
    id: str
    slug: str
    name: str
    products: tuple[int, ...] = ()      # replaced, never changed in place


@tracked
@dataclass(slots=True)
class ApiUser(Record):
    """An API user ("API users", https://docs.particle.io/reference/cloud-apis/api/#api-users):
    a programmatic team member of one product or one org, with scopes and one non-expiring
    token (`token`, also in the tokens collection as kind "api_user"; docs/particle.md#api-users)."""
    username: str                       # "<friendly-name>+<10 characters>@api.particle.io"
    friendly_name: str
    token: str
    created_at: float
    product_id: int | None = None       # a product's API user...
    org_id: str | None = None           # ...or an org's
    scopes: tuple[str, ...] = ()        # replaced, never changed in place


@tracked
@dataclass(slots=True)
class ClaimCode(Record):
    code: str
    owner_kind: str
    owner: str
    product_id: int | None
    created_at: float
    expires_at: float
    used_at: float | None = None
    device_id: str | None = None


@tracked
@dataclass(slots=True)
class Wifi(Record):
    ssid: str
    password: str
    security: int
    channel: int = 6
    rssi: int = -52


@tracked
@dataclass(slots=True)
class Transfer(Record):
    id: str
    device_id: str
    requester_kind: str
    requester: str
    created_at: float


# The persisted collections: name -> (record class, key field; None: journaled whole, it is small).
COLLECTIONS: dict[str, tuple[type, str | None]] = {
    "products": (Product, "id"), "users": (User, "username"), "customers": (Customer, "id"),
    "devices": (Device, "id"), "tokens": (Token, "access_token"),
    "claim_codes": (ClaimCode, "code"), "wifi": (Wifi, None), "transfers": (Transfer, "id"),
    "orgs": (Org, "id"), "api_users": (ApiUser, "username"),
}
LIST_COLLECTIONS = ("customers", "wifi", "transfers")   # lists in State; the others are dicts
COLLECTION_OF = {cls: name for name, (cls, _) in COLLECTIONS.items()}


# Fields whose few distinct values loaded records share (one object, not one per record: a
# product id is an int object, a firmware version a string, per device otherwise).
SHARED_FIELDS = {
    Device: {"product_id", "owner_kind", "wifi", "system_firmware_version", "last_claim_ack"},
    Customer: {"product_id"}, Token: {"kind", "client_id", "product_id"},
    ClaimCode: {"owner_kind", "product_id"},
}


class _Memo(dict):
    """One field's distinct values: `memo[value]` is the first such value seen (a dict look-up,
    no Python call, once the value is known)."""

    def __missing__(self, value: Any) -> Any:
        self[value] = value
        return value


_shared_dicts: dict = {}   # a dict's items -> the one dict loaded records share


def _share_dict(value: Any) -> Any:
    """The one dict loaded records share for these items (such a dict is never changed in place)."""
    try:
        return _shared_dicts.setdefault(tuple(value.items()), value)
    except (AttributeError, TypeError):  # not a dict, or unhashable inside: kept as it is
        return value


def _sharing(name: str) -> Callable[[Any], Any]:
    return _share_dict if name == "wifi" else _Memo().__getitem__


class _Shape:
    """What record_json and record_from_json need to know about one record class."""

    def __init__(self, cls: type) -> None:
        persisted = fields(cls)
        self.names = tuple(f.name for f in persisted)
        self.values: Callable[[Any], tuple] = attrgetter(*self.names)
        self.omitted = tuple(_omitted_default(f) for f in persisted)
        self.known = frozenset(self.names)
        # loaded values to adjust: JSON arrays that are tuples here, values records share
        self.adjust: dict[str, Callable[[Any], Any]] = {
            **{name: _sharing(name) for name in SHARED_FIELDS.get(cls, ())},
            **{f.name: tuple for f in persisted if f.default == ()}}
        self.adjusted = frozenset(self.adjust)


def _omitted_default(spec: Any) -> Any:
    """The value a record's JSON leaves out for this field: its default if that is empty
    (None, False, 0, "", ()), else a marker nothing equals (so changing a non-empty default
    later never changes what saved records say)."""
    default = spec.default
    if any(default is empty or (type(default) is type(empty) and default == empty)
           for empty in EMPTY_DEFAULTS):
        return default
    return _NEVER


class _Never:
    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]


_NEVER = _Never()
_SHAPES = {cls: _Shape(cls) for cls, _ in COLLECTIONS.values()}


def record_json(record: Any) -> dict:
    """The record's fields as JSON data, leaving out fields at an empty default."""
    shape = _SHAPES[type(record)]
    return {name: value for name, value, omitted in zip(shape.names, shape.values(record), shape.omitted)
            if not (value == omitted and type(value) is type(omitted))}


def record_fields(record: Any) -> dict:
    """Every field of the record by name (what `vars()` gave before records had slots)."""
    shape = _SHAPES[type(record)]
    return dict(zip(shape.names, shape.values(record)))


def record_from_json(cls: Any, data: dict, home: Any = None) -> Any:
    """A record of class `cls` from its JSON data (unknown keys ignored, missing ones defaulted),
    held by `home`; built untracked, then relabelled (see the module's docstring)."""
    shape = _SHAPES[cls]
    if data.keys() <= shape.known:
        values = dict(data)
    else:
        values = {key: value for key, value in data.items() if key in shape.known}
    for name in shape.adjusted & values.keys():
        values[name] = shape.adjust[name](values[name])
    record = cls.untracked(**values)
    record._home = home
    record.__class__ = cls
    return record
