"""`AuditLog`: the one place operator actions are written down, and read back for `/ops/audit`.

Rule: a service that changes something on an operator's behalf records it here, in the same call,
with the result (`ok`, `refused` with the reason, `failed` with the error), so no channel can
forget it. Reads (opening a page) are not audited; revealing something hidden is.
Entries never hold a secret: no code, token, password or full claim code in `detail`.
"""
from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass

OK, REFUSED, FAILED = "ok", "refused", "failed"
# What each action means, as the audit page shows it (the code stays in the CSV and the filter value).
ACTION_WORDS = {
    "claim.for": "claimed a device for a person",
    "claim.retry": "tried a claim again",
    "claim.cancel": "cancelled a claim",
    "device.release": "released a device",
    "device.give": "gave a device to a phone number",
    "device.reread": "read a device from the cloud again",
    "device.set_mode": "switched a device's ownership mode",
    "product.set_mode": "switched a product's ownership mode",
    "ask.decide": "decided an ask for a device",
    "person.number_change": "moved a person to a new phone number",
    "label.reprint": "printed a device's label",
    "labels.print": "printed a batch's labels",
    "webhook.resend": "sent an event to an endpoint again",
    "import.start": "started an import",
    "import.finish": "an import ended",
    "operator.create": "made an operator",
    "operator.role": "changed an operator's role",
    "operator.switch_off": "switched an operator off",
    "operator.switch_on": "switched an operator on",
    "operator.self": "tried to change their own account",
}
CSV_COLUMNS = ("id", "at_utc", "actor", "role", "action", "device_id", "person_id", "result", "detail")


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    actor_id: int | None
    actor_login: str | None
    actor_role: str | None
    action: str
    device_id: str | None
    person_id: int | None
    result: str
    detail: str | None

    @classmethod
    def from_row(cls, row: dict) -> AuditEntry:
        return cls(**{name: row.get(name) for name in cls.__dataclass_fields__})

    @property
    def action_words(self) -> str:
        return ACTION_WORDS.get(self.action, self.action)

    @property
    def actor(self) -> str:
        return self.actor_login or ("system" if self.actor_id is None else f"person {self.actor_id}")


class AuditLog:
    """Writes and reads the audit log (over the Store)."""

    def __init__(self, store, *, clock=time.time) -> None:
        self.store = store
        self.clock = clock

    def record(self, actor, action: str, *, result: str = OK, device_id: str | None = None,
               person_id: int | None = None, detail: str | None = None) -> int:
        """Write one entry; `actor` is the operator (a `User`, or their user id), or None for the
        system itself (the command line, the worker)."""
        if isinstance(actor, int):
            row = self.store.user(actor) or {}
            actor_id, login, role = actor, row.get("login"), row.get("ops_role")
        else:
            actor_id, login = getattr(actor, "id", None), getattr(actor, "login", None)
            role = getattr(actor, "ops_role", None)
        return self.store.add_audit_entry(
            now=self.clock(), actor_id=actor_id, actor_login=login, actor_role=role,
            action=action, device_id=device_id, person_id=person_id, result=result,
            detail=(detail or None) and detail[:1000])

    def entries(self, *, limit: int | None = 200, **filters) -> list[AuditEntry]:
        """Newest first; filters: actor_id, action, device_id, person_id, result, since, until, before_id."""
        return [AuditEntry.from_row(row) for row in self.store.audit_entries(limit=limit, **filters)]

    def actions(self) -> list[str]:
        return self.store.audit_actions()

    def csv_text(self, entries: list[AuditEntry]) -> str:
        """The entries as CSV (UTC times), for the download on /ops/audit."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for entry in entries:
            writer.writerow([safe_cell(value) for value in (
                entry.id, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(entry.at)), entry.actor,
                entry.actor_role, entry.action, entry.device_id, entry.person_id, entry.result,
                entry.detail)])
        return out.getvalue()


def safe_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP "CSV injection"): text
    starting with = + - @ or a tab gets a leading apostrophe. None is an empty cell."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
