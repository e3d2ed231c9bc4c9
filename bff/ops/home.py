"""PLACEHOLDER (being written): /ops home."""
from bff.ops.blueprint import bp, requires


@bp.get("")
@requires("home")
def home():
    return "Operators' home"
