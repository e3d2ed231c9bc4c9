"""SQL for known devices a page at a time: the worker's reconcile (mixed into `bff.db.store.Store`).

The one-device queries (`upsert_device`, `device`, ...) are in store.py, label codes in claims.py.
"""
from __future__ import annotations

from typing import Callable, Iterable

from bff.db.transactions import now_or, rows_for_ids

DEVICE_COLUMNS = (
    "product_key", "platform_id", "name", "serial_number", "iccid", "imei", "owner",
    "online", "last_seen_at",
)


class DeviceQueries:
    """Many known devices in one short write."""

    def remember_devices(self, rows: dict[str, dict], label_codes: Callable[[str], Callable[[], str] | Iterable[str]],
                         *, now: float | None = None, listed_at: float | None = None) -> list[str]:
        """Many known devices in one short write (the worker's reconcile, a page at a time).

        `rows` maps a device ID (lower case) to its fields (DEVICE_COLUMNS; one left out stays as
        it is). The stored rows are read first, without the write lock: a device that holds every
        value already and has a label code is not written, and a page with nothing to write takes
        no lock at all. The rest go in one `BEGIN IMMEDIATE` transaction: each row written only if
        a value still differs under the lock (its `updated_at` moves only then), and a device
        without a label code given the first free one of `label_codes(device_id)`, as
        `ensure_label_code` does. `listed_at`: when the cloud was asked for these values; a device
        written after that (a claim or move recorded meanwhile) keeps its owner, which the older
        list must not undo. Returns the IDs written."""
        for fields in rows.values():
            check_device_fields(fields)
        stored = {row["device_id"]: row for row in self._devices_in(list(rows), "*")}
        changed = [(device_id, fields) for device_id, fields in rows.items()
                   if _differs(stored.get(device_id), fields)]
        if not changed and all((stored.get(device_id) or {}).get("label_code") for device_id in rows):
            return []
        stamp, written = now_or(now), set()
        with self.transaction():
            if listed_at is not None:
                changed = self._owners_kept_since(changed, listed_at)
            for device_id, fields in changed:
                cursor = self.db.execute(
                    device_upsert_sql(list(fields), only_if_changed=True),
                    [device_id, *(stored_value(name, value) for name, value in fields.items()), stamp, stamp],
                )
                if cursor.rowcount:
                    written.add(device_id)
            for row in self._devices_in(list(rows), "device_id", "AND label_code IS NULL"):
                self.ensure_label_code(row["device_id"], label_codes(row["device_id"]), now=stamp)
                written.add(row["device_id"])
        return sorted(written)

    def _owners_kept_since(self, changed: list[tuple[str, dict]], listed_at: float) -> list[tuple[str, dict]]:
        """`changed` without the owner of each device written after `listed_at` (read under the lock)."""
        with_owner = [device_id for device_id, fields in changed if "owner" in fields]
        newer = {row["device_id"] for row in self._devices_in(with_owner, "device_id, updated_at")
                 if row["updated_at"] > listed_at}
        return [(device_id, {name: value for name, value in fields.items()
                             if not (name == "owner" and device_id in newer)}) for device_id, fields in changed]

    def _devices_in(self, device_ids: list[str], columns: str, condition: str = "") -> list[dict]:
        """`columns` of the devices among `device_ids` (and `condition`), read in chunks."""
        return rows_for_ids(self.query, f"SELECT {columns} FROM devices WHERE device_id IN ({{}}) {condition}",
                            device_ids)


def check_device_fields(fields: dict) -> None:
    """Raise ValueError for a field that is not a device column."""
    unknown = set(fields) - set(DEVICE_COLUMNS)
    if unknown:
        raise ValueError(f"unknown device fields: {sorted(unknown)}")


def device_upsert_sql(names: list[str], *, only_if_changed: bool) -> str:
    """The INSERT of a device with the fields `names` that updates a known device: always
    (`updated_at` moves), or `only_if_changed` one of them differs (an unchanged row is not written
    and keeps its `updated_at`)."""
    columns = ["device_id", *names, "created_at", "updated_at"]
    insert = f"INSERT INTO devices ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
    if only_if_changed and not names:
        return insert + "ON CONFLICT (device_id) DO NOTHING"
    update = insert + "ON CONFLICT (device_id) DO UPDATE SET " + ", ".join(
        f"{name} = excluded.{name}" for name in [*names, "updated_at"])
    if not only_if_changed:
        return update
    return update + " WHERE " + " OR ".join(f"devices.{name} IS NOT excluded.{name}" for name in names)


def stored_value(name: str, value):
    """A device field as the devices table keeps it (`online`: 1, 0 or NULL)."""
    return int(bool(value)) if name == "online" and value is not None else value


def _differs(stored: dict | None, fields: dict) -> bool:
    """Whether writing `fields` would change the stored row (a missing row always differs)."""
    return stored is None or any(stored.get(name) != stored_value(name, value) for name, value in fields.items())
