"""SQL for Wi-Fi setup: the claim codes handed out and what became of them (mixed into `bff.db.store.Store`).

Claim codes (`claim_codes`): a hash of the code (and, for its owner's page while it is open, the
code sealed with `BFF_TOKEN_KEY`: `code_sealed`, dropped when it closes) is kept, with who asked, for which product,
until when, and what became of it: `open` -> `arrived` (a device came online on their account)
| `expired` (with a `diagnosis`). API tokens (`api_tokens`): only a hash, revocable.
Callers (bff/wifi_setup/) pass normalised values; times are Unix seconds.
"""
from __future__ import annotations

import json

from bff.db.transactions import first_row, now_or

_OPEN = "state = 'open'"


class SetupQueries:
    """Queries of the Wi-Fi setup service: claim codes and what became of them."""

    # -- claim codes: writing ----------------------------------------------------------------------

    def insert_claim_code(self, *, user_id: int, product_key: str, code_hash: str, code_hint: str,
                          channel: str, owned_before: list[str], expires_at: float,
                          first_check_at: float, code_sealed: str | None = None,
                          now: float | None = None) -> int:
        """Record a claim code handed to a person; returns its id."""
        cursor = self.db.execute(
            "INSERT INTO claim_codes (user_id, product_key, code_hash, code_hint, channel, state, "
            "owned_before, created_at, expires_at, next_check_at, code_sealed) "
            "VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)",
            [user_id, product_key, code_hash, code_hint, channel, json.dumps(sorted(owned_before)),
             now_or(now), expires_at, first_check_at, code_sealed],
        )
        return cursor.lastrowid

    def mark_claim_code_arrived(self, code_id: int, device_id: str, *, now: float | None = None) -> bool:
        """The device arrived with this code; False if the code had arrived already (once only).

        An expired code may still turn `arrived`: the cloud's hour and ours differ a little.
        """
        cursor = self.db.execute(
            "UPDATE claim_codes SET state = 'arrived', device_id = ?, arrived_at = ?, "
            "diagnosis = NULL, diagnosed_at = NULL, code_sealed = NULL WHERE id = ? AND state != 'arrived'",
            [device_id, now_or(now), code_id],
        )
        return cursor.rowcount == 1

    def expire_claim_code(self, code_id: int, diagnosis: str, *, now: float | None = None) -> bool:
        """Close an open code that no device arrived with; False if it is no longer open."""
        cursor = self.db.execute(
            f"UPDATE claim_codes SET state = 'expired', diagnosis = ?, diagnosed_at = ?, code_sealed = NULL "
            f"WHERE id = ? AND {_OPEN}",
            [diagnosis, now_or(now), code_id],
        )
        return cursor.rowcount == 1

    def diagnose_claim_code(self, code_id: int, diagnosis: str | None, *, now: float | None = None) -> None:
        """Say (or stop saying) why an open code's device has not arrived yet."""
        self.db.execute(
            f"UPDATE claim_codes SET diagnosis = ?, diagnosed_at = ? WHERE id = ? AND {_OPEN}",
            [diagnosis, now_or(now) if diagnosis else None, code_id],
        )

    def report_claim_code_device(self, code_id: int, device_id: str, *, now: float | None = None) -> None:
        """The setup app (or the person) says which device it set up with this code."""
        self.db.execute(
            "UPDATE claim_codes SET reported_device_id = ?, reported_at = ?, device_seen_at = NULL, "
            "diagnosis = NULL, diagnosed_at = NULL WHERE id = ? AND state != 'arrived'",
            [device_id, now_or(now), code_id],
        )

    def note_reported_device_seen(self, product_key: str, device_id: str, *, check_at: float,
                                  now: float | None = None) -> int:
        """A reported device came online: note it and look at its open codes at `check_at`."""
        cursor = self.db.execute(
            f"UPDATE claim_codes SET device_seen_at = ?, next_check_at = MIN(COALESCE(next_check_at, ?), ?) "
            f"WHERE product_key = ? AND reported_device_id = ? AND {_OPEN}",
            [now_or(now), check_at, check_at, product_key, device_id],
        )
        return cursor.rowcount

    def schedule_claim_code_check(self, code_id: int, at: float) -> None:
        self.db.execute("UPDATE claim_codes SET next_check_at = ? WHERE id = ?", [at, code_id])

    def mark_claim_code_notified(self, code_id: int, *, now: float | None = None) -> bool:
        """Note that the person was told; False if someone already did."""
        cursor = self.db.execute(
            "UPDATE claim_codes SET notified_at = ? WHERE id = ? AND notified_at IS NULL",
            [now_or(now), code_id],
        )
        return cursor.rowcount == 1

    # -- claim codes: reading ----------------------------------------------------------------------

    def claim_code_row(self, code_id: int) -> dict | None:
        return _decoded(first_row(self.query("SELECT * FROM claim_codes WHERE id = ?", [code_id])))

    def latest_claim_code(self, user_id: int, *, state: str | None = None) -> dict | None:
        """The user's newest claim code (of one state when given)."""
        return _decoded(first_row(self.query(
            "SELECT * FROM claim_codes WHERE user_id = ? AND (? IS NULL OR state = ?) "
            "ORDER BY id DESC LIMIT 1",
            [user_id, state, state],
        )))

    def has_claim_codes_to_watch(self, product_key: str, *, expired_since: float) -> bool:
        """True when a device of the product may arrive with a code: one is open or lately expired."""
        row = self.db.execute(
            "SELECT 1 FROM claim_codes WHERE product_key = ? "
            "AND (state = 'open' OR (state = 'expired' AND expires_at >= ?)) LIMIT 1",
            [product_key, expired_since],
        ).fetchone()
        return row is not None

    def arrival_candidates(self, user_id: int, product_key: str, *, expired_since: float) -> list[dict]:
        """Codes a device of this user may have arrived with: open ones, then lately expired ones."""
        return [_decoded(row) for row in self.query(
            "SELECT * FROM claim_codes WHERE user_id = ? AND product_key = ? "
            "AND (state = 'open' OR (state = 'expired' AND expires_at >= ?)) "
            "ORDER BY state = 'open' DESC, id DESC",
            [user_id, product_key, expired_since],
        )]

    def due_claim_codes(self, *, now: float, expired_before: float, limit: int = 100) -> list[dict]:
        """Open codes to look at now: their check is due, or they ran out before `expired_before`."""
        return [_decoded(row) for row in self.query(
            f"SELECT * FROM claim_codes WHERE {_OPEN} AND (COALESCE(next_check_at, 0) <= ? "
            f"OR expires_at <= ?) ORDER BY COALESCE(next_check_at, 0), id LIMIT ?",
            [now, expired_before, limit],
        )]

    def arrived_device_ids(self, user_id: int, product_key: str) -> set[str]:
        """Devices that arrived with any of the user's codes of the product."""
        rows = self.db.execute(
            "SELECT device_id FROM claim_codes WHERE user_id = ? AND product_key = ? "
            "AND state = 'arrived' AND device_id IS NOT NULL",
            [user_id, product_key],
        ).fetchall()
        return {row[0] for row in rows}

    def claimed_device_ids(self, user_id: int) -> set[str]:
        """Devices the user claimed by ID (a box code or QR) through the claims service."""
        rows = self.db.execute(
            "SELECT device_id FROM claims WHERE user_id = ? AND state = 'claimed'", [user_id]
        ).fetchall()
        return {row[0] for row in rows}


def _decoded(row: dict | None) -> dict | None:
    """A claim-code row with `owned_before` as a list."""
    if row is not None:
        row["owned_before"] = json.loads(row.get("owned_before") or "[]")
    return row
