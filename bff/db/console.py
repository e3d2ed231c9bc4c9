"""SQL for the operators' console pages: home figures, search, the claims list (mixed into `Store`).

Every query here is answered from an index: devices by product, ID (the primary key, also for a
prefix: a range), label code and serial number (any case, migration 8); claims by product and
state; people by phone; shadow customers by username and by person.
"""
from __future__ import annotations

_OPEN = "('requested', 'waiting_for_device')"
_ENDED_BADLY = "('failed', 'refused')"
CLAIM_STATES = ("requested", "waiting_for_device", "claimed", "refused", "failed", "cancelled")

_CLAIM_ROWS = (
    "SELECT claims.*, users.phone AS person_phone, actors.login AS actor_login, "
    "devices.name AS device_name, devices.label_code AS device_label_code FROM claims "
    "JOIN users ON users.id = claims.user_id LEFT JOIN users AS actors ON actors.id = claims.actor_user_id "
    "LEFT JOIN devices ON devices.device_id = claims.device_id"
)


class ConsoleQueries:
    """Queries of bff/ops home, search and claims list."""

    # -- home ------------------------------------------------------------------------------------

    def product_figures(self, product_key: str, *, day_since: float, hour_since: float) -> dict:
        """One product at a glance: devices known and claimed, waiting claims, claims that ended
        failed or refused since `day_since`, cloud calls with an error since `hour_since`."""
        devices, claimed = self.db.execute(
            "SELECT COUNT(*), COUNT(owner) FROM devices WHERE product_key = ?", [product_key]).fetchone()
        waiting = self.db.execute(
            f"SELECT COUNT(*) FROM claims WHERE product_key = ? AND state IN {_OPEN}", [product_key]).fetchone()[0]
        ended_badly = self.db.execute(
            f"SELECT COUNT(*) FROM claims WHERE product_key = ? AND state IN {_ENDED_BADLY} AND finished_at >= ?",
            [product_key, day_since]).fetchone()[0]
        return {"devices": devices, "claimed": claimed, "waiting": waiting, "failed": ended_badly,
                "cloud_errors": self.count_failed_calls(product_key=product_key, since=hour_since)}

    # -- search ----------------------------------------------------------------------------------

    def devices_by_id_prefix(self, prefix: str, *, limit: int = 20) -> list[dict]:
        """Known devices whose ID starts with `prefix` (lower-case hex): a range of the primary key."""
        prefix = prefix.lower()
        return list(self.query(
            "SELECT * FROM devices WHERE device_id >= ? AND device_id < ? ORDER BY device_id LIMIT ?",
            [prefix, prefix + "g", limit]))  # "g" sorts after every hex digit

    def devices_by_serial_number(self, serial_number: str, *, limit: int = 20) -> list[dict]:
        return list(self.query(
            "SELECT * FROM devices WHERE serial_number = ? COLLATE NOCASE ORDER BY device_id LIMIT ?",
            [serial_number, limit]))

    def customer_usernames(self, user_id: int) -> list[str]:
        """The person's shadow-customer usernames, one per product."""
        rows = self.db.execute("SELECT username FROM shadow_customers WHERE user_id = ? ORDER BY product_key",
                               [user_id]).fetchall()
        return [row[0] for row in rows]

    # -- the claims list -------------------------------------------------------------------------

    def console_claims(self, *, state: str | None = None, product_key: str | None = None,
                       created_before: float | None = None, recent_since: float | None = None,
                       before_id: int | None = None, limit: int = 50) -> list[dict]:
        """Claims, newest first, with the person's phone, the actor's login and the device's name.

        `state`: one of CLAIM_STATES, "open" (requested or waiting), or None: the open claims
        and those that ended failed or refused since `recent_since`. `created_before`: claims
        older than that; `before_id`: the next page.
        """
        where, params = _state_terms(state, recent_since)
        for term, value in (("claims.product_key = ?", product_key), ("claims.created_at <= ?", created_before),
                            ("claims.id < ?", before_id)):
            if value is not None:
                where.append(term)
                params.append(value)
        return list(self.query(
            f"{_CLAIM_ROWS} WHERE {' AND '.join(where)} ORDER BY claims.id DESC LIMIT ?", [*params, limit]))


def _state_terms(state: str | None, recent_since: float | None) -> tuple[list[str], list]:
    if state == "open":
        return [f"claims.state IN {_OPEN}"], []
    if state in CLAIM_STATES:
        return ["claims.state = ?"], [state]
    return (["claims.state IN ('requested', 'waiting_for_device', 'failed', 'refused')",
             f"(claims.state IN {_OPEN} OR claims.finished_at >= ?)"], [recent_since or 0.0])
