"""Operators' roles and what each may do in the console (bff/ops), in one table.

- `admin`: everything, and managing operators, importing devices, printing labels.
- `support`: the desk: home and search, device doctor, people, claims, the cloud-call log, the
  audit log, and the fixes (retry, cancel, release, give, re-read, reprint). Phone numbers are
  shown masked but for the last digits.
- `field`: field mode only (claiming boxes for a customer, one scan each).

Admins and support staff sign in with their password and a one-time code texted to their phone
(the second factor); field crews with their password only (gloves, weak signal: one step).
"""
from __future__ import annotations

ADMIN, SUPPORT, FIELD = "admin", "support", "field"
ROLES = (ADMIN, SUPPORT, FIELD)
SECOND_FACTOR_ROLES = frozenset({ADMIN, SUPPORT})

_DESK = frozenset({ADMIN, SUPPORT})
PERMISSIONS: dict[str, frozenset[str]] = {
    "home": _DESK,          # /ops: the product at a glance, search
    "doctor": _DESK,        # /ops/devices/<id>
    "people": _DESK,        # /ops/people/<id>
    "claims": _DESK,        # /ops/claims
    "calls": _DESK,         # /ops/calls
    "audit": _DESK,         # /ops/audit
    "webhooks": _DESK,      # /ops/webhooks: events to the product creator's endpoints, send again
    "fix": _DESK,           # retry, cancel, release, give, re-read, reprint
    "full_phone": frozenset({ADMIN}),  # phone numbers shown whole
    "import": frozenset({ADMIN}),      # /ops/import, /ops/batches, label sheets
    "operators": frozenset({ADMIN}),   # /ops/operators
    "field": frozenset(ROLES),         # /ops/field
}

ROLE_WORDS = {
    ADMIN: "Admin: everything, and managing operators, imports and labels",
    SUPPORT: "Support: doctor, claims, logs and fixes",
    FIELD: "Field crew: field mode only",
}


def role_may(role: str | None, permission: str) -> bool:
    """True when an operator of `role` may do `permission` (an unknown permission: nobody)."""
    return role in PERMISSIONS.get(permission, frozenset())


def home_permission(role: str | None) -> str:
    """Where an operator of `role` starts: the desk's home, or field mode."""
    return "home" if role_may(role, "home") else "field"
