"""Who owns a device, and the operators' fixes to it (release, give, re-read, reprint), each
audited; the device doctor's and the people page's read models."""
from bff.ownership.report import ClaimLine, DeviceReport, PersonRef, PersonReport, Problem
from bff.ownership.service import OwnershipService

__all__ = ["ClaimLine", "DeviceReport", "OwnershipService", "PersonRef", "PersonReport", "Problem"]
