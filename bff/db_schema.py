"""bff's schema as numbered migrations, applied in order by `Store.migrate()` (bff/db.py).

Never edit a migration that has shipped: add the next number. Each function gets a
sqlite-utils Database inside an open transaction.
"""
from __future__ import annotations

import sqlite_utils


def _v1_core(db: sqlite_utils.Database) -> None:
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


MIGRATIONS = [
    (1, "core", _v1_core),
]
