"""`OwnershipService`: who owns a device, and the operators' fixes to it, each audited.

- `release`: the device has no owner any more, in the cloud and in bff (product mode: in bff, the
  only place that records it); its label code stays, so the same box label works for the next
  owner. Refused while a claim of it is open.
- `give`: release, then claim it for the person of a phone number (made if new); they get a text.
- `reread`: read the device from the cloud and take what it says into bff (owner too, unless the
  product is in product mode, where bff's record is the owner).
- `label_for`: the device's row for its label (reprint), with a label code made if it had none.
- `report`, `person_report` (bff/ownership/doctor.py): what the doctor and the people page show.

Every change is written to the audit log with its result: ok, refused (with the reason) or failed
(with the cloud's words).
"""
from __future__ import annotations

import time

from bff import errors
from bff.accounts.phones import e164_or_normalized
from bff.audit import FAILED, OK, REFUSED
from bff.device_ids import normalize_device_id
from bff.ownership.doctor import OwnershipReads
from bff.ownership.report import cloud_time

GIVE_CHANNEL = "ops"


class OwnershipService(OwnershipReads):
    """Release, give, re-read and reprint a device; the doctor's and the people page's reads."""

    def __init__(self, store, particle, claims, devices, sms, audit, accounts, clock=time.time) -> None:
        self.store = store
        self.particle = particle
        self.claims = claims
        self.devices = devices
        self.sms = sms
        self.audit = audit
        self.accounts = accounts
        self.clock = clock

    # -- release and give --------------------------------------------------------------------------

    def release(self, device_id: str, *, actor) -> int | None:
        """Unclaim the device in the cloud and in bff; returns the person who owned it (if ours)."""
        row = self._known_device(device_id, actor, "device.release")
        owner = self._owner_person_id(row)
        open_claim = self.store.open_claim_of_device(row["device_id"])
        if open_claim is not None:
            self._record(actor, "device.release", row, REFUSED, f"claim {open_claim['id']} is open", owner)
            raise errors.ReleaseRefused(f"claim {open_claim['id']} of {row['device_id']} is open")
        in_cloud = self.particle.owners_in_cloud(row["product_key"])  # product mode: bff's record only
        if in_cloud:
            self._cloud(actor, "device.release", row, owner,
                        lambda: self.particle.unclaim_device(row["product_key"], row["device_id"]))
        self.store.clear_device_owner(row["device_id"], now=self.clock())
        self._record(actor, "device.release", row, OK, f"owner was {row.get('owner') or 'nobody'}"
                     + ("" if in_cloud else " (product mode: in bff only)"), owner)
        return owner

    def give(self, device_id: str, phone: str, *, actor):
        """Release the device, then claim it for the person of `phone` (made if new): (claim, outcome, person)."""
        row = self._known_device(device_id, actor, "device.give")
        try:
            phone = e164_or_normalized(phone, self.accounts.default_region)
        except errors.InvalidPhoneNumber:
            self._record(actor, "device.give", row, REFUSED, "not a phone number")
            raise
        self.release(row["device_id"], actor=actor)
        person = self.accounts.user_for_phone(phone)
        try:
            claim, outcome = self.claims.request_claim_for(person.id, row["device_id"], operator_id=actor.id,
                                                           channel=GIVE_CHANNEL)
        except errors.BffError as error:
            self._record(actor, "device.give", row, FAILED, f"released; claim refused: {error.detail}", person.id)
            raise
        self._record(actor, "device.give", row, OK, f"to person {person.id}: claim {claim.id} {outcome}", person.id)
        return claim, outcome, person

    # -- re-read and label ------------------------------------------------------------------------

    def reread(self, device_id: str, *, actor) -> dict:
        """Read the device from the cloud and keep what it says (name, online, owner, ...); the new row."""
        device_id = normalize_device_id(device_id)
        row = self.store.device(device_id) or {"device_id": device_id}
        product_key, cloud = self._find_in_products(row, actor)
        kept = self.devices.remember(product_key, cloud, owner=self.particle.takes_cloud_owners(product_key))
        heard = cloud_time(cloud.get("last_heard"))
        if heard is not None:
            self.store.upsert_device(device_id, last_seen_at=heard, now=self.clock())
        self._record(actor, "device.reread", kept, OK,
                     f"owner {kept.get('owner') or 'nobody'}, {'online' if kept.get('online') else 'offline'}",
                     self._owner_person_id(kept))
        return self.store.device(device_id)

    def label_for(self, device_id: str, *, actor) -> dict:
        """The device's row for printing its label again (a label code made if it had none); audited."""
        row = self._known_device(device_id, actor, "label.reprint")
        code = self.devices.ensure_label_code(row["device_id"], now=self.clock())
        self._record(actor, "label.reprint", row, OK, "new label code" if not row.get("label_code") else None)
        return {**row, "label_code": code}

    # -- helpers ----------------------------------------------------------------------------------

    def _known_device(self, device_id: str, actor, action: str) -> dict:
        device_id = normalize_device_id(device_id)
        row = self.store.device(device_id)
        if row is None or not row.get("product_key"):
            self._record(actor, action, {"device_id": device_id}, REFUSED, "bff does not know this device")
            raise errors.FixRefused(f"unknown device {device_id}",
                                    public_message="bff does not know this device yet.",
                                    next_step="Read it from the cloud first, or import it into its product.")
        return row

    def _find_in_products(self, row: dict, actor) -> tuple[str, dict]:
        """(product key, the cloud's device): from its product, or any product when bff does not know it."""
        keys = [row["product_key"]] if row.get("product_key") else self.particle.product_keys()
        for product_key in keys:
            try:
                return product_key, self.particle.get_device(product_key, row["device_id"])
            except (errors.NotFound, errors.DeviceNotInProduct):
                continue
            except errors.CloudError as error:
                self._record(actor, "device.reread", row, FAILED, _cloud_words(error))
                raise
        self._record(actor, "device.reread", row, REFUSED, "in none of the products")
        raise errors.FixRefused(f"{row['device_id']} is in none of the products",
                                public_message="None of our products has this device.",
                                next_step="Check the device ID, or import it into its product first.")

    def _cloud(self, actor, action: str, row: dict, person_id: int | None, call):
        """Run a cloud call; a failure is audited as failed with the cloud's words, and raised."""
        try:
            return call()
        except errors.CloudError as error:
            self._record(actor, action, row, FAILED, _cloud_words(error), person_id)
            raise

    def _owner_person_id(self, row: dict) -> int | None:
        customer = self.store.shadow_customer_by_username(row["owner"]) if row.get("owner") else None
        return customer["user_id"] if customer else None

    def _record(self, actor, action: str, row: dict, result: str, detail: str | None,
                person_id: int | None = None) -> None:
        self.audit.record(actor, action, result=result, device_id=row["device_id"], person_id=person_id,
                          detail=detail)


def _cloud_words(error: errors.CloudError) -> str:
    """A cloud error for the audit log: its kind and the cloud's own words."""
    return f"{type(error).__name__}: {getattr(error, 'cloud_message', None) or error.detail}"
