"""PLACEHOLDER (being written by a helper this session)."""
from bff.ops.blueprint import bp, requires


@bp.get("/calls")
@requires("calls")
def calls():
    return "calls"
