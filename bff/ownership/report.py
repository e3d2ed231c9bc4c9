"""What the device doctor and the people page show: plain dataclasses, built from the store and the cloud.

`DeviceReport` is everything support needs to answer "why can't my customer claim device X?";
its `problems` (bff/ownership/problems.py) each say what is wrong in plain words and which fixes apply.
Phones are kept whole here: the page shows them as the viewer may see them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bff.devices.platforms import UNKNOWN_NAME
from bff.redaction import redact

# The fixes the doctor offers (each a POST of /ops/devices/<id>/<fix>, but "label" and "import").
RETRY, CANCEL, RELEASE, GIVE, REREAD, LABEL, IMPORT = (
    "retry", "cancel", "release", "give", "reread", "label", "import")


@dataclass(frozen=True)
class PersonRef:
    """A person as a line of the doctor names them."""

    id: int
    phone: str | None
    login: str | None = None

    @property
    def label(self) -> str:
        return self.login or f"person {self.id}"


@dataclass(frozen=True)
class ClaimLine:
    """One claim of a device or a person, as the history shows it."""

    id: int
    device_id: str
    person: PersonRef
    channel: str
    actor_login: str | None
    state: str
    outcome: str | None
    attempts: int
    created_at: float
    finished_at: float | None
    last_error: str | None
    leased_until: float | None

    @property
    def open(self) -> bool:
        return self.state in ("requested", "waiting_for_device")

    @classmethod
    def from_row(cls, row: dict) -> ClaimLine:
        return cls(id=row["id"], device_id=row["device_id"],
                   person=PersonRef(row["user_id"], row.get("person_phone")),
                   channel=row["channel"], actor_login=row.get("actor_login"), state=row["state"],
                   outcome=row.get("outcome"), attempts=row["attempts"], created_at=row["created_at"],
                   finished_at=row.get("finished_at"), last_error=row.get("last_error"),
                   leased_until=row.get("leased_until"))


@dataclass(frozen=True)
class CallLine:
    """One call bff made to the cloud about the device; `raw` is the cloud's reply (redacted)."""

    id: int
    at: float
    method: str
    path: str
    status: int | None
    ms: float
    error: str | None
    raw: str | None

    @classmethod
    def from_row(cls, row: dict) -> CallLine:
        return cls(id=row["id"], at=row["at"], method=row["method"], path=row["path"],
                   status=row.get("status"), ms=row.get("ms") or 0.0, error=row.get("error"),
                   raw=redact(row.get("reply") or row.get("error")))


@dataclass(frozen=True)
class Problem:
    """Something wrong with a device: a title, the plain explanation, the fixes that apply."""

    key: str
    title: str
    explanation: str
    fixes: tuple[str, ...] = ()


@dataclass
class DeviceReport:
    """A device as the doctor shows it: bff's copy, the cloud's answer, claims, calls, problems."""

    device_id: str
    known: bool  # bff keeps a row for it
    in_product: bool | None  # the cloud has it in one of our products (None: could not ask)
    product_key: str | None = None
    product_name: str | None = None
    platform: str = UNKNOWN_NAME  # the platform's name for people ("Boron")
    name: str | None = None
    serial_number: str | None = None
    iccid: str | None = None
    online: bool | None = None
    last_heard: float | None = None
    label_code: str | None = None
    owners_in_cloud: bool = True  # the cloud's owner counts (customers mode); product mode: bff's record alone
    cloud_owner: str | None = None  # the cloud's owner (a shadow customer's username), if asked
    bff_owner: str | None = None  # the owner bff has on record
    cloud_owner_person: PersonRef | None = None
    bff_owner_person: PersonRef | None = None
    cloud_error: Exception | None = None  # the live read failed (a BffError)
    held: str | None = None  # "quarantined" or "denied": the product holds the device back
    claims: list[ClaimLine] = field(default_factory=list)
    calls: list[CallLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    fixes: frozenset[str] = frozenset()

    @property
    def open_claim(self) -> ClaimLine | None:
        return next((claim for claim in self.claims if claim.open), None)

    @property
    def owners_agree(self) -> bool:
        return self.cloud_error is None and self.cloud_owner == self.bff_owner

    @property
    def other_fixes(self) -> list[str]:
        """Fixes that apply but no problem names (shown under "Other fixes")."""
        named = {fix for problem in self.problems for fix in problem.fixes}
        return [fix for fix in (RETRY, CANCEL, REREAD, RELEASE, GIVE, LABEL) if fix in self.fixes - named]


@dataclass
class PersonReport:
    """A person as the people page shows them."""

    id: int
    phone: str | None
    login: str | None
    role: str
    ops_role: str | None
    created_at: float
    devices: list = field(default_factory=list)  # DeviceView
    claims: list[ClaimLine] = field(default_factory=list)
    sign_ins: list[dict] = field(default_factory=list)
    actions: list = field(default_factory=list)  # AuditEntry: what operators did to them

    @property
    def label(self) -> str:
        return self.login or f"person {self.id}"


def cloud_time(text: str | None) -> float | None:
    """Particle's ISO 8601 time ("2024-05-01T12:00:00.000Z") as epoch seconds (None stays None)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
