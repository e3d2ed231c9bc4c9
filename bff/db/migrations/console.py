"""Migrations 7-8: the operators' console."""
from __future__ import annotations

import sqlite_utils


def v7_operators_console(db: sqlite_utils.Database) -> None:
    """The operators' console: roles, sign-in history, the audit log, import batches, the call log."""
    # Operators' roles: admin (everything, manage operators), support (doctor, claims, log, fixes),
    # field (field mode only). Operators made before roles existed become admins. disabled_at: an
    # admin switched the operator off (no sign-in, no operator rights).
    users = db["users"]
    users.add_column("ops_role", str)
    users.add_column("disabled_at", float)
    db.execute("UPDATE users SET ops_role = 'admin' WHERE role = 'operator'")

    # Every sign-in attempt that reached a check (never a code or a password).
    # method: phone | password | second_factor; result: ok | refused.
    db["sign_ins"].create(
        {"id": int, "user_id": int, "at": float, "method": str, "ip": str, "result": str},
        pk="id", not_null={"user_id", "at", "method", "result"},
    )
    db["sign_ins"].create_index(["user_id", "at"])

    # Every operator action: who, what, when, on which device and person, with what result.
    db["audit_log"].create(
        {"id": int, "at": float, "actor_id": int, "actor_login": str, "actor_role": str,
         "action": str, "device_id": str, "person_id": int, "result": str, "detail": str},
        pk="id", not_null={"at", "action", "result"},
    )
    for columns in (["at"], ["actor_id", "at"], ["device_id", "at"], ["person_id", "at"],
                    ["action", "at"]):
        db["audit_log"].create_index(columns)

    # The cloud-call log: the raw reply of a failed call (redacted, truncated), and indexes that
    # keep a filter over a million rows fast (newest first within a filter).
    db["cloud_calls"].add_column("reply", str)
    for columns in (["device_id", "id"], ["customer", "id"], ["status", "id"], ["product_key", "id"]):
        db["cloud_calls"].create_index(columns)
    db.execute("CREATE INDEX idx_cloud_calls_failed ON cloud_calls (id) WHERE error IS NOT NULL")

    # Imports from the browser: a batch per file or paste, a result per line, worked in the
    # background. state: queued -> running -> done | failed. line result: pending | added |
    # already | invalid | refused (reason: the plain reason, with the cloud's words for refusals).
    db["import_batches"].create(
        {"id": int, "product_key": str, "created_by": int, "created_at": float, "source": str,
         "state": str, "total": int, "processed": int, "added": int, "already": int, "invalid": int,
         "refused": int, "next_attempt_at": float, "leased_until": float, "finished_at": float,
         "last_error": str},
        pk="id", not_null={"product_key", "created_at", "state", "total", "processed"},
        defaults={"processed": 0, "added": 0, "already": 0, "invalid": 0, "refused": 0},
    )
    db["import_batches"].create_index(["state", "next_attempt_at"])
    db["import_lines"].create(
        {"id": int, "batch_id": int, "line_no": int, "raw": str, "device_id": str,
         "serial_number": str, "result": str, "reason": str},
        pk="id", foreign_keys=[("batch_id", "import_batches", "id")],
        not_null={"batch_id", "line_no", "result"},
    )
    db["import_lines"].create_index(["batch_id", "line_no"], unique=True)
    db["import_lines"].create_index(["batch_id", "result"])

    # Claims: an operator may cancel an open claim (state cancelled); the claims list filters by
    # product and age.
    db["claims"].create_index(["product_key", "state", "created_at"])
    db["claims"].create_index(["device_id", "created_at"])


def v8_console_search(db: sqlite_utils.Database) -> None:
    """The operators' search by serial number (any case), the call log's "ok" filter, an
    operator's own claims (field mode's running list), and devices by owner."""
    db.execute("CREATE INDEX idx_devices_serial_number ON devices (serial_number COLLATE NOCASE)")
    db.execute("CREATE INDEX idx_claims_actor ON claims (actor_user_id, channel, id)")
    # A person's devices (My devices, STATUS, the API, the people page) without reading them all.
    db.execute("CREATE INDEX idx_devices_owner ON devices (owner)")
    # Newest ok calls first without walking the failed ones (a partial index, as for failed calls).
    db.execute("CREATE INDEX idx_cloud_calls_ok ON cloud_calls (id) WHERE error IS NULL")
