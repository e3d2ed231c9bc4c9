"""Remove a device from one's account, and give it to another phone (bff/ownership/lifecycle.py).

- `remove`: the owner only; refused while a claim or move of the device is open; a move of kind
  `remove` unclaims it in the cloud and clears bff's owner; the label code stays, so the next
  owner can claim it with the same box label; `device.released`.
- `give`: the owner offers the device to another phone (a new number becomes a new person); the
  receiver is texted the question (YES / NO, or the offer's page). Accepted, a `give` move runs
  (bff/ownership/answers.py); `device.given`.
"""
from __future__ import annotations

from bff import errors
from bff.ownership.moves import Move
from bff.ownership.offers import Offer, OfferBook, user_id_of


class Gives(OfferBook):
    """Remove and give (mixed into `LifecycleService`)."""

    def remove(self, user, device_id: str, *, channel: str) -> Move:
        """Take the device off the person's account (cloud and bff). The move as it stands: `done`,
        or open when the cloud is busy (the worker finishes it). MoveFailed if the cloud refused."""
        device = self._owned_device(user, device_id)
        with self.store.transaction():
            move_id = self.moves.start(device, kind="remove", from_user_id=user_id_of(user), to_user_id=None,
                                       actor_user_id=user_id_of(user), channel=channel)
        return self._finished(self.moves.run(move_id))

    def give(self, user, device_id: str, phone: str, *, channel: str) -> Offer:
        """Offer the device to the person of `phone`; a repeat of the same give gets the same offer."""
        device = self._owned_device(user, device_id)
        receiver = self._other_person(user, phone)
        open_give = self.store.open_give_of_device(device["device_id"])
        if open_give is not None:
            if open_give["other_user_id"] != receiver.id:
                raise errors.AlreadyOffered(f"{device['device_id']} is offered in offer {open_give['id']}")
            return self._offer(open_give)
        self._refuse_if_busy(device["device_id"])
        return self._open_offer("give", device, owner_id=user_id_of(user), other_id=receiver.id,
                                answerer_id=receiver.id, channel=channel)
