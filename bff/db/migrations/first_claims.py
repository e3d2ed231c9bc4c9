"""Migrations 1-6: the claim flows (users, devices, claims, SMS, Wi-Fi setup)."""
from __future__ import annotations

import sqlite_utils


def v1_core(db: sqlite_utils.Database) -> None:
    """Users, shadow customers, token caches, products, known devices, cloud-call log, heartbeats."""
    db["users"].create({"id": int, "created_at": float}, pk="id", not_null={"created_at"})

    # One Particle customer per (user, product); the username is ours, random and stable.
    # confirmed_at is set once the cloud is known to have the customer.
    db["shadow_customers"].create(
        {"id": int, "user_id": int, "product_key": str, "username": str,
         "created_at": float, "confirmed_at": float},
        pk="id",
        foreign_keys=[("user_id", "users", "id")],
        not_null={"user_id", "product_key", "username", "created_at"},
    )
    db["shadow_customers"].create_index(["username"], unique=True)
    db["shadow_customers"].create_index(["user_id", "product_key"], unique=True)

    # Token caches. expires_at NULL means the token never expires.
    db["customer_tokens"].create(
        {"product_key": str, "username": str, "access_token": str,
         "expires_at": float, "minted_at": float},
        pk=("product_key", "username"),
        not_null={"product_key", "username", "access_token", "minted_at"},
    )
    db["product_tokens"].create(
        {"product_key": str, "access_token": str, "expires_at": float, "minted_at": float},
        pk="product_key",
        not_null={"product_key", "access_token", "minted_at"},
    )

    # What GET /v1/products/:key said about each configured product.
    db["products"].create(
        {"key": str, "id": int, "slug": str, "name": str, "platform_id": int, "fetched_at": float},
        pk="key",
        not_null={"key", "fetched_at"},
    )

    # Devices bff knows about (imported, claimed, seen in events). online: 1, 0, NULL unknown.
    db["devices"].create(
        {"device_id": str, "product_key": str, "platform_id": int, "name": str,
         "serial_number": str, "iccid": str, "imei": str, "owner": str,
         "online": int, "last_seen_at": float, "created_at": float, "updated_at": float},
        pk="device_id",
        not_null={"device_id", "created_at", "updated_at"},
    )
    db["devices"].create_index(["product_key"])

    # One row per request to the cloud; never a token or a secret.
    db["cloud_calls"].create(
        {"id": int, "at": float, "method": str, "path": str, "status": int, "ms": float,
         "error": str, "product_key": str, "customer": str, "device_id": str},
        pk="id",
        not_null={"at", "method", "path", "ms"},
    )
    db["cloud_calls"].create_index(["at"])
    db["cloud_calls"].create_index(["device_id"])

    db["heartbeats"].create({"name": str, "at": float}, pk="name", not_null={"name", "at"})


def v2_accounts_claims_messages(db: sqlite_utils.Database) -> None:
    """Phone sign-in and operators, label codes, claims, outbound SMS, rate-limit counters."""
    # A user is a phone number (customers, created on first sign-in or text) or an operator
    # (login + argon2 password hash). role: "customer" or "operator".
    db["users"].add_column("phone", str)
    db["users"].add_column("role", str, not_null_default="customer")
    db["users"].add_column("login", str)
    db["users"].add_column("password_hash", str)
    db["users"].create_index(["phone"], unique=True)
    db["users"].create_index(["login"], unique=True)

    # One-time sign-in codes: only a hash is kept; single use, limited tries, short life.
    db["sign_in_codes"].create(
        {"id": int, "phone": str, "code_hash": str, "ip": str, "created_at": float,
         "expires_at": float, "attempts": int, "used_at": float},
        pk="id",
        not_null={"phone", "code_hash", "created_at", "expires_at", "attempts"},
        defaults={"attempts": 0},
    )
    db["sign_in_codes"].create_index(["phone", "created_at"])

    # Fixed-window counters shared by every process (sends per phone / per IP, claim attempts).
    db["rate_counters"].create(
        {"key": str, "window_start": float, "count": int},
        pk=("key", "window_start"),
        not_null={"key", "window_start", "count"},
    )

    # Each known device's human label code (stored canonical, without separators).
    db["devices"].add_column("label_code", str)
    db["devices"].create_index(["label_code"], unique=True)

    # Claims: one state machine for every channel (web, sms, api, ops).
    # state: requested -> claimed | waiting_for_device | refused | failed.
    # public_message/next_step: what the person reads; last_error: the detail for operators.
    # leased_until: a process is trying it now (so the event and the periodic retry never race).
    db["claims"].create(
        {"id": int, "device_id": str, "product_key": str, "user_id": int, "channel": str,
         "actor_user_id": int, "state": str, "outcome": str, "attempts": int,
         "public_message": str, "next_step": str, "last_error": str,
         "next_attempt_at": float, "leased_until": float, "created_at": float,
         "updated_at": float, "finished_at": float, "notified_at": float},
        pk="id",
        foreign_keys=[("user_id", "users", "id"), ("actor_user_id", "users", "id")],
        not_null={"device_id", "product_key", "user_id", "channel", "state", "attempts",
                  "created_at", "updated_at"},
        defaults={"attempts": 0},
    )
    db["claims"].create_index(["user_id"])
    db["claims"].create_index(["state", "next_attempt_at"])
    # At most one open claim per device, whoever asked: the database enforces it.
    db.execute(
        "CREATE UNIQUE INDEX idx_claims_one_open_per_device ON claims (device_id) "
        "WHERE state IN ('requested', 'waiting_for_device')"
    )

    # Outbound SMS: recorded before anything is sent, then delivered (and retried) from here.
    # status: queued -> sent -> delivered | undelivered | failed; "kept" = no Twilio configured
    # (the sandbox outbox).
    db["outbound_sms"].create(
        {"id": int, "to_phone": str, "body": str, "purpose": str, "status": str,
         "attempts": int, "next_attempt_at": float, "provider_sid": str, "last_error": str,
         "claim_id": int, "created_at": float, "updated_at": float, "sent_at": float},
        pk="id",
        not_null={"to_phone", "body", "purpose", "status", "attempts", "created_at", "updated_at"},
        defaults={"attempts": 0},
    )
    db["outbound_sms"].create_index(["status", "next_attempt_at"])
    db["outbound_sms"].create_index(["provider_sid"])


def v3_inbound_sms(db: sqlite_utils.Database) -> None:
    """Handled inbound SMS: one row per Twilio MessageSid, so a redelivery acts once."""
    # status: received (stored, not yet answered) -> replied; reply: the TwiML text we answered,
    # sent again unchanged when Twilio redelivers the same MessageSid.
    db["inbound_sms"].create(
        {"message_sid": str, "from_phone": str, "to_phone": str, "body": str, "user_id": int,
         "command": str, "status": str, "reply": str, "created_at": float, "replied_at": float},
        pk="message_sid",
        not_null={"message_sid", "from_phone", "status", "created_at"},
    )
    db["inbound_sms"].create_index(["from_phone", "created_at"])


def v4_setup(db: sqlite_utils.Database) -> None:
    """Wi-Fi setup: bff API tokens for setup apps, and the claim codes bff handed out."""
    # API tokens: only a hash is kept; revocable.
    db["api_tokens"].create(
        {"id": int, "user_id": int, "token_hash": str, "name": str, "created_at": float,
         "last_used_at": float, "revoked_at": float},
        pk="id",
        foreign_keys=[("user_id", "users", "id")],
        not_null={"user_id", "token_hash", "created_at"},
    )
    db["api_tokens"].create_index(["token_hash"], unique=True)

    # Claim codes handed to a person for Wi-Fi setup: who asked, for which product, until when,
    # and what became of it. state: open -> arrived (a device came online on their account)
    # | expired. code_hash: the code itself is the person's to keep, not ours.
    db["claim_codes"].create(
        {"id": int, "user_id": int, "product_key": str, "code_hash": str, "code_hint": str,
         "channel": str, "state": str, "device_id": str, "diagnosis": str, "created_at": float,
         "expires_at": float, "arrived_at": float, "notified_at": float},
        pk="id",
        foreign_keys=[("user_id", "users", "id")],
        not_null={"user_id", "product_key", "code_hash", "state", "created_at", "expires_at"},
    )
    db["claim_codes"].create_index(["state", "expires_at"])
    db["claim_codes"].create_index(["user_id"])


def v5_inbound_sms_work(db: sqlite_utils.Database) -> None:
    """Inbound SMS whose cloud work outlives the TwiML reply: a lease, the result, attempts."""
    # status: received (being answered) -> replied (the reply carried the result) | working (the
    # reply said "working on it") -> done (the result went out as an outbound SMS).
    # leased_until: whoever works on the message holds it until then; the worker picks up
    # messages left received/working past it (a crash) and finishes them.
    inbound = db["inbound_sms"]
    inbound.add_column("idempotency_token", str)  # Twilio's I-Twilio-Idempotency-Token, if sent
    inbound.add_column("leased_until", float)
    inbound.add_column("attempts", int, not_null_default=0)
    inbound.add_column("result", str)  # the text of the result SMS (status done)
    inbound.add_column("finished_at", float)
    inbound.create_index(["status", "leased_until"])


def v6_setup_watch(db: sqlite_utils.Database) -> None:
    """Wi-Fi setup: what bff needs to watch a claim code's device arrive and say why it did not."""
    # owned_before: JSON list of the device IDs the customer owned when the code was made (the
    # cloud's `device_ids`): a device in their list that is not in it arrived with this code.
    # reported_device_id / reported_at: the device the setup app (or the person) says it set up.
    # device_seen_at: that device was seen coming online. next_check_at: when the worker looks
    # at this code again (customer's device list, diagnosis). diagnosed_at: when `diagnosis` was set.
    for column, kind in (("owned_before", str), ("reported_device_id", str), ("reported_at", float),
                         ("device_seen_at", float), ("next_check_at", float), ("diagnosed_at", float)):
        db["claim_codes"].add_column(column, kind)
    db["claim_codes"].create_index(["product_key", "state"])
