"""PLACEHOLDER (being written by a helper this session)."""
from bff.ops.blueprint import bp, requires


@bp.get("/import")
@requires("import")
def import_form():
    return "import_form"


@bp.get("/batches/<int:batch_id>")
@requires("import")
def batch(batch_id):
    return "Batch"
