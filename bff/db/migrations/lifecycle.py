"""Migrations 9 and 13: after the first claim."""
from __future__ import annotations

import sqlite_utils


def v9_lifecycle(db: sqlite_utils.Database) -> None:
    """After the first claim: moves of a device between people, offers (give, ask, share) and their
    YES/NO answers, shares, number changes, serial-number look-ups, the webhook outbox."""
    # A move takes a device out of one person's shadow customer (unclaim) and, for a give or an
    # accepted ask, into another's (claim). Recorded before the cloud is called; the worker
    # finishes it after a crash. kind: remove | give | ask | release. state: requested (nothing
    # done in the cloud yet) -> released (unclaimed; a claim for to_user_id follows) -> done |
    # failed (nothing moved; last_error says why). One open move per device (unique index).
    db["moves"].create(
        {"id": int, "device_id": str, "product_key": str, "kind": str, "from_user_id": int,
         "to_user_id": int, "actor_user_id": int, "offer_id": int, "claim_id": int, "channel": str,
         "state": str, "attempts": int, "next_attempt_at": float, "leased_until": float,
         "last_error": str, "created_at": float, "updated_at": float, "finished_at": float},
        pk="id", not_null={"device_id", "kind", "state", "attempts", "created_at", "updated_at"},
        defaults={"attempts": 0},
    )
    db.execute("CREATE UNIQUE INDEX idx_moves_one_open_per_device ON moves (device_id) "
               "WHERE state IN ('requested', 'released')")
    db["moves"].create_index(["state", "next_attempt_at"])

    # Offers: a question bff asks one person, answered YES or NO (SMS, page or API).
    # kind: give (the owner offers the device to another phone; the receiver answers), ask (someone
    # asks the owner for it; the owner answers), share (the owner invites another phone; the invitee
    # answers). state: open -> accepted | declined | cancelled | expired (7 days).
    # owner_user_id: the device's owner when asked; other_user_id: receiver, asker or invitee;
    # answerer_user_id: who answers YES or NO.
    db["offers"].create(
        {"id": int, "kind": str, "device_id": str, "product_key": str, "owner_user_id": int,
         "other_user_id": int, "answerer_user_id": int, "channel": str, "state": str,
         "created_at": float, "expires_at": float, "answered_at": float, "decided_by": int,
         "move_id": int, "notified_at": float},
        pk="id", not_null={"kind", "device_id", "owner_user_id", "other_user_id", "answerer_user_id",
                           "state", "created_at", "expires_at"},
    )
    db["offers"].create_index(["answerer_user_id", "state", "id"])
    db["offers"].create_index(["device_id", "state"])
    db["offers"].create_index(["state", "expires_at"])
    # At most one open give per device, one open ask per (device, asker), one open invite per
    # (device, invitee): a double tap or a repeated text gets the same offer.
    db.execute("CREATE UNIQUE INDEX idx_offers_one_open ON offers (kind, device_id, other_user_id) "
               "WHERE state = 'open'")
    db.execute("CREATE UNIQUE INDEX idx_offers_one_open_give ON offers (device_id) "
               "WHERE state = 'open' AND kind = 'give'")

    # Owners who asked bff to stop passing on asks for a device.
    db["ask_blocks"].create({"device_id": str, "owner_user_id": int, "created_at": float},
                            pk=("device_id", "owner_user_id"), not_null={"created_at"})

    # Shares: the owner lets another person see, follow and rename a device (not remove, give or
    # share it). The cloud owner stays the owner's shadow customer. ended_at: unshared, or the
    # device left the owner.
    db["shares"].create(
        {"id": int, "device_id": str, "owner_user_id": int, "user_id": int, "offer_id": int,
         "created_at": float, "ended_at": float},
        pk="id", not_null={"device_id", "owner_user_id", "user_id", "created_at"},
    )
    db.execute("CREATE UNIQUE INDEX idx_shares_one_live ON shares (device_id, user_id) WHERE ended_at IS NULL")
    db["shares"].create_index(["user_id", "ended_at"])

    # A person moving to a new phone number. state: open (codes sent) -> done | cancelled.
    # new_proven_at / old_proven_at: the code sent to that number came back. by_operator_id: an
    # operator vouched for the person instead of the old number (audited).
    db["number_changes"].create(
        {"id": int, "user_id": int, "old_phone": str, "new_phone": str, "state": str,
         "new_proven_at": float, "old_proven_at": float, "by_operator_id": int,
         "created_at": float, "expires_at": float, "finished_at": float},
        pk="id", not_null={"user_id", "new_phone", "state", "created_at", "expires_at"},
    )
    db["number_changes"].create_index(["user_id", "state"])

    # The cloud's serial-number look-ups, kept: it allows only a few an hour. device_id NULL: the
    # cloud knows no device with that serial number (kept too, for a while).
    db["serial_lookups"].create(
        {"serial_number": str, "product_key": str, "device_id": str, "looked_up_at": float},
        pk=("serial_number", "product_key"), not_null={"looked_up_at"},
    )
    db["devices"].create_index(["iccid"])

    # The webhook outbox: each event is stored with the change that caused it (one transaction),
    # then delivered to every configured endpoint at least once by the worker.
    db["webhook_events"].create(
        {"id": int, "event_id": str, "type": str, "payload": str, "created_at": float},
        pk="id", not_null={"event_id", "type", "payload", "created_at"},
    )
    db["webhook_events"].create_index(["event_id"], unique=True)
    # state: pending -> delivered | failed (gave up after the last attempt).
    db["webhook_deliveries"].create(
        {"id": int, "event_id": str, "url": str, "state": str, "attempts": int,
         "next_attempt_at": float, "leased_until": float, "last_status": int, "last_error": str,
         "created_at": float, "updated_at": float, "delivered_at": float},
        pk="id", not_null={"event_id", "url", "state", "attempts", "created_at", "updated_at"},
        defaults={"attempts": 0},
    )
    db["webhook_deliveries"].create_index(["state", "next_attempt_at"])
    db["webhook_deliveries"].create_index(["url", "id"])


def v13_offer_answer_messages(db: sqlite_utils.Database) -> None:
    """The SMS (its Twilio `MessageSid`) that answered an offer YES or NO, so a message the worker
    runs again after a crash finds the answer it gave (bff/sms/lifecycle_commands.py) and never
    takes another answer, or another question, for its own."""
    db.execute("ALTER TABLE offers ADD COLUMN answer_message_sid TEXT")
    db.execute("CREATE UNIQUE INDEX idx_offers_answer_message ON offers (answer_message_sid) "
               "WHERE answer_message_sid IS NOT NULL")
