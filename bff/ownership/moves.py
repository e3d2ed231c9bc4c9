"""Moves: a device leaving its owner's shadow customer (remove) or going to another person's (give,
an accepted ask), durable first.

A move row is written (`requested`) before the cloud is called; for an accepted offer it is written
in the same transaction as the offer's state change. Then, one worker at a time (a lease in SQLite,
like claims'):

1. `requested`: unclaim the device from the old owner (`particle.unclaim_device`; harmless to
   repeat; in product mode there is no owner in the cloud, so nothing is called: README
   "Ownership modes"). Then, in one transaction: bff's owner cleared, the device's shares ended
   (`device.unshared` each), its other open offers cancelled, and the move recorded `released`
   (a remove: `done`, with `device.released`).
2. `released` (give, ask): a normal claim for the new owner through the claims service
   (`request_claim`, operator=True: no label needed, no rate limit). Once that claim is requested
   the move is `done` (with `device.given`, in the transaction that records it). CHOICE: an
   offline device does not hold the move open: the claim waits like any claim (the worker finishes
   it when the device comes online, and texts the new owner), and `device.claimed` follows then.
3. Cloud trouble (429, 5xx, time-outs) keeps the state and retries with backoff for a day; any
   other failure ends the move `failed` with the reason in `last_error` (from `requested`: nothing
   moved; from `released`: someone else's claim got in between, the device has no owner).

A crash (even `kill -9`) at any point leaves a row `requested` or `released` whose lease expires;
`resume_moves()` (the worker) takes it from there, so bff and the cloud agree again.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from bff import errors
from bff.ownership import texts

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60.0  # an unclaim and a claim (a few cloud calls with time-outs) end well within this
TROUBLE_RETRY_SECONDS = (5.0, 600.0)  # cloud trouble: from 5 s, doubling to 10 min
GIVE_UP_SECONDS = 24 * 3600.0  # cloud trouble for a day: the move fails (operators see why)
DONE_EVENT = {"remove": "device.released", "give": "device.given", "ask": "device.given"}


@dataclass(frozen=True)
class Move:
    """A move as the channels show it: `done`, `failed` (`last_error`: operators' words) or still open."""

    id: int
    device_id: str
    kind: str
    state: str
    from_user_id: int | None
    to_user_id: int | None
    claim_id: int | None
    last_error: str | None

    @property
    def done(self) -> bool:
        return self.state == "done"

    @property
    def failed(self) -> bool:
        return self.state == "failed"

    @property
    def open(self) -> bool:
        return self.state in ("requested", "released")

    @classmethod
    def from_row(cls, row: dict) -> Move:
        return cls(**{name: row.get(name) for name in cls.__dataclass_fields__})


class MoveRunner:
    """Starts, runs and resumes moves (used by the lifecycle service and the worker)."""

    def __init__(self, store, particle, claims, events, sms, devices, clock=time.time) -> None:
        self.store = store
        self.particle = particle
        self.claims = claims
        self.events = events
        self.sms = sms
        self.devices = devices
        self.clock = clock

    def start(self, device: dict, *, kind: str, from_user_id: int, to_user_id: int | None,
              actor_user_id: int | None, channel: str, offer_id: int | None = None) -> int:
        """Write a `requested` move (inside the caller's `store.transaction()`); DeviceBusy while
        the device has an open claim or move."""
        refuse_if_busy(self.store, device["device_id"])
        move_id = self.store.insert_move(
            device_id=device["device_id"], product_key=device["product_key"], kind=kind,
            from_user_id=from_user_id, to_user_id=to_user_id, actor_user_id=actor_user_id,
            offer_id=offer_id, channel=channel, now=self.clock())
        if move_id is None:
            raise errors.DeviceBusy(f"{device['device_id']} has an open move")
        return move_id

    def move(self, move_id: int) -> Move:
        return Move.from_row(self.store.move_row(move_id))

    def run(self, move_id: int) -> Move:
        """Work on the move now if nobody else is; the move as it stands after."""
        if self.store.lease_move(move_id, seconds=LEASE_SECONDS, now=self.clock()):
            self._work(self.store.move_row(move_id))
        return self.move(move_id)

    def resume_moves(self) -> int:
        """The worker: finish every open move that is due and not leased; how many were worked on."""
        ran = 0
        for move_id in self.store.due_move_ids(now=self.clock()):
            if self.store.lease_move(move_id, seconds=LEASE_SECONDS, now=self.clock()):
                self._work(self.store.move_row(move_id))
                ran += 1
        return ran

    # -- the steps --------------------------------------------------------------------------------

    def _work(self, row: dict) -> None:
        try:
            if row["state"] == "requested":
                self._release(row)
                row = self.store.move_row(row["id"])
            if row["state"] == "released":
                self._claim_for_new_owner(row)
        except errors.BffError as error:
            self._record_trouble(row, error)
        except Exception as error:  # a bug must not leave the move leased; operators see it
            logger.exception("move %s: unexpected error", row["id"])
            self._record_trouble(row, errors.BffError(f"unexpected: {error!r}"))

    def _release(self, row: dict) -> None:
        """Unclaim in the cloud (product mode: nothing there to undo), then record it with everything
        that ends with the old owner."""
        if self.particle.owners_in_cloud(row["product_key"]):
            self.particle.unclaim_device(row["product_key"], row["device_id"])
        now = self.clock()
        final = row["to_user_id"] is None
        with self.store.transaction():
            if not self.store.advance_move(row["id"], from_state="requested",
                                           state="done" if final else "released", now=now):
                return  # another worker recorded it first
            self.store.clear_device_owner(row["device_id"], now=now)
            ended_shares = self._end_shares(row, now)
            withdrawn = self._cancel_offers(row, now)
            if final:
                self.events.emit(DONE_EVENT[row["kind"]], event_data(row))
        for share in ended_shares:
            self._text(share["user_id"], texts.SHARE_ENDED_TEXT, row["device_id"], "share_ended")
        for offer in withdrawn:
            self._text(offer["answerer_user_id"], texts.WITHDRAWN_TEXTS[offer["kind"]], row["device_id"],
                       "offer_withdrawn")

    def _end_shares(self, row: dict, now: float) -> list[dict]:
        ended = []
        for share in self.store.live_shares_of_device(row["device_id"]):
            if self.store.end_share(share["id"], now=now):
                self.events.emit("device.unshared", {**event_data(row), "to_person_id": share["user_id"]})
                ended.append(share)
        return ended

    def _cancel_offers(self, row: dict, now: float) -> list[dict]:
        """The device's other open offers end with the old owner (the answerers are told)."""
        return [offer for offer in self.store.open_offers_of_device(row["device_id"])
                if offer["id"] != row["offer_id"]
                and self.store.finish_offer(offer["id"], state="cancelled", now=now)]

    def _claim_for_new_owner(self, row: dict) -> None:
        """A normal claim for the new owner (idempotent: a repeat gets the same claim)."""
        claim = self.claims.request_claim(row["to_user_id"], row["device_id"], channel=row["channel"] or "move",
                                          actor_user_id=row["actor_user_id"], operator=True)
        with self.store.transaction():
            if self.store.advance_move(row["id"], from_state="released", state="done", claim_id=claim.id,
                                       now=self.clock()):
                self.events.emit(DONE_EVENT[row["kind"]], event_data(row))

    def _record_trouble(self, row: dict, error: errors.BffError) -> None:
        now = self.clock()
        detail = f"{type(error).__name__}: {getattr(error, 'cloud_message', None) or error.detail}"
        current = self.store.move_row(row["id"])
        if error.retryable and now - row["created_at"] < GIVE_UP_SECONDS:
            delay = max(getattr(error, "retry_after", 0.0) or 0.0, _backoff(current["attempts"]))
            self.store.postpone_move(row["id"], last_error=detail, next_attempt_at=now + delay, now=now)
            return
        logger.warning("move %s of %s failed in state %s: %s", row["id"], row["device_id"], current["state"], detail)
        self.store.advance_move(row["id"], from_state=current["state"], state="failed", last_error=detail, now=now)

    def _text(self, user_id: int, template: str, device_id: str, purpose: str) -> None:
        phone = (self.store.user(user_id) or {}).get("phone")
        if phone:
            self.sms.send(phone, template.format(device=self.devices.short_name(device_id)), purpose=purpose)


def refuse_if_busy(store, device_id: str) -> None:
    """DeviceBusy while a claim or a move of the device is open."""
    claim = store.open_claim_of_device(device_id)
    if claim is not None:
        raise errors.DeviceBusy(f"claim {claim['id']} of {device_id} is open")
    move = store.open_move_of_device(device_id)
    if move is not None:
        raise errors.DeviceBusy(f"move {move['id']} of {device_id} is open")


def event_data(row: dict) -> dict:
    """A move's webhook data: ids a receiver can act on, never a phone number."""
    return {"device_id": row["device_id"], "product": row["product_key"], "from_person_id": row["from_user_id"],
            "to_person_id": row["to_user_id"], "channel": row["channel"], "kind": row["kind"]}


def _backoff(attempts: int) -> float:
    first, cap = TROUBLE_RETRY_SECONDS
    return min(cap, first * 2 ** max(0, attempts - 1))
