"""The audit log: every operator action, who did it, when, to which device and person, the result."""
from bff.audit.log import FAILED, OK, REFUSED, AuditEntry, AuditLog, safe_cell

__all__ = ["AuditEntry", "AuditLog", "FAILED", "OK", "REFUSED", "safe_cell"]
