"""PLACEHOLDER (being written by a helper this session)."""
from bff.ops.blueprint import bp, requires


@bp.get("/audit")
@requires("audit")
def audit():
    return "audit"
