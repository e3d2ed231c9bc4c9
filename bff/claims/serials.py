"""Finding a device by the serial number or ICCID printed on it (no Flask, no SQL, no HTTP here).

The rule (README "Claiming", ARCHITECTURE "Claim invariants"): a serial number or ICCID is printed
on the device and its box, and serial numbers run in sequences, so it proves nothing about who
holds the box. Operators and field crews (who are trusted and audited) may claim by it alone, as by
a bare device ID; a customer only together with the label code, and then the label code decides
the device and the serial must be the same device's (a convenience, checked, never the proof).

Resolution, cheapest first: bff's own records (`devices.serial_number` and `devices.iccid`, from
imports and the cloud's device reads), then the kept answers of the cloud's serial-number look-up
(hits for good, misses for `MISS_SECONDS`), then the look-up itself (`GET /v1/serial_numbers/:sn`,
serial numbers only: the cloud has no ICCID look-up), product by product. The cloud allows 50
look-ups an hour per account; bff spends at most `LOOKUPS_PER_HOUR` of them (a counter in SQLite,
shared by every process), and a customer's request never spends one.
"""
from __future__ import annotations

import re
import time

from bff import errors

MISS_SECONDS = 6 * 3600  # "no such serial number" is kept this long (a device may be imported later)
LOOKUPS_PER_HOUR = 40  # bff's budget of the cloud's 50 look-ups an hour (room for people by hand)
_ICCID = re.compile(r"89\d{16,20}")  # ICCIDs start with 89 and have 19-22 digits (docs/particle.md)
# A serial as imports may hold it: longer than a label code (12), so a label code typed short or
# long by a symbol or two is still answered as a mistyped label code.
_SERIAL = re.compile(r"(?=.*\d)[A-Z0-9]{14,32}")
_PARTICLE_SERIAL = re.compile(r"[A-Z0-9]{15}")  # Particle's own serial numbers: 15 characters


def clean(text: str) -> str:
    """The typed number without spaces and dashes, upper case."""
    return re.sub(r"[\s-]", "", text or "").upper()


def is_iccid(text: str) -> bool:
    return bool(_ICCID.fullmatch(clean(text)))


def looks_like_serial_or_iccid(text: str) -> bool:
    """True when the text may be a serial number or an ICCID (a device ID or label code is checked
    before this: they look like serials too)."""
    return is_iccid(text) or bool(_SERIAL.fullmatch(clean(text)))


class SerialResolver:
    """Serial number or ICCID → the device, over the store, the cloud client and the devices service."""

    def __init__(self, store, particle, devices, *, rate_limit=None, clock=time.time) -> None:
        self.store = store
        self.particle = particle
        self.devices = devices
        self.rate_limit = rate_limit  # callable(key, limit=, window_seconds=) -> True when over
        self.clock = clock

    def local_device_id(self, text: str) -> str | None:
        """The device bff's own records (and kept look-ups) name, without calling the cloud."""
        number = clean(text)
        rows = self.store.devices_by_identifier(iccid=number) if is_iccid(number) else \
            self.store.devices_by_identifier(serial_number=number)
        if len(rows) == 1:
            return rows[0]["device_id"]
        if len(rows) > 1:  # two devices with one serial: never guess which
            raise errors.SerialNotFound(f"{len(rows)} devices have {number!r}")
        return None if is_iccid(number) else self._kept_hit(number)

    def resolve(self, text: str):
        """The device (a DeviceView) with this serial number or ICCID: records, kept look-ups, then
        the cloud's look-up. Raises SerialNotFound or SerialLookupsUsedUp."""
        number = clean(text)
        if not looks_like_serial_or_iccid(number):
            raise errors.SerialNotFound(f"not a serial number or ICCID: {number!r}")
        device_id = self.local_device_id(number) or self._looked_up(number)
        if device_id is None:
            raise errors.SerialNotFound(f"no device has serial number or ICCID {number!r}")
        device = self.devices.find(device_id)
        if not is_iccid(number) and not (self.store.device(device_id) or {}).get("serial_number"):
            self.store.upsert_device(device_id, serial_number=number)
        return device

    def matches(self, device_id: str, text: str) -> bool:
        """True when the typed serial number or ICCID is this device's, by bff's records (read from
        the cloud's device record once when they hold neither). Never spends a look-up."""
        number = clean(text)
        row = self.store.device(device_id) or {}
        if not (row.get("serial_number") or row.get("iccid")) and row.get("product_key"):
            row = self._reread(row)
        return number in {clean(row.get("serial_number") or ""), clean(row.get("iccid") or "")} - {""}

    def _reread(self, row: dict) -> dict:
        try:
            return self.devices.remember(row["product_key"], self.particle.get_device(row["product_key"],
                                                                                      row["device_id"]))
        except errors.BffError:
            return row

    # -- the cloud's look-up ------------------------------------------------------------------------

    def _kept_hit(self, number: str) -> str | None:
        for product_key in self.particle.product_keys():
            kept = self.store.serial_lookup(number, product_key)
            if kept and kept["device_id"]:
                return kept["device_id"]
        return None

    def _looked_up(self, number: str) -> str | None:
        """Ask the cloud, product by product, skipping products whose miss is still kept."""
        if is_iccid(number) or not _PARTICLE_SERIAL.fullmatch(number):
            return None  # the cloud looks up Particle serial numbers only
        for product_key in self.particle.product_keys():
            kept = self.store.serial_lookup(number, product_key)
            if kept and kept["device_id"] is None and kept["looked_up_at"] > self.clock() - MISS_SECONDS:
                continue
            device_id = self._ask_cloud(product_key, number)
            if device_id:
                return device_id
        return None

    def _ask_cloud(self, product_key: str, number: str) -> str | None:
        if self.rate_limit and self.rate_limit("serial-lookups", limit=LOOKUPS_PER_HOUR, window_seconds=3600):
            raise errors.SerialLookupsUsedUp(f"over {LOOKUPS_PER_HOUR} serial look-ups this hour")
        try:
            found = self.particle.lookup_serial_number(product_key, number)
        except (errors.NotFound, errors.DeviceNotFound):
            found = None
        except errors.RateLimited as error:
            raise errors.SerialLookupsUsedUp(f"the cloud said 429: {error.detail}",
                                             retry_after=error.retry_after) from error
        device_id = found.device_id if found else None
        self.store.save_serial_lookup(number, product_key, device_id, now=self.clock())
        if found and found.iccid and device_id:
            self.store.upsert_device(device_id, iccid=found.iccid)
        return device_id
