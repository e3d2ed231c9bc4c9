"""Ownership modes (README "Ownership modes"): the mode each product's data is in, held up against the
configured mode, and the switch between them (`flask bff set-mode`).

The configured mode (`BFF_PARTICLE_PRODUCTS`, or `BFF_OWNERSHIP_MODE` for the sandbox's demo
products) is the truth: bff serves every product in it. The recorded mode (migration 12) says what
the product's data is in: `customers`, its owners are cloud customers owning the devices in the
cloud too; `product`, bff's database alone records them. A product never recorded has only known
customers mode (the one mode before there were two).

- `check` (every process at start, bff/wiring.py): a product takes its configured mode when that
  changes nothing (never recorded and configured in customers mode; or never recorded, or in
  product mode, with no owner in bff); a recorded mode that differs from the configured one is a
  `ModeMismatch`, logged as an error naming the command
  to run. Until then bff serves the configured mode, and the worker's reconcile keeps bff's owners
  (`ParticleCloud.takes_cloud_owners`). In sandbox mode `settle` runs the switch instead.
- `switch` keeps every owner in bff. To `product`: each owned device is left claimed in the cloud,
  or unclaimed (`unclaim=True`: `DELETE /v1/products/:p/devices/:id/owner`, the product client or
  an API user with `devices:release`). To `customers` (the product's OAuth client configured): each
  owned device is claimed for its owner's cloud customer (made if new) through the claims service;
  an offline device's claim waits and the worker finishes it; the mode is recorded once every
  device is claimed in the cloud (run the command again: it goes on where it stopped). A result
  per device, audited.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from bff import errors
from bff.audit import FAILED, OK
from bff.config import CUSTOMERS_MODE, OWNERSHIP_MODES, PRODUCT_MODE
from bff.particle.customers import is_bff_username

logger = logging.getLogger(__name__)

DONE, PENDING, NOT_DONE = "done", "pending", "failed"  # a device's switch: finished, finishes later, needs help


@dataclass(frozen=True)
class ModeMismatch:
    """A product configured in one mode whose data is in the other."""

    product_key: str
    configured: str
    recorded: str

    @property
    def message(self) -> str:
        return (f"Product {self.product_key} is configured in {self.configured} mode, but its devices' owners "
                f"are in {self.recorded} mode. Run: flask --app app bff set-mode {self.product_key} "
                f"{self.configured}" + (" [--unclaim]" if self.configured == PRODUCT_MODE else "")
                + " (bff serves it in " + self.configured + " mode meanwhile and keeps every owner it has).")


@dataclass(frozen=True)
class DeviceSwitch:
    """One device of a switch: its owner (a person, or the owner name) and what happened."""

    device_id: str
    owner: str
    outcome: str  # DONE | PENDING | NOT_DONE
    result: str  # in words


@dataclass
class SwitchReport:
    """A product's switch: a line per owned device, whether the mode is now recorded."""

    product_key: str
    from_mode: str
    to_mode: str
    configured: str
    devices: list[DeviceSwitch] = field(default_factory=list)
    recorded: bool = False

    def count(self, outcome: str) -> int:
        return sum(line.outcome == outcome for line in self.devices)

    @property
    def complete(self) -> bool:
        """The mode is recorded and no device needs help."""
        return self.recorded and not self.count(NOT_DONE)

    @property
    def summary(self) -> str:
        done, pending, failed = self.count(DONE), self.count(PENDING), self.count(NOT_DONE)
        words = [f"{self.product_key}: {self.from_mode} -> {self.to_mode}, {len(self.devices)} owned devices "
                 f"({done} done, {pending} waiting, {failed} need help)."]
        if self.recorded:
            words.append(f"Its data is now in {self.to_mode} mode; every owner is kept in bff.")
        else:
            words.append(f"Not finished: its data stays recorded in {self.from_mode} mode until every device is "
                         "done. Run the command again once the waiting devices are online (it goes on where it "
                         "stopped); fix the others on the device doctor first.")
        if self.configured != self.to_mode:
            words.append(f"bff is configured in {self.configured} mode for it: change its BFF_PARTICLE_PRODUCTS "
                         "entry (" + ("product:PRODUCT:API_USER_TOKEN" if self.to_mode == PRODUCT_MODE
                                      else "customers:PRODUCT:CLIENT_ID:CLIENT_SECRET") + ") and restart bff.")
        return " ".join(words)


class OwnershipModes:
    """The recorded modes, their check against the configuration, and switching a product."""

    def __init__(self, store, particle, claims, audit, *, clock=time.time) -> None:
        self.store = store
        self.particle = particle
        self.claims = claims
        self.audit = audit
        self.clock = clock

    def recorded(self, product_key: str) -> str:
        """The mode the product's data is in (never recorded: customers)."""
        return self.store.recorded_mode(product_key) or CUSTOMERS_MODE

    # -- at start ---------------------------------------------------------------------------------

    def check(self) -> list[ModeMismatch]:
        """Record the configured mode where nothing changes by it; the products whose recorded
        mode differs from the configured one."""
        found = []
        for product_key in self.particle.product_keys():
            mismatch = self._mismatch(product_key)
            configured = self.particle.mode(product_key)
            if mismatch is None and self.store.recorded_mode(product_key) != configured:
                self.store.record_mode(product_key, configured, now=self.clock())
            elif mismatch is not None:
                found.append(mismatch)
        return found

    def mismatches(self) -> list[ModeMismatch]:
        """The products whose data is in another mode than the configured one, recording nothing
        (`GET /healthz` reports them)."""
        return [m for m in map(self._mismatch, self.particle.product_keys()) if m is not None]

    def _mismatch(self, product_key: str) -> ModeMismatch | None:
        """The product's mismatch, if any. A product never recorded is in customers mode; one
        never recorded, or recorded in product mode, whose devices have no owner in bff takes
        the configured mode as it is (nothing to keep). Recorded in customers mode, it keeps
        its mismatch even then: the cloud may hold owners bff has not read yet."""
        configured = self.particle.mode(product_key)
        recorded = self.store.recorded_mode(product_key)
        if (recorded or CUSTOMERS_MODE) == configured:
            return None
        if recorded in (None, PRODUCT_MODE) and not self.store.has_owned_devices(product_key):
            return None
        return ModeMismatch(product_key, configured, recorded or CUSTOMERS_MODE)

    def check_and_log(self) -> list[ModeMismatch]:
        """`check`, each mismatch logged as an error (every process of bff does this at start)."""
        found = self.check()
        for mismatch in found:
            logger.error(mismatch.message, extra={"event": "ownership_mode_mismatch", "product": mismatch.product_key})
        return found

    def settle(self) -> list[SwitchReport]:
        """Sandbox mode: switch every product whose data is in another mode than the configured one
        (owners kept, devices left claimed in the cloud), so changing BFF_OWNERSHIP_MODE just works."""
        reports = [self.switch(mismatch.product_key, mismatch.configured) for mismatch in self.check()]
        for report in reports:
            logger.warning("sandbox: %s", report.summary)
        return reports

    # -- the switch -------------------------------------------------------------------------------

    def switch(self, product_key: str, mode: str, *, unclaim: bool = False, actor=None) -> SwitchReport:
        """Switch the product's data to `mode`, keeping every owner in bff; a line per owned device."""
        if mode not in OWNERSHIP_MODES:
            raise errors.ModeSwitchRefused(f"unknown mode {mode!r}", public_message=f"{mode!r} is not a mode.",
                                           next_step="Say product or customers.")
        try:
            configured = self.particle.mode(product_key)
        except errors.ProductNotConfigured:
            raise errors.ModeSwitchRefused(
                f"{product_key} is not configured", public_message=f"bff does not serve a product {product_key!r}.",
                next_step="Name it as BFF_PARTICLE_PRODUCTS does (its id or slug).") from None
        if mode == CUSTOMERS_MODE and configured != CUSTOMERS_MODE:
            raise errors.ModeSwitchRefused(
                f"{product_key}: customers mode needs the product's OAuth client",
                public_message=f"Claiming {product_key}'s devices for their owners' cloud customers needs the "
                               "product's OAuth client.",
                next_step=f"Configure it first (customers:{product_key}:CLIENT_ID:CLIENT_SECRET in "
                          "BFF_PARTICLE_PRODUCTS), then run this command again.")
        report = SwitchReport(product_key, self.recorded(product_key), mode, configured)
        cloud_owners = self._cloud_owners(product_key) if mode == CUSTOMERS_MODE else {}
        for row in self.store.owned_devices_of_product(product_key):
            line = (self._to_product(product_key, row, unclaim, report.from_mode) if mode == PRODUCT_MODE
                    else self._to_customers(product_key, row, cloud_owners))
            report.devices.append(line)
            self.audit.record(actor, "device.set_mode", result=OK if line.outcome != NOT_DONE else FAILED,
                              device_id=line.device_id, person_id=row.get("user_id"),
                              detail=f"{product_key} to {mode} mode: {line.result}")
        if mode == PRODUCT_MODE or (report.count(PENDING) == report.count(NOT_DONE) == 0):
            self.store.record_mode(product_key, mode, now=self.clock())
            report.recorded = True
        self.audit.record(actor, "product.set_mode", result=OK if report.recorded else FAILED,
                          detail=report.summary)
        return report

    def _to_product(self, product_key: str, row: dict, unclaim: bool, from_mode: str) -> DeviceSwitch:
        if not unclaim:
            left = "left claimed in the cloud" if from_mode == CUSTOMERS_MODE else "nothing to do in the cloud"
            return self._line(row, DONE, f"owner kept in bff; {left}")
        try:
            self.particle.unclaim_device(product_key, row["device_id"])
        except errors.BffError as error:
            return self._line(row, NOT_DONE, f"owner kept in bff; still claimed in the cloud: {_words(error)}")
        return self._line(row, DONE, "owner kept in bff; unclaimed in the cloud")

    def _cloud_owners(self, product_key: str) -> dict[str, str | None]:
        """The cloud's owner of every device of the product (one list read per switch)."""
        return {device["id"].lower(): device.get("owner") for device in self.particle.list_product_devices(product_key)}

    def _to_customers(self, product_key: str, row: dict, cloud_owners: dict) -> DeviceSwitch:
        device_id, owner = row["device_id"], row["owner"]
        if row.get("user_id") is None:
            return self._line(row, DONE, "owner kept in bff; not one of bff's people, so no customer of theirs")
        cloud_owner = cloud_owners.get(device_id)
        if cloud_owner == owner:
            return self._line(row, DONE, "owner kept in bff; already claimed in the cloud for them")
        open_claim = self.store.open_claim_of_device(device_id)
        if open_claim is not None:
            return self._line(row, PENDING, f"owner kept in bff; claim {open_claim['id']} waits "
                                            f"({open_claim['state'].replace('_', ' ')}): the worker finishes it")
        try:
            if cloud_owner and not is_bff_username(cloud_owner):
                return self._line(row, NOT_DONE, "owner kept in bff; claimed in the cloud by an account bff "
                                                 "does not know: release it in the Particle console first")
            if cloud_owner:  # another person of bff's, left over: bff's record is the owner
                self.particle.unclaim_device(product_key, device_id)
            return self._claim_for_owner(product_key, row)
        except errors.BffError as error:
            return self._line(row, NOT_DONE, f"owner kept in bff; not claimed in the cloud: {_words(error)}")

    def _claim_for_owner(self, product_key: str, row: dict) -> DeviceSwitch:
        """A claim for the owner's cloud customer (made if new), through the claims service."""
        claim_id = self.store.insert_switch_claim(device_id=row["device_id"], product_key=product_key,
                                                  user_id=row["user_id"], now=self.clock())
        if claim_id is None:
            return self._line(row, PENDING, "owner kept in bff; a claim or move of it is open: run again later")
        self.claims.attempt(claim_id)
        claim = self.claims.claim(claim_id)
        if claim.state == "claimed":
            return self._line(row, DONE, "owner kept in bff; claimed in the cloud for them")
        if not claim.done:
            waits = "waits for the device to come online" if claim.state == "waiting_for_device" \
                else "meets cloud trouble and is tried again"
            return self._line(row, PENDING, f"owner kept in bff; claim {claim.id} {waits}: the worker finishes it")
        last_error = (self.store.claim_row(claim_id) or {}).get("last_error") or claim.message
        return self._line(row, NOT_DONE, f"owner kept in bff; not claimed in the cloud: {last_error}")

    def _line(self, row: dict, outcome: str, result: str) -> DeviceSwitch:
        person = f"person {row['user_id']}" if row.get("user_id") is not None else row["owner"]
        return DeviceSwitch(row["device_id"], person, outcome, result)


def _words(error: errors.BffError) -> str:
    """An error for a switch's report: its kind and the cloud's words, or the operator's view."""
    if isinstance(error, errors.ApiUserNotAllowed):
        return error.plain_reason
    return f"{type(error).__name__}: {getattr(error, 'cloud_message', None) or error.detail}"
