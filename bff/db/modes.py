"""SQL of the ownership modes (mixed into `bff.db.store.Store`): each product's recorded mode, its
owned devices (bff/ownership/modes.py; a switch's claims are in claims.py)."""
from __future__ import annotations

from bff.db.transactions import first_row, now_or


class ModeQueries:
    """The `ownership_modes` table and what `flask bff set-mode` reads and writes."""

    def recorded_mode(self, product_key: str) -> str | None:
        """The mode the product's data is in (None: never recorded, which means customers mode)."""
        row = first_row(self.query("SELECT mode FROM ownership_modes WHERE product_key = ?", [product_key]))
        return row["mode"] if row else None

    def record_mode(self, product_key: str, mode: str, *, now: float | None = None) -> None:
        self.db.execute(
            "INSERT INTO ownership_modes (product_key, mode, recorded_at) VALUES (?, ?, ?) "
            "ON CONFLICT (product_key) DO UPDATE SET mode = excluded.mode, recorded_at = excluded.recorded_at",
            [product_key, mode, now_or(now)],
        )

    def has_owned_devices(self, product_key: str) -> bool:
        """Whether bff records an owner for any device of the product."""
        return first_row(self.query("SELECT 1 AS found FROM devices WHERE product_key = ? AND owner IS NOT NULL "
                                    "LIMIT 1", [product_key])) is not None

    def owned_devices_of_product(self, product_key: str) -> list[dict]:
        """The product's devices with an owner, by device ID: `device_id`, `owner` (the owner name)
        and `user_id` (the person of that name; None for a name bff did not make)."""
        return list(self.query(
            "SELECT devices.device_id, devices.owner, shadow_customers.user_id FROM devices "
            "LEFT JOIN shadow_customers ON shadow_customers.username = devices.owner "
            "WHERE devices.product_key = ? AND devices.owner IS NOT NULL ORDER BY devices.device_id",
            [product_key],
        ))
