"""Offers: a question bff asks one person, answered YES or NO (a give, an ask, a share invite).

`Offer` is what the channels show; `OfferBook` is the shared ground of the lifecycle services
(bff/ownership/lifecycle.py): who owns a device, the refusals every flow shares, opening an offer
(one open give per device, one open ask or invite per device and person: a repeat gets the same
offer back), texting its question (durable first: the offer is in SQLite before the text, and a
question a crash left untexted is texted by `text_unsent_questions`), cancelling, expiring.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from bff import errors
from bff.accounts.phones import e164_or_normalized
from bff.device_ids import normalize_device_id
from bff.ownership import texts
from bff.ownership.moves import Move, MoveRunner, refuse_if_busy

OFFER_DAYS = 7
INVITES_PER_HOUR = 10  # gives and shares a person may send in an hour
OFFER_SECONDS = OFFER_DAYS * 24 * 3600.0
UNSENT_QUESTION_SECONDS = 60.0  # an offer this old whose question was never texted is texted by the worker


@dataclass(frozen=True)
class Offer:
    """An offer. `kind`: give | ask | share; `state`: open | accepted | declined | cancelled | expired.
    `owner_user_id` owned the device when it was made; `other_user_id` is the receiver, asker or
    invitee; `answerer_user_id` answers YES or NO. `device_name`: the device's name for texts."""

    id: int
    kind: str
    device_id: str
    product_key: str
    owner_user_id: int
    other_user_id: int
    answerer_user_id: int
    channel: str | None
    state: str
    created_at: float
    expires_at: float
    answered_at: float | None
    decided_by: int | None
    move_id: int | None
    device_name: str

    @property
    def open(self) -> bool:
        return self.state == "open"

    @property
    def starter_user_id(self) -> int:
        """Who made the offer (and may cancel it): the owner for a give or share, the asker for an ask."""
        return self.other_user_id if self.kind == "ask" else self.owner_user_id

    @property
    def question(self) -> str:
        """The question in a few words ("take the device pump_house")."""
        return texts.question_words(self.kind, self.device_name)


class OfferBook:
    """The ground the lifecycle flows share (see the module's docstring)."""

    def __init__(self, store, particle, claims, devices, accounts, sms, events, audit, *,
                 public_url: str, rate_limit=None, clock=time.time) -> None:
        self.store = store
        self.claims = claims
        self.devices = devices
        self.accounts = accounts
        self.sms = sms
        self.events = events
        self.audit = audit
        self.public_url = public_url.rstrip("/")
        self.rate_limit = rate_limit  # callable(key, limit=, window_seconds=) -> True when over
        self.clock = clock
        self.moves = MoveRunner(store, particle, claims, events, sms, devices, clock)

    # -- reading offers ---------------------------------------------------------------------------

    def offer(self, offer_id: int) -> Offer | None:
        row = self.store.offer_row(offer_id)
        return self._offer(row) if row else None

    def offer_for(self, user, offer_id: int) -> Offer:
        """The offer if the person takes part in it (owner, receiver, asker or invitee); else OfferNotFound."""
        offer = self.offer(offer_id)
        if offer is None or user_id_of(user) not in (offer.owner_user_id, offer.other_user_id,
                                                     offer.answerer_user_id):
            raise errors.OfferNotFound(f"offer {offer_id} is not person {user_id_of(user)}'s")
        return offer

    def offer_link(self, offer_id: int) -> str:
        """The offer's page, where the answerer says YES or NO (built by the web channel)."""
        return f"{self.public_url}/offers/{offer_id}"

    def _offer(self, row: dict) -> Offer:
        fields = {name: row.get(name) for name in Offer.__dataclass_fields__ if name != "device_name"}
        return Offer(**fields, device_name=self.devices.short_name(row["device_id"]))

    # -- cancelling and expiring ------------------------------------------------------------------

    def cancel_offer(self, user, offer_id: int) -> Offer:
        """The person who made the offer withdraws it while it is open; the answerer is told."""
        offer = self.offer_for(user, offer_id)
        if offer.starter_user_id != user_id_of(user):
            raise errors.OfferNotFound(f"person {user_id_of(user)} did not make offer {offer_id}")
        if not self.store.finish_offer(offer_id, state="cancelled", now=self.clock()):
            raise errors.OfferClosed(f"offer {offer_id} is {self.store.offer_row(offer_id)['state']}")
        self._text(offer.answerer_user_id, texts.WITHDRAWN_TEXTS[offer.kind], offer.device_id, "offer_withdrawn")
        return self.offer(offer_id)

    def expire_offers(self) -> int:
        """The worker: open offers past their 7 days end `expired`; whoever made each is told. How many."""
        expired = 0
        for offer_id in self.store.expired_open_offer_ids(now=self.clock()):
            if self.store.finish_offer(offer_id, state="expired", now=self.clock()):
                offer = self.offer(offer_id)
                self._text(offer.starter_user_id, texts.ENDED_TEXTS[(offer.kind, "expired")], offer.device_id,
                           f"offer_{offer.kind}_expired")
                expired += 1
        return expired

    def text_unsent_questions(self) -> int:
        """The worker: text the question of open offers a crash left untexted; how many."""
        offer_ids = self.store.unnotified_offer_ids(created_before=self.clock() - UNSENT_QUESTION_SECONDS)
        return sum(self._ask_question(self.offer(offer_id)) for offer_id in offer_ids)

    def resume_moves(self) -> int:
        """The worker: finish moves a crash or cloud trouble left open (bff/ownership/moves.py)."""
        return self.moves.resume_moves()

    # -- the shared rules -------------------------------------------------------------------------

    def _known_device(self, device_id: str) -> dict:
        device_id = normalize_device_id(device_id)
        row = self.store.device(device_id)
        if row is None or not row.get("product_key"):
            try:  # not known yet: looked up in the products once, then kept (as a claim does)
                return self.store.device(self.devices.find(device_id).device_id)
            except errors.ClaimRefused:
                pass
            raise errors.UnknownDevice(f"unknown device {device_id}")
        return row

    def _owned_device(self, user, device_id: str) -> dict:
        """The device if the person owns it; shared people and others are refused in plain words."""
        row = self._known_device(device_id)
        person_id = user_id_of(user)
        if self.store.owner_user_id_of_device(row["device_id"]) == person_id:
            return row
        if self.store.live_share(row["device_id"], person_id):
            raise errors.SharedUserOnly(f"person {person_id} shares {row['device_id']}, not its owner")
        raise errors.NotTheOwner(f"person {person_id} does not own {row['device_id']}")

    def recipient_number(self, user, phone: str) -> str:
        """`phone` as the number to give or share with (E.164); refuses an invalid number and the
        person's own (channels ask before they show a confirmation)."""
        number = e164_or_normalized(phone, self.accounts.default_region)  # raises InvalidPhoneNumber
        own = getattr(user, "phone", None) or (self.store.user(user_id_of(user)) or {}).get("phone")
        if own and number == own:
            raise errors.OwnNumber(f"person {user_id_of(user)} gave their own number")
        return number

    def _other_person(self, user, phone: str):
        """The person of `phone` (made if new); refuses an invalid number and the person's own."""
        person = self.accounts.user_for_phone(self.recipient_number(user, phone))
        if person.id == user_id_of(user):
            raise errors.OwnNumber(f"person {person.id} gave their own number")
        return person

    def _refuse_if_busy(self, device_id: str) -> None:
        refuse_if_busy(self.store, device_id)

    def _start_offer_move(self, row: dict, *, actor_user_id: int | None, channel: str) -> int:
        """The move of an accepted give or ask (inside the transaction that accepted it)."""
        device = self.store.device(row["device_id"])
        move_id = self.moves.start(device, kind=row["kind"], from_user_id=row["owner_user_id"],
                                   to_user_id=row["other_user_id"], actor_user_id=actor_user_id,
                                   channel=channel, offer_id=row["id"])
        self.store.set_offer_move(row["id"], move_id)
        return move_id

    def _finished(self, move: Move) -> Move:
        """The move, unless the cloud refused it (MoveFailed; the reason stays on the move for operators)."""
        if move.failed:
            raise errors.MoveFailed(f"move {move.id} of {move.device_id}: {move.last_error}")
        return move

    def _check_invite_rate(self, owner_id: int) -> None:
        """Each give or share texts a number (and may make a person): a few an hour per person."""
        if self.rate_limit is not None and self.rate_limit(f"invites:user:{owner_id}", limit=INVITES_PER_HOUR,
                                                           window_seconds=3600):
            raise errors.TooManyInvites(f"person {owner_id} is over {INVITES_PER_HOUR} gives and shares an hour")

    def _open_offer(self, kind: str, device: dict, *, owner_id: int, other_id: int, answerer_id: int,
                    channel: str) -> Offer:
        """Store a new open offer and text its question; a repeat gets the open one back (not texted again)."""
        if kind in ("give", "share"):
            self._check_invite_rate(owner_id)
        now = self.clock()
        offer_id = self.store.insert_offer(
            kind=kind, device_id=device["device_id"], product_key=device["product_key"], owner_user_id=owner_id,
            other_user_id=other_id, answerer_user_id=answerer_id, channel=channel,
            expires_at=now + OFFER_SECONDS, now=now)
        if offer_id is None:
            existing = self.store.open_offer(kind, device["device_id"], other_id)
            if existing is None:  # only a give to someone else can be in the way
                raise errors.AlreadyOffered(f"{device['device_id']} is offered to someone else")
            return self._offer(existing)
        offer = self.offer(offer_id)
        self._ask_question(offer)
        return offer

    def _ask_question(self, offer: Offer) -> bool:
        """Text the answerer the question, once (`notified_at`); False if it was texted already."""
        if not self.store.mark_offer_notified(offer.id, now=self.clock()):
            return False
        link = self.offer_link(offer.id) if offer.kind != "ask" else None
        phone = (self.store.user(offer.answerer_user_id) or {}).get("phone")
        if phone:
            self.sms.send(phone, texts.question_text(offer.kind, offer.device_name, link),
                          purpose=f"offer_{offer.kind}")
        return True

    def _text(self, user_id: int | None, template: str, device_id: str, purpose: str) -> None:
        phone = (self.store.user(user_id) or {}).get("phone") if user_id else None
        if phone:
            self.sms.send(phone, template.format(device=self.devices.short_name(device_id)), purpose=purpose)

    def offers_made_by(self, user, device_id: str | None = None) -> list[Offer]:
        """The open offers the person made: all of them (gives, invites and their asks), or those
        of one of their devices that have not expired."""
        maker = user_id_of(user)
        if device_id is None:
            return [self._offer(row) for row in self.store.open_offers_made_by(maker)]
        return [self._offer(row) for row in self.store.open_offers_of_device(device_id)
                if row["owner_user_id"] == maker and row["expires_at"] > self.clock()]

    def offers_made_by_for_devices(self, user, device_ids: list[str]) -> dict[str, list[Offer]]:
        """`offers_made_by(user, device_id)` for every device of a page, in one read."""
        maker, now = user_id_of(user), self.clock()
        found: dict[str, list[Offer]] = {device_id.lower(): [] for device_id in device_ids}
        for row in self.store.open_offers_of_devices(device_ids):
            if row["owner_user_id"] == maker and row["expires_at"] > now:
                found[row["device_id"]].append(self._offer(row))
        return found


def user_id_of(user) -> int:
    """A person's id, from a `User` (or anything with `.id`) or the id itself."""
    return user if isinstance(user, int) else user.id
