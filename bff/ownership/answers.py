"""YES and NO: a person's open questions (offers they are to answer), and their answers.

`open_questions` numbers them 1..n, newest first; `answer(user, yes, number)` answers the one open
question, or the numbered one; with several open and no number it raises `WhichQuestion`, whose
words list them ("1 take the device X, 2 ...") for one SMS. `accept` / `decline` answer an offer
by its id (the offer's page, the API).

Races: the answer is a conditional UPDATE (`state = 'open'`) in one write transaction with what
follows from it (the move row, or the share and its event), so of two accepts of one offer one
wins and the other gets `OfferClosed`. CHOICE: accepting a give or an ask while the device has an
open claim or move is refused (`DeviceBusy`) and the offer stays open, so the person can answer
again once that is over (the offer still ends after its 7 days).
"""
from __future__ import annotations

from dataclasses import dataclass

from bff import errors
from bff.ownership import texts
from bff.ownership.moves import Move
from bff.ownership.offers import Offer, OfferBook, user_id_of


@dataclass(frozen=True)
class Question:
    """An open question as a person sees it: its number (for YES 2), the offer, a few words."""

    number: int
    offer: Offer
    words: str


@dataclass(frozen=True)
class Answer:
    """What a YES or NO did: the offer after it, the move it started (give, ask), the reply to show."""

    offer: Offer
    accepted: bool
    move: Move | None
    reply: str


class Answers(OfferBook):
    """YES and NO (mixed into `LifecycleService`)."""

    def open_questions(self, user, *, as_of: float | None = None) -> list[Question]:
        """The person's open questions, newest first, numbered from 1. `as_of`: the list as it
        stood then (a message the worker runs again: the list its sender saw), including
        questions answered or ended since (answering one of them again says it is closed)."""
        if as_of is None:
            rows = self.store.open_offers_to_answer(user_id_of(user), now=self.clock())
        else:
            rows = self.store.offers_open_at(user_id_of(user), at=as_of)
        offers = [self._offer(row) for row in rows]
        return [Question(number, offer, offer.question) for number, offer in enumerate(offers, start=1)]

    def answer(self, user, yes: bool, number: int | None = None, *, channel: str = "sms") -> Answer:
        """YES or NO to the person's one open question, or to question `number`."""
        questions = self.open_questions(user)
        if not questions:
            raise errors.NothingToAnswer(f"person {user_id_of(user)} has no open question")
        if number is None and len(questions) == 1:
            number = 1
        if number is None or not 1 <= number <= len(questions):
            message, next_step = texts.which_question([question.words for question in questions])
            raise errors.WhichQuestion(f"{len(questions)} open, number {number}", public_message=message,
                                       next_step=next_step)
        offer = questions[number - 1].offer
        return self.accept(user, offer.id, channel=channel) if yes else self.decline(user, offer.id)

    def answer_of_message(self, message_sid: str) -> Answer | None:
        """The YES or NO an SMS gave already, if it did: a message the worker runs again after a
        crash (bff/sms/inbox.py) answers with it instead of answering another question."""
        row = self.store.offer_answered_by_message(message_sid)
        if row is None:
            return None
        move = self.moves.move(row["move_id"]) if row["move_id"] else None
        return self._answered(row["id"], row["state"] == "accepted", move)

    def accept(self, user, offer_id: int, *, channel: str = "sms", message_sid: str | None = None) -> Answer:
        """YES: a give or ask moves the device; a share invite starts the share. `message_sid`:
        the SMS that said it (kept with the answer)."""
        row = self._answerable(user, offer_id)
        with self.store.transaction():
            if self.store.offer_row(offer_id)["state"] != "open":  # under the write lock: a second YES ends here
                raise errors.OfferClosed(f"offer {offer_id} was answered already")
            if row["kind"] != "share":
                self._refuse_if_busy(row["device_id"])  # the offer stays open
            if not self.store.finish_offer(offer_id, state="accepted", message_sid=message_sid, now=self.clock()):
                raise errors.OfferClosed(f"offer {offer_id} was answered already")
            if row["kind"] == "share":
                self._accept_share(row, channel)
                move_id = None
            else:
                move_id = self._start_offer_move(row, actor_user_id=user_id_of(user), channel=channel)
        move = self._finished(self.moves.run(move_id)) if move_id else None
        self._tell_starter(row, "accepted")
        return self._answered(offer_id, True, move)

    def decline(self, user, offer_id: int, *, message_sid: str | None = None) -> Answer:
        """NO: the offer ends; whoever made it is told (`message_sid`: as for `accept`)."""
        row = self._answerable(user, offer_id)
        if not self.store.finish_offer(offer_id, state="declined", message_sid=message_sid, now=self.clock()):
            raise errors.OfferClosed(f"offer {offer_id} was answered already")
        self._tell_starter(row, "declined")
        return self._answered(offer_id, False, None)

    def _answerable(self, user, offer_id: int) -> dict:
        """The offer if it is this person's to answer and still open (an offer past its end is expired now)."""
        row = self.store.offer_row(offer_id)
        if row is None or row["answerer_user_id"] != user_id_of(user):
            raise errors.OfferNotFound(f"offer {offer_id} is not person {user_id_of(user)}'s to answer")
        if row["state"] != "open":
            raise errors.OfferClosed(f"offer {offer_id} is {row['state']}")
        if row["expires_at"] <= self.clock():
            raise errors.OfferClosed(f"offer {offer_id} is past its end")  # the worker marks it expired
        if self.store.owner_user_id_of_device(row["device_id"]) != row["owner_user_id"]:
            self.store.finish_offer(offer_id, state="cancelled", now=self.clock())
            raise errors.OfferClosed(f"{row['device_id']} changed hands since offer {offer_id}")
        return row

    def _tell_starter(self, row: dict, state: str) -> None:
        starter = row["other_user_id"] if row["kind"] == "ask" else row["owner_user_id"]
        self._text(starter, texts.ENDED_TEXTS[(row["kind"], state)], row["device_id"], f"offer_{row['kind']}_{state}")

    def _answered(self, offer_id: int, accepted: bool, move: Move | None) -> Answer:
        offer = self.offer(offer_id)
        reply = texts.ANSWER_REPLIES[(offer.kind, accepted)].format(device=offer.device_name)
        return Answer(offer=offer, accepted=accepted, move=move, reply=reply)
