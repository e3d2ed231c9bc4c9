"""Field mode's work without Flask: whom the boxes are for, what a scan means, the claim, and
the words the crew reads for each result (bff/ops/field.py serves them).

A scan is a box label's QR link (`{PUBLIC_URL}/d/<device_id>?k=<tag>`, from any host: labels may
have been printed with another public URL), its typed label code, or the device's serial number or
ICCID (crews are trusted and audited: bff/claims/serials.py). The tag or the code proves the
crew holds the box; then the claims service claims the device for the chosen person as the
operator (`request_claim_for`, channel "field"), texts the customer and audits "claim.for".
A scan refused before the claims service is reached (not our code, a wrong tag, a typo) is
audited here, so the audit log has a line for every field scan.

Every result is one of: `claimed`, `waiting` (the device is off: it finishes by itself),
`refused` (with what happened and what to do next) and `already` (claimed for this person before).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from urllib.parse import parse_qs, urlsplit

from bff import errors, labels
from bff.guesses import Guesser
from bff.accounts.phones import pretty_phone
from bff.claims import Claim
from bff.claims.serials import looks_like_serial_or_iccid
from bff.devices import short_name_of

CHANNEL = "field"
LIST_LENGTH = 30  # lines of the running list rendered from the claims table
_LINK_PATH = re.compile(r"/d/([0-9A-Fa-f]{24})/?$")
_NEXT_BOX = "Go on to the next box."

# (what happened, what to do next) for scans refused before the claims service is asked
NOT_OUR_CODE = ("That code is not from one of our boxes.",
                "Scan the square code on the box label, or type the 12 letters and numbers under it.")
NOTHING_SCANNED = ("We did not get a code.", "Type the code from the box, or scan its square code.")
NOBODY_CHOSEN = ("Nobody is chosen yet.", "Choose whom the boxes are for, then scan again.")
PERSON_CHANGED = ("This scan was meant for the person you had before.",
                  "Scan the box again to claim it for the person chosen now.")


def scan_error(words: tuple[str, str], detail: str) -> errors.BffError:
    message, next_step = words
    return errors.BffError(detail, public_message=message, next_step=next_step)


@dataclass(frozen=True)
class FieldPerson:
    """Whom the boxes are for: a customer (by phone) or the crew's own staging account."""

    user_id: int
    phone: str | None
    staging: bool

    @property
    def words(self) -> str:
        return "your staging account" if self.staging else pretty_phone(self.phone or "")


def person_for(services, operator, user_id: int) -> FieldPerson | None:
    """The chosen person, from the user id kept in the session (None if they are gone)."""
    if user_id == operator.id:
        return FieldPerson(operator.id, operator.phone, staging=True)
    user = services.accounts.user(user_id)
    return FieldPerson(user.id, user.phone, staging=False) if user and user.phone else None


@dataclass(frozen=True)
class FieldResult:
    """One line of the running list (and the JSON the scanner reads)."""

    result: str  # claimed | waiting | refused | already
    title: str
    message: str
    device_name: str = ""
    label_code: str = ""
    person: str = ""

    def json(self) -> dict:
        return asdict(self)


# -- a scan ---------------------------------------------------------------------------------------


def claim_scan(services, operator, person: FieldPerson, text: str) -> FieldResult:
    """Claim the box behind `text` (QR link or label code) for `person`; never raises a BffError."""
    try:
        device = device_for_scan(services.claims, text, who=Guesser(user_id=operator.id, operator=True))
    except errors.BffError as error:
        if (text or "").strip():
            _audit_refusal(services, operator, person, text, error)
        return refused(error, person=person.words)
    return claim_device(services, operator, person, device)


def claim_device(services, operator, person: FieldPerson, device) -> FieldResult:
    claims = services.claims
    label = _shown_code(device.label_code)
    try:
        claim, outcome = claims.request_claim_for(person.user_id, device.device_id, operator_id=operator.id,
                                                  channel=CHANNEL, label_code=device.label_code)
    except errors.BffError as error:  # audited by the claims service
        return refused(error, device_name=device.short_name, label_code=label, person=person.words)
    return outcome_result(outcome, claim.message, claim.next_step, person.words,
                          device_name=claims.devices.short_name(claim.device_id), label_code=label)


def device_for_scan(claims, text: str, *, who: Guesser | None = None):
    """The device a scanned QR link or a typed label code names, with its possession proven (wrong
    tags and codes count against `who`, with the operators' limits: bff/guesses.py)."""
    text = (text or "").strip()
    if not text:
        raise scan_error(NOTHING_SCANNED, "empty scan")
    if "/" in text:
        parts = urlsplit(text)
        match = _LINK_PATH.search(parts.path)
        if not match:
            raise scan_error(NOT_OUR_CODE, "not a box link")
        tag = parse_qs(parts.query).get("k", [""])[0]
        return claims.device_for_link(match.group(1), tag, who=who)  # ClaimRefused for a wrong tag
    try:
        return claims.device_for_label_code(text, who=who)  # LabelCodeError for a typo, ClaimRefused if unknown
    except labels.NotALabelCodeError:
        if not looks_like_serial_or_iccid(text):
            raise
    return claims.device_for_serial(text, who=who)  # crews may claim by serial number or ICCID alone


def _audit_refusal(services, operator, person: FieldPerson, text: str, error: errors.BffError) -> None:
    """Audit a scan refused before the claims service was asked (which audits the rest). The
    detail never holds the typed code or the tag: they prove possession of a box."""
    kind = "QR link" if "/" in text else "label code"
    match = _LINK_PATH.search(urlsplit(text.strip()).path) if kind == "QR link" else None
    services.audit.record(operator, "claim.for", result="refused",
                          device_id=match.group(1).lower() if match else None, person_id=person.user_id,
                          detail=f"{CHANNEL}: {kind} refused ({type(error).__name__})")


# -- what the crew reads ---------------------------------------------------------------------------


def outcome_result(outcome: str, message: str, next_step: str, person: str, **device) -> FieldResult:
    """The line for a claim's outcome (as `ClaimsService.outcome_for` names it)."""
    if outcome == "claimed":
        return FieldResult("claimed", f"Claimed for {person}", _NEXT_BOX, person=person, **device)
    if outcome == "already_yours":
        return FieldResult("already", f"Already claimed for {person}", f"Nothing more to do. {_NEXT_BOX}",
                           person=person, **device)
    if outcome == "waiting":
        return FieldResult("waiting", "Waiting for the device",
                           "It is switched off or has no signal. Switch it on: the claim finishes by "
                           f"itself. {_NEXT_BOX}", person=person, **device)
    if outcome == "requested":
        return FieldResult("waiting", "Still trying",
                           f"The device cloud is slow. We keep trying by ourselves. {_NEXT_BOX}",
                           person=person, **device)
    return FieldResult("refused", "Not claimed", f"{message} {next_step}", person=person, **device)


def refused(error: errors.BffError, **fields) -> FieldResult:
    return FieldResult("refused", "Not claimed", f"{error.public_message} {error.next_step}", **fields)


def refused_with(words: tuple[str, str]) -> FieldResult:
    return FieldResult("refused", "Not claimed", " ".join(words))


def recent_lines(services, operator, *, limit: int = LIST_LENGTH) -> list[FieldResult]:
    """The operator's field claims, newest first, as they stand now (from the claims table)."""
    return [_line_of(row, operator) for row in services.store.field_claims_by(operator.id, limit=limit)]


def _line_of(row: dict, operator) -> FieldResult:
    claim = Claim.from_row(row)  # the claims service's own words for a stored claim
    person = "your staging account" if row["user_id"] == operator.id else pretty_phone(row["phone"] or "")
    outcome = claim.outcome or claim.state
    if outcome in ("waiting", "waiting_for_device"):
        outcome = "waiting"
    name = short_name_of({"name": row["device_name"], "device_id": row["device_id"]})
    return outcome_result(outcome, claim.message, claim.next_step, person, device_name=name,
                          label_code=_shown_code(row.get("label_code")))


def _shown_code(code: str | None) -> str:
    return labels.format_label_code(code) if code else ""
