"""Who owns a device: the operators' fixes to it (release, give, re-read, reprint), each audited; the
device doctor's and the people page's read models; and after the first claim, for every channel,
`LifecycleService`: remove, give, ask the owner, share, YES/NO answers, durable moves."""
from bff.ownership.lifecycle import Answer, LifecycleService, Move, Offer, Question, Share
from bff.ownership.report import ClaimLine, DeviceReport, PersonRef, PersonReport, Problem
from bff.ownership.service import OwnershipService

__all__ = ["Answer", "ClaimLine", "DeviceReport", "LifecycleService", "Move", "Offer", "OwnershipService",
           "PersonRef", "PersonReport", "Problem", "Question", "Share"]
