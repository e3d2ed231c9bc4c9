"""PLACEHOLDER (being written by a helper this session)."""
from bff.ops.blueprint import bp, requires


@bp.get("/people/<int:person_id>")
@requires("people")
def person(person_id):
    return "person"
