"""SQL for finding a device by its serial number or ICCID (mixed into `Store`; bff/claims/serials.py).

bff's own records first (`devices.serial_number` and `devices.iccid`, from imports and the cloud's
device reads), then `serial_lookups`: the cloud's serial-number look-ups kept, hits and misses
(`device_id` NULL), because the cloud allows only a few look-ups an hour.
"""
from __future__ import annotations

from bff.db.transactions import first_row, now_or


_CLEAN = "REPLACE(REPLACE(UPPER({}), '-', ''), ' ', '')"


class SerialQueries:
    """Queries of bff/claims/serials.py."""

    def devices_by_identifier(self, *, serial_number: str | None = None, iccid: str | None = None,
                              limit: int = 3) -> list[dict]:
        """Known devices with this serial number or ICCID, given upper case without spaces or dashes
        (the stored ones are compared the same way: an import may hold "E40-KAB 123")."""
        return list(self.query(
            "SELECT * FROM devices WHERE (:serial IS NOT NULL AND "
            f"{_CLEAN.format('serial_number')} = :serial) "
            f"OR (:iccid IS NOT NULL AND (iccid = :iccid OR {_CLEAN.format('iccid')} = :iccid)) "
            "ORDER BY device_id LIMIT :limit",
            {"serial": serial_number, "iccid": iccid, "limit": limit}))

    def serial_lookup(self, serial_number: str, product_key: str) -> dict | None:
        """The kept answer of the cloud's look-up of this serial number in this product, or None."""
        return first_row(self.query(
            "SELECT * FROM serial_lookups WHERE serial_number = ? AND product_key = ?",
            [serial_number.upper(), product_key]))

    def save_serial_lookup(self, serial_number: str, product_key: str, device_id: str | None,
                           *, now: float | None = None) -> None:
        """Keep a look-up's answer (`device_id` None: the cloud knows no such serial number)."""
        self.db.execute(
            "INSERT INTO serial_lookups (serial_number, product_key, device_id, looked_up_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (serial_number, product_key) DO UPDATE SET "
            "device_id = excluded.device_id, looked_up_at = excluded.looked_up_at",
            [serial_number.upper(), product_key, device_id.lower() if device_id else None, now_or(now)])
