"""The device doctor's and the people page's reads (mixed into `OwnershipService`): bff's record,
one live read from the cloud, the claim history, the last cloud calls, the problems found."""
from __future__ import annotations

from bff import errors
from bff.device_ids import normalize_device_id
from bff.devices.platforms import platform_name
from bff.ownership.problems import available_fixes, find_problems
from bff.ownership.report import (
    CallLine, ClaimLine, DeviceReport, PersonRef, PersonReport, cloud_time,
)

CALLS_SHOWN = 10
CLAIMS_SHOWN = 20
_NOT_THERE = (errors.NotFound, errors.DeviceNotInProduct, errors.Forbidden)


class OwnershipReads:
    """report() and person_report() (needs self.store, self.particle, self.devices, self.audit, self.clock)."""

    def report(self, device_id: str) -> DeviceReport:
        """Everything the doctor shows about a device (raises InvalidDeviceId for a non-ID)."""
        device_id = normalize_device_id(device_id)
        row = self.store.device(device_id)
        report = DeviceReport(device_id=device_id, known=row is not None, in_product=None)
        report.claims = [ClaimLine.from_row(r) for r in self.store.claims_of_device(device_id, limit=CLAIMS_SHOWN)]
        report.calls = [CallLine.from_row(r) for r in self.store.cloud_calls(device_id=device_id, limit=CALLS_SHOWN)]
        self._fill_from_record(report, row)
        self._fill_from_cloud(report, row)
        report.fixes = available_fixes(report)
        report.problems = find_problems(report, self.clock())
        return report

    def _fill_from_record(self, report: DeviceReport, row: dict | None) -> None:
        if row is None:
            return
        report.product_key = row.get("product_key")
        report.name, report.label_code = row.get("name"), row.get("label_code")
        report.serial_number, report.iccid = row.get("serial_number"), row.get("iccid")
        report.platform = platform_name(row.get("platform_id"))
        report.online = None if row.get("online") is None else bool(row["online"])
        report.last_heard = row.get("last_seen_at")
        report.bff_owner = row.get("owner")
        report.bff_owner_person = self._person_of_customer(report.bff_owner)

    def _fill_from_cloud(self, report: DeviceReport, row: dict | None) -> None:
        product_key, cloud = self._read_cloud(report, row)
        if product_key is not None:
            report.product_key = product_key
            report.product_name = self.devices.product_name(product_key)
            report.owners_in_cloud = self._takes_cloud_owners(product_key)
        if cloud is None:
            return
        report.name = cloud.get("name") or report.name
        report.online = cloud.get("online", report.online)
        report.last_heard = cloud_time(cloud.get("last_heard")) or report.last_heard
        report.platform = platform_name(cloud["platform_id"]) if cloud.get("platform_id") else report.platform
        report.serial_number = cloud.get("serial_number") or report.serial_number
        report.iccid = cloud.get("iccid") or report.iccid
        report.cloud_owner = cloud.get("owner")
        report.held = "denied" if cloud.get("denied") else "quarantined" if cloud.get("quarantined") else None
        report.cloud_owner_person = self._person_of_customer(report.cloud_owner)

    def _read_cloud(self, report: DeviceReport, row: dict | None) -> tuple[str | None, dict | None]:
        """(product key, the cloud's device) from the device's product, or any product when bff
        does not know which; sets report.in_product and report.cloud_error."""
        known_key = (row or {}).get("product_key")
        for product_key in [known_key] if known_key else self.particle.product_keys():
            try:
                cloud = self.particle.get_device(product_key, report.device_id)
            except _NOT_THERE:
                continue
            except errors.BffError as error:
                report.cloud_error = error
                return product_key, None
            report.in_product = True
            return product_key, cloud
        report.in_product = False
        return known_key, None

    def _takes_cloud_owners(self, product_key: str) -> bool:
        """Whether the cloud's owner counts for the product (product mode: None there is normal)."""
        try:
            return self.particle.takes_cloud_owners(product_key)
        except errors.ProductNotConfigured:
            return True

    def _person_of_customer(self, username: str | None) -> PersonRef | None:
        """The bff person whose shadow customer is `username` (None: not one of ours)."""
        customer = self.store.shadow_customer_by_username(username) if username else None
        return self._person(customer["user_id"]) if customer else None

    def _person(self, user_id: int) -> PersonRef | None:
        row = self.store.user(user_id)
        return PersonRef(row["id"], row.get("phone"), row.get("login")) if row else None

    # -- the people page ---------------------------------------------------------------------------

    def person_report(self, person_id: int) -> PersonReport | None:
        """A person's phone, devices, claims, sign-ins and what operators did to them; None if unknown."""
        row = self.store.user(person_id)
        if row is None:
            return None
        return PersonReport(
            id=row["id"], phone=row.get("phone"), login=row.get("login"), role=row.get("role") or "customer",
            ops_role=row.get("ops_role"), created_at=row["created_at"],
            devices=self.devices.owned_devices(person_id),
            claims=[ClaimLine.from_row(r) for r in self.store.claim_history_of_user(person_id)],
            sign_ins=self.store.sign_ins_of(person_id),
            actions=self.audit.entries(person_id=person_id, limit=20),
        )
