"""Shares: the owner lets another phone see, follow and rename a device (not remove, give or share it).

`share` invites (the invitee answers YES or NO; accepted: a live share, `device.shared`); `unshare`
(the owner, by the person's phone) and `leave_share` (the shared person) end it, `device.unshared`.
The cloud owner stays the owner's shadow customer. Shares end by themselves when the device leaves
its owner (bff/ownership/moves.py). Shared devices show with the owned ones in
`DeviceService.devices_of` (a `shared` flag).
"""
from __future__ import annotations

from dataclasses import dataclass

from bff import errors
from bff.accounts.phones import e164_or_normalized
from bff.devices import DeviceView
from bff.ownership import texts
from bff.ownership.offers import Offer, OfferBook, user_id_of


@dataclass(frozen=True)
class Share:
    """A live share: `user_id` sees the device `owner_user_id` owns."""

    id: int
    device_id: str
    owner_user_id: int
    user_id: int
    created_at: float

    @classmethod
    def from_row(cls, row: dict) -> Share:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


class Shares(OfferBook):
    """Sharing a device (mixed into `LifecycleService`)."""

    def share(self, user, device_id: str, phone: str, *, channel: str) -> Offer:
        """Invite the person of `phone` to share the device; a repeat gets the same open invite."""
        device = self._owned_device(user, device_id)
        invitee = self._other_person(user, phone)
        if self.store.live_share(device["device_id"], invitee.id):
            raise errors.AlreadyShared(f"{device['device_id']} is shared with person {invitee.id}")
        repeat = self.store.open_offer("share", device["device_id"], invitee.id)
        if repeat is not None:
            return self._offer(repeat)
        if self.store.open_move_of_device(device["device_id"]):
            raise errors.DeviceBusy(f"{device['device_id']} is moving")
        return self._open_offer("share", device, owner_id=user_id_of(user), other_id=invitee.id,
                                answerer_id=invitee.id, channel=channel)

    def unshare(self, user, device_id: str, phone: str, *, channel: str = "sms") -> None:
        """The owner ends the share with the person of `phone` (or withdraws the open invite)."""
        device = self._owned_device(user, device_id)
        person = self.accounts.user_for_phone(e164_or_normalized(phone, self.accounts.default_region), create=False)
        share = self.store.live_share(device["device_id"], person.id) if person else None
        if share is None:
            invite = self.store.open_offer("share", device["device_id"], person.id) if person else None
            if invite is None:
                raise errors.NotShared(f"{device['device_id']} is not shared with that number")
            self.cancel_offer(user, invite["id"])
            return
        self._end(share, channel)
        self._text(share["user_id"], texts.SHARE_ENDED_TEXT, share["device_id"], "share_ended")

    def leave_share(self, user, device_id: str, *, channel: str = "sms") -> None:
        """The shared person stops sharing the device."""
        share = self.store.live_share(self._known_device(device_id)["device_id"], user_id_of(user))
        if share is None:
            raise errors.NotShared(f"{device_id} is not shared with person {user_id_of(user)}")
        self._end(share, channel)

    def end_share(self, user, share_id: int, *, channel: str = "web") -> None:
        """End a share by its id (pages, API): the owner or the shared person may."""
        share = self.store.share_row(share_id)
        if share is None or share["ended_at"] is not None or user_id_of(user) not in (
                share["owner_user_id"], share["user_id"]):
            raise errors.NotShared(f"no live share {share_id} of person {user_id_of(user)}")
        self._end(share, channel)
        if user_id_of(user) == share["owner_user_id"]:
            self._text(share["user_id"], texts.SHARE_ENDED_TEXT, share["device_id"], "share_ended")

    def shares_of(self, device_id: str) -> list[Share]:
        """The device's live shares, oldest first."""
        return [Share.from_row(row) for row in self.store.live_shares_of_device(device_id)]

    def shares_of_devices(self, device_ids: list[str]) -> dict[str, list[Share]]:
        """`shares_of` for every device of a page, in one read: {device ID: its live shares}."""
        found: dict[str, list[Share]] = {device_id.lower(): [] for device_id in device_ids}
        for row in self.store.live_shares_of_devices(device_ids):
            found[row["device_id"]].append(Share.from_row(row))
        return found

    def shared_with(self, user_id: int) -> list[DeviceView]:
        """The devices shared with the person (not their own)."""
        return [self.devices.view(row) for row in self.store.devices_shared_with_user(user_id)]

    def _end(self, share: dict, channel: str) -> None:
        device = self.store.device(share["device_id"])
        with self.store.transaction():
            if self.store.end_share(share["id"], now=self.clock()):
                self.events.emit("device.unshared", share_event(device, share, channel))

    def _accept_share(self, row: dict, channel: str) -> None:
        """Inside the accepting transaction: the live share and `device.shared`."""
        share_id = self.store.insert_share(device_id=row["device_id"], owner_user_id=row["owner_user_id"],
                                           user_id=row["other_user_id"], offer_id=row["id"], now=self.clock())
        if share_id is not None:
            share = {"owner_user_id": row["owner_user_id"], "user_id": row["other_user_id"]}
            self.events.emit("device.shared", share_event(self.store.device(row["device_id"]), share, channel))


def share_event(device: dict, share: dict, channel: str) -> dict:
    """A share's webhook data: ids only, never a phone number."""
    return {"device_id": device["device_id"], "product": device["product_key"],
            "from_person_id": share["owner_user_id"], "to_person_id": share["user_id"], "channel": channel}
