"""PLACEHOLDER (being written by a helper this session)."""
from bff.ops.blueprint import bp, requires


@bp.get("/claims")
@requires("claims")
def claims():
    return "claims"
