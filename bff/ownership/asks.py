"""Ask the owner (resale, second hand): someone who is not a device's owner asks for it.

The owner is texted "Someone asks for your device NAME. Reply YES to give it to them or NO to keep
it" (nobody's phone number is shown to either side); YES moves the device to the asker (an `ask`
move), NO or 7 days of silence ends the ask and the asker is told. An ask nobody answered is listed
for operators (`open_asks_for_operators`), who may decide it (`decide_ask`, audited).
Limits: `ASKS_PER_ASKER_PER_DAY`, `ASKS_PER_DEVICE_PER_DAY`; an owner stops further asks for a
device with `stop_asks` (SMS `BLOCK <device>`, named in the ask's text) and allows them again
with `allow_asks`. Channels must have the asker's proof of possession (QR tag or label code)
before they call `ask_owner`, as for a claim.
"""
from __future__ import annotations

from bff import errors
from bff.audit import OK, REFUSED
from bff.ownership import texts
from bff.ownership.offers import Offer, OfferBook, user_id_of

ASKS_PER_ASKER_PER_DAY = 5
ASKS_PER_DEVICE_PER_DAY = 3
DAY_SECONDS = 24 * 3600
DECIDE_ACTION = "ask.decide"


class Asks(OfferBook):
    """Asks for a device (mixed into `LifecycleService`)."""

    def ask_owner(self, user, device_id: str, *, channel: str) -> Offer:
        """Ask the device's owner to give it to this person; a repeat gets the same open ask."""
        device = self._known_device(device_id)
        asker_id, owner_id = user_id_of(user), self.store.owner_user_id_of_device(device["device_id"])
        if owner_id is None:
            raise errors.NoOwnerToAsk(f"{device['device_id']} has no owner of ours")
        if owner_id == asker_id:
            raise errors.AlreadyYours(f"person {asker_id} owns {device['device_id']}")
        repeat = self.store.open_offer("ask", device["device_id"], asker_id)
        if repeat is not None:
            return self._offer(repeat)
        if self.store.asks_blocked(device["device_id"], owner_id):
            raise errors.AsksStopped(f"owner {owner_id} stopped asks for {device['device_id']}")
        self._refuse_if_busy(device["device_id"])
        self._check_ask_rate(asker_id, device["device_id"])
        return self._open_offer("ask", device, owner_id=owner_id, other_id=asker_id, answerer_id=owner_id,
                                channel=channel)

    def _check_ask_rate(self, asker_id: int, device_id: str) -> None:
        if self.rate_limit is None:
            return
        limits = ((f"asks:user:{asker_id}", ASKS_PER_ASKER_PER_DAY),
                  (f"asks:device:{device_id}", ASKS_PER_DEVICE_PER_DAY))
        for key, limit in limits:
            if self.rate_limit(key, limit=limit, window_seconds=DAY_SECONDS):
                raise errors.TooManyAsks(f"{key} is over {limit} a day")

    def stop_asks(self, owner, device_id: str) -> int:
        """The owner takes no more asks for the device; open asks are declined (askers told). How many."""
        device = self._owned_device(owner, device_id)
        self.store.block_asks(device["device_id"], user_id_of(owner), now=self.clock())
        asks = [row for row in self.store.open_offers_of_device(device["device_id"]) if row["kind"] == "ask"]
        return sum(self._end_ask(row, "declined") for row in asks)

    def allow_asks(self, owner, device_id: str) -> None:
        """The owner takes asks for the device again."""
        device = self._owned_device(owner, device_id)
        self.store.unblock_asks(device["device_id"], user_id_of(owner))

    def _end_ask(self, row: dict, state: str, decided_by: int | None = None) -> bool:
        if not self.store.finish_offer(row["id"], state=state, decided_by=decided_by, now=self.clock()):
            return False
        self._text(row["other_user_id"], texts.ENDED_TEXTS[("ask", state)], row["device_id"], f"offer_ask_{state}")
        return True

    # -- operators --------------------------------------------------------------------------------

    def open_asks_for_operators(self) -> list[Offer]:
        """Asks the owner left unanswered for 7 days and no operator decided yet, oldest first."""
        return [self._offer(row) for row in self.store.undecided_asks()]

    def decide_ask(self, operator, offer_id: int, yes: bool) -> Offer:
        """An operator decides an unanswered ask (audited): YES moves the device to the asker (while
        the owner still owns it), NO ends the ask. The asker is texted either way."""
        row = self.store.offer_row(offer_id)
        if row is None or row["kind"] != "ask":
            self._audit(operator, row, REFUSED, f"no ask {offer_id}")
            raise errors.OfferNotFound(f"no ask {offer_id}")
        try:
            move = self._accept_ask_for(operator, row) if yes else self._decline_ask_for(operator, row)
        except errors.BffError as error:
            self._audit(operator, row, REFUSED, f"ask {offer_id}: {error.detail}")
            raise
        self._audit(operator, row, OK, f"ask {offer_id} {'yes: move ' + str(move.id) if yes else 'no'}")
        self._text(row["other_user_id"], texts.DECIDED_TEXTS[yes], row["device_id"], "offer_ask_decided")
        return self.offer(offer_id)

    def _accept_ask_for(self, operator, row: dict):
        with self.store.transaction():
            if self.store.owner_user_id_of_device(row["device_id"]) != row["owner_user_id"]:
                raise errors.OfferClosed(f"{row['device_id']} changed hands since ask {row['id']}")
            self._refuse_if_busy(row["device_id"])
            if not self.store.finish_offer(row["id"], state="accepted", from_states=("open", "expired"),
                                           decided_by=user_id_of(operator), now=self.clock()):
                raise errors.OfferClosed(f"ask {row['id']} was decided already")
            move_id = self._start_offer_move(row, actor_user_id=user_id_of(operator), channel="ops")
        return self._finished(self.moves.run(move_id))

    def _decline_ask_for(self, operator, row: dict):
        if not self.store.finish_offer(row["id"], state="declined", from_states=("open", "expired"),
                                       decided_by=user_id_of(operator), now=self.clock()):
            raise errors.OfferClosed(f"ask {row['id']} was decided already")
        return None

    def _audit(self, operator, row: dict | None, result: str, detail: str) -> None:
        if self.audit is not None:
            self.audit.record(operator, DECIDE_ACTION, result=result, device_id=(row or {}).get("device_id"),
                              person_id=(row or {}).get("other_user_id"), detail=detail)

    def asks_stopped(self, owner, device_id: str) -> bool:
        """True when the owner stopped asks for this device."""
        return bool(self.store.asks_blocked(device_id, user_id_of(owner)))

    def devices_with_asks_stopped(self, owner) -> set[str]:
        """The devices whose owner stopped asks (`asks_stopped` for a whole page at once)."""
        return self.store.devices_with_asks_blocked(user_id_of(owner))

    def may_ask(self, user, device_id: str) -> bool:
        """True when asking the owner for this device can work: one of bff's people owns it, not
        this person, and takes asks."""
        owner = self.store.owner_user_id_of_device(device_id)
        return owner is not None and owner != user_id_of(user) and not self.store.asks_blocked(device_id, owner)

