"""The claims service: one state machine for every channel (web, SMS, API, operators).

A claim moves `requested` → `claimed` | `waiting_for_device` | `refused` | `failed`:

- the person proves they hold the box (the QR tag `k` or the label code; operators need neither);
- the claim row is stored first (at most one open claim per device: a double tap, a reload or a
  retried request returns the same claim), then the device is claimed with the user's shadow
  customer token (a returning customer's claim costs one cloud call); in product mode one read of
  the product device, then bff records the owner (`_record_owner_in_bff`: no claim in the cloud);
- a device that is off is not an error: the claim waits (`waiting_for_device`) and the worker
  finishes it when the device's `spark/status online` event arrives, or at the next periodic
  retry; cloud trouble (429, 5xx, time-outs) keeps it `requested` and retries with backoff;
- when a claim the person was told to wait for ends, they get a text.

Everything is in SQLite, so a restart (even `kill -9`) loses nothing: the worker picks up the
open claims where they were.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from bff import errors
from bff.guesses import Guesser
from bff.claims.fixes import ClaimFixes
from bff.claims.proofs import ProofChecks
from bff.claims.serials import SerialResolver
from bff.claims.texts import CLAIMED_FOR_YOU_TEXTS, NOTIFY_TEXTS, OUTCOME_TEXTS
from bff.devices import DeviceService, DeviceView

logger = logging.getLogger(__name__)

LEASE_SECONDS = 30.0  # one attempt (a few cloud calls with time-outs) ends well within this
ATTEMPT_POLL_SECONDS = 0.05  # how often `attempt_and_wait` looks whether another's attempt has ended
OFFLINE_RETRY_SECONDS = (60.0, 3600.0)  # a waiting claim is retried from 1 min, doubling to 1 h
TROUBLE_RETRY_SECONDS = (5.0, 600.0)  # cloud trouble: from 5 s, doubling to 10 min
TROUBLE_ENDS_PASS = 3  # attempts in a row that meet cloud trouble end the worker's retry pass
WAIT_LIMIT_SECONDS = 30 * 24 * 3600  # after a month of waiting the claim fails (operators can retry)
CLAIMS_PER_USER_PER_HOUR = 30
CLAIMED_FOR_CUSTOMER_PURPOSE = "sms_claim_for"  # outbound SMS: an operator claimed a device for you


@dataclass(frozen=True)
class Claim:
    """A claim as the channels show it."""

    id: int
    device_id: str
    product_key: str
    user_id: int
    channel: str
    state: str
    outcome: str | None
    attempts: int
    created_at: float
    updated_at: float
    finished_at: float | None
    title: str
    message: str
    next_step: str

    @property
    def done(self) -> bool:
        return self.state not in ("requested", "waiting_for_device")

    @property
    def succeeded(self) -> bool:
        return self.state == "claimed"

    @classmethod
    def from_row(cls, row: dict) -> Claim:
        title, message, next_step = OUTCOME_TEXTS[row["outcome"] or row["state"]]
        return cls(
            id=row["id"], device_id=row["device_id"], product_key=row["product_key"],
            user_id=row["user_id"], channel=row["channel"], state=row["state"],
            outcome=row["outcome"], attempts=row["attempts"], created_at=row["created_at"],
            updated_at=row["updated_at"], finished_at=row["finished_at"], title=title,
            message=row["public_message"] or message, next_step=row["next_step"] or next_step,
        )


class ClaimsService(ProofChecks, ClaimFixes):
    """Claims for every channel, over the store, the Particle client and the SMS sender; the
    proofs of holding a box (limited per guesser) are in bff/claims/proofs.py, the operators'
    fixes (retry now, cancel) in bff/claims/fixes.py."""

    def __init__(self, store, particle, sms, *, label_key: str, devices: DeviceService | None = None,
                 rate_limit=None, audit=None, events=None, guesses=None, clock=time.time) -> None:
        self.store = store
        self.particle = particle
        self.sms = sms
        self.label_key = label_key
        self.rate_limit = rate_limit  # callable(key, limit=, window_seconds=) -> True when over
        self.guesses = guesses  # GuessLimits: wrong proofs per person, phone, address (bff/guesses.py)
        self.audit = audit  # operators' claims and fixes are written there (bff/audit)
        self.events = events  # WebhookOutbox: device.claimed / claim.failed, with the final state
        self.clock = clock
        self.devices = devices or DeviceService(store, particle, label_key=label_key)
        self.serials = SerialResolver(store, particle, self.devices, rate_limit=rate_limit, clock=clock)

    # -- asking for a claim -----------------------------------------------------------------------

    def request_claim(self, user_id: int, device_id: str, *, channel: str, tag: str | None = None,
                      label_code: str | None = None, actor_user_id: int | None = None,
                      operator: bool = False, serial: str | None = None, attempt: bool = True,
                      who: Guesser | None = None) -> Claim:
        """Claim the device for the user, or return the claim already made for this request.
        `serial`: a serial number or ICCID (bff/claims/serials.py: alone for operators only).
        `attempt=False`: the claim is stored (`requested`, never tried) and the caller runs
        `attempt(claim.id)` itself, e.g. under a reply deadline (bff/api/claim_runs.py).
        `who` tries the proof (default: the person, or the operator acting; operators' claims
        check no proof but a serial's, and moves none)."""
        if who is None and (serial or not operator):
            who = Guesser(user_id=actor_user_id or user_id, operator=operator)
        with self._guessing(who):
            device = self._proven_device(device_id, tag, label_code, operator, serial)
        existing = self._existing_claim(user_id, device.device_id)
        if existing is not None:
            return existing
        with self.store.transaction():  # the person's claim count and the claim: one write
            self._check_rate(user_id, operator)
            claim_id = self.store.insert_claim(
                device_id=device.device_id, product_key=device.product_key, user_id=user_id,
                channel=channel, actor_user_id=actor_user_id, now=self.clock(),
            )
        if claim_id is None:  # another request for this device won the race
            return self._existing_claim(user_id, device.device_id) or self._refuse_busy(device)
        if attempt:
            self.attempt(claim_id)
        return self.claim(claim_id)

    def request_claim_for(self, customer_id: int, device_id: str, *, operator_id: int, channel: str,
                          label_code: str | None = None, notify: bool = True,
                          serial: str | None = None, asked_at: float | None = None) -> tuple[Claim, str]:
        """An operator claims a device for a customer (or their own staging account): the claim and
        its outcome for this request, audited. A new claim is texted to the customer (a repeated
        request is not; `notify=False` when the operator is the one who would get the text).
        `asked_at`: when the request came, if earlier than now (an SMS the worker runs again: a
        claim its first run made is "claimed", not "already_yours")."""
        now = self.clock()
        asked_at = now if asked_at is None else asked_at
        try:
            claim = self.request_claim(customer_id, device_id, channel=channel, label_code=label_code,
                                       actor_user_id=operator_id, operator=True, serial=serial)
        except errors.BffError as error:
            self._audit_claim_for(operator_id, device_id, customer_id, "refused", f"{channel}: {error.detail}")
            raise
        outcome = self.outcome_for(claim, asked_at=asked_at)
        if notify and claim.created_at >= now:  # made by this call (a rerun's first run texted already)
            self._text_claimed_for_customer(claim, outcome)
        self._audit_claim_for(operator_id, claim.device_id, customer_id, "ok",
                              f"{channel}: claim {claim.id} {outcome}")
        return claim, outcome

    def _audit_claim_for(self, operator_id: int, device_id: str, customer_id: int, result: str,
                         detail: str) -> None:
        if self.audit is not None:
            self.audit.record(operator_id, "claim.for", result=result,
                              device_id=str(device_id).lower() if device_id else None,
                              person_id=customer_id, detail=detail)

    def outcome_for(self, claim: Claim, *, asked_at: float) -> str:
        """The claim's outcome as the answer to a request made at `asked_at`: a success recorded
        before the request (a repeat: the device was already the person's) is "already_yours"; one
        that ended after it (even a claim made earlier and still open then) is "claimed"."""
        outcome = claim.outcome or claim.state
        ended = claim.finished_at if claim.finished_at is not None else claim.created_at
        if outcome == "claimed" and ended < asked_at:
            return "already_yours"
        return outcome

    def _text_claimed_for_customer(self, claim: Claim, outcome: str) -> None:
        template = CLAIMED_FOR_YOU_TEXTS.get(outcome)
        phone = (self.store.user(claim.user_id) or {}).get("phone")
        if template and phone:
            text = template.format(device=self.devices.short_name(claim.device_id))
            self.sms.send(phone, text, purpose=CLAIMED_FOR_CUSTOMER_PURPOSE, claim_id=claim.id)

    def _existing_claim(self, user_id: int, device_id: str) -> Claim | None:
        """The user's open claim of the device, or their successful one (idempotent repeats)."""
        open_row = self.store.open_claim_of_device(device_id)
        if open_row is not None:
            if open_row["user_id"] != user_id:
                raise errors.ClaimInProgressElsewhere(f"user {open_row['user_id']} has claim {open_row['id']} open")
            return Claim.from_row(open_row)
        latest = self.store.latest_claim(user_id, device_id)
        if latest and latest["state"] == "claimed" and self.devices.owned_by(device_id, user_id):
            return Claim.from_row(latest)
        return None

    def _refuse_busy(self, device: DeviceView):
        raise errors.ClaimInProgressElsewhere(f"another user's claim of {device.device_id} is open")

    def _check_rate(self, user_id: int, operator: bool) -> None:
        if operator or self.rate_limit is None:
            return
        if self.rate_limit(f"claims:user:{user_id}", limit=CLAIMS_PER_USER_PER_HOUR, window_seconds=3600):
            raise errors.TooManyClaimAttempts(f"user {user_id} is over the claim rate limit")

    # -- reading claims ---------------------------------------------------------------------------

    def claim(self, claim_id: int) -> Claim | None:
        row = self.store.claim_row(claim_id)
        return Claim.from_row(row) if row else None

    def claim_for_user(self, claim_id: int, user_id: int) -> Claim | None:
        claim = self.claim(claim_id)
        return claim if claim and claim.user_id == user_id else None

    def open_claim(self, user_id: int, device_id: str) -> Claim | None:
        """The user's latest claim of the device (open or finished), or None."""
        row = self.store.latest_claim(user_id, device_id.lower())
        return Claim.from_row(row) if row else None

    def claims_of(self, user_id: int) -> list[Claim]:
        return [Claim.from_row(row) for row in self.store.claims_of_user(user_id)]

    def claim_answering(self, user_id: int, device_id: str, *, asked_at: float) -> Claim | None:
        """The person's claim of the device that answers a request made at `asked_at`: their open
        claim, or one that ended after the request (a request run again finds its own claim)."""
        latest = self.open_claim(user_id, device_id)
        if latest is not None and (not latest.done or latest.finished_at >= asked_at):  # an end has its time
            return latest
        return None

    def was_told(self, claim_id: int | None) -> bool:
        """Whether the person was texted the claim's end already (by this service or a channel)."""
        row = self.store.claim_row(claim_id) if claim_id is not None else None
        return bool(row and row.get("notified_at"))

    def take_notice(self, claim_id: int) -> bool:
        """Claim the telling of the claim's end: True for the one caller who texts it, False if
        someone (this service, another channel) has told the person already."""
        return self.store.mark_claim_notified(claim_id, now=self.clock())

    # -- trying (request path and worker) ---------------------------------------------------------

    def attempt(self, claim_id: int) -> bool:
        """Try an open claim once, if nobody else is; True if this call tried it."""
        now = self.clock()
        row = self.store.lease_claim(claim_id, seconds=LEASE_SECONDS, now=now)
        if row is None:
            return False
        try:
            self._claim_in_cloud(row)
        except errors.BffError as error:
            self._record_failure(row, error)
        except Exception as error:  # a bug must not leave the claim leased; operators see it
            logger.exception("claim %s: unexpected error", claim_id)
            self._record_failure(row, errors.BffError(f"unexpected: {error!r}"))
        self._notify_if_done(claim_id, told_to_wait=row["attempts"] > 1)  # an earlier attempt said "wait"
        return True

    def attempt_and_wait(self, claim_id: int) -> Claim:
        """The claim after its first attempt (made here when nobody tried it yet) or, when another
        attempt holds its lease (the worker's retry, another process), after that one ends."""
        claim = self.claim(claim_id)
        if not claim.done and claim.attempts == 0:
            self.attempt(claim_id)
        while True:
            row = self.store.claim_row(claim_id)
            held = (row["leased_until"] or 0.0) - self.clock()
            if row["state"] not in ("requested", "waiting_for_device") or held <= 0:
                return Claim.from_row(row)
            time.sleep(min(ATTEMPT_POLL_SECONDS, held))  # an attempt ends within its lease

    def _claim_in_cloud(self, row: dict) -> None:
        product_key, device_id = row["product_key"], row["device_id"]
        if not self.particle.owners_in_cloud(product_key):
            return self._record_owner_in_bff(row)
        username = self.particle.ensure_customer(product_key, row["user_id"])
        already_owned = self.devices.owner(device_id) == username
        self.particle.claim_device(product_key, username, device_id)
        with self.store.transaction():  # the device, the claim's end and its event: all or none
            self._finish_claim(row, username, already_owned=already_owned)

    def _record_owner_in_bff(self, row: dict) -> None:
        """Product mode (README "Ownership modes"): one read of the product device shows it is in
        the product and neither denied nor quarantined (the cloud's refusal otherwise); then the
        person's owner name is recorded in bff. No claim in the cloud, no cloud customer; an
        offline device is no obstacle, so the claim ends at once. bff's record decides whose the
        device is: another person's owner name refuses it, as the cloud would."""
        product_key, device_id = row["product_key"], row["device_id"]
        device = self.particle.get_device(product_key, device_id)
        barred = "denied" if device.get("denied") else "quarantined" if device.get("quarantined") else None
        if barred:
            raise errors.DeviceNotInProduct(f"{device_id} is {barred} in {product_key}")
        owner = self.particle.owner_name(product_key, row["user_id"])
        with self.store.transaction():  # the owner checked and written, the claim's end, its event
            recorded = self.devices.owner(device_id)
            if recorded not in (None, owner):
                raise errors.DeviceOwnedByOther(f"bff records another owner of {device_id} ({product_key}: product mode)")
            self._finish_claim(row, owner, already_owned=recorded == owner, online=device.get("online"))

    def _finish_claim(self, row: dict, owner: str, *, already_owned: bool, **device_fields) -> None:
        """The device's owner, the claim's end and (unless the device was already the person's in
        bff: nothing changed) its event; inside the caller's transaction."""
        outcome = "already_yours" if already_owned else "claimed"
        self.store.upsert_device(row["device_id"], owner=owner, now=self.clock(), **device_fields)
        self.store.update_claim(row["id"], state="claimed", outcome=outcome, now=self.clock())
        if outcome == "claimed":
            self._emit("device.claimed", row)

    def _record_failure(self, row: dict, error: errors.BffError) -> None:
        now = self.clock()
        detail = getattr(error, "cloud_message", None) or error.detail
        if isinstance(error, errors.DeviceOffline) and now - row["created_at"] < WAIT_LIMIT_SECONDS:
            state, outcome, delay = "waiting_for_device", "waiting", _backoff(OFFLINE_RETRY_SECONDS, row["attempts"])
        elif error.retryable and now - row["created_at"] < WAIT_LIMIT_SECONDS:
            delay = max(getattr(error, "retry_after", 0.0), _backoff(TROUBLE_RETRY_SECONDS, row["attempts"]))
            state, outcome = "requested", None
        else:
            state = outcome = _final_state(error)
            delay = None
        final = delay is None  # the person reads the error's own words only for a final answer
        with self.store.transaction():
            self.store.update_claim(
                row["id"], state=state, outcome=outcome, last_error=f"{type(error).__name__}: {detail}",
                public_message=error.public_message if final else None,
                next_step=error.next_step if final else None,
                next_attempt_at=None if final else now + delay, now=now,
            )
            if final:
                self._emit("claim.failed", row, state=state, reason=_reason_code(error))

    def _emit(self, event_type: str, row: dict, **extra) -> None:
        """An event for the product creator's systems (inside the caller's transaction); ids only."""
        if self.events is not None:
            self.events.emit(event_type, {"claim_id": row["id"], "device_id": row["device_id"],
                                          "product": row["product_key"], "person": row["user_id"],
                                          "channel": row["channel"], **extra})

    def _notify_if_done(self, claim_id: int, *, told_to_wait: bool) -> None:
        """Text the person the result of a claim they were told to wait for."""
        if not told_to_wait:
            return
        claim = self.claim(claim_id)
        if not claim.done or not self.take_notice(claim_id):
            return
        phone = (self.store.user(claim.user_id) or {}).get("phone")
        if phone:
            text = NOTIFY_TEXTS[claim.state].format(device=self.devices.short_name(claim.device_id))
            self.sms.send(phone, text, purpose=f"claim_{claim.state}", claim_id=claim.id)

    def device_online(self, product_key: str, device_id: str) -> None:
        """The worker saw the device come online: finish its open claim now."""
        row = self.store.open_claim_of_device(device_id.lower())
        if row is not None:
            self.attempt(row["id"])

    def retry_due(self) -> int:
        """Try every open claim whose next attempt is due; returns how many were tried. Cloud
        trouble on `TROUBLE_ENDS_PASS` attempts in a row ends the pass: in an outage each attempt
        waits out the cloud's timeout, and the worker's other jobs (its heartbeat, texts) wait
        behind them. The others stay due for the next tick; the troubled ones back off."""
        tried = troubled = 0
        for claim_id in self.store.due_claim_ids(now=self.clock()):
            if not self.attempt(claim_id):
                continue
            tried += 1
            still_requested = self.store.claim_row(claim_id)["state"] == "requested"  # cloud trouble: tried later
            troubled = troubled + 1 if still_requested else 0
            if troubled >= TROUBLE_ENDS_PASS:
                break
        return tried


def _backoff(bounds: tuple[float, float], attempts: int) -> float:
    first, cap = bounds
    return min(cap, first * 2 ** max(0, attempts - 1))


def _reason_code(error: errors.BffError) -> str:
    """A failure's kind for machines: DeviceOwnedByOther -> device_owned_by_other (never the cloud's text)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


def _final_state(error: errors.BffError) -> str:
    """Refused: the cloud said no for a reason the person can act on; failed: anything else."""
    refused = (errors.DeviceOwnedByOther, errors.DeviceNotFound, errors.DeviceNotInProduct,
               errors.Forbidden, errors.DeviceOffline, errors.ClaimRefused)
    return "refused" if isinstance(error, refused) else "failed"
