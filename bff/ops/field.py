"""PLACEHOLDER (being written): /ops/field."""
from bff.ops.blueprint import bp, requires


@bp.get("/field")
@requires("field")
def field():
    return "Field mode"
