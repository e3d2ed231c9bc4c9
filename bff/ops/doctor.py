"""PLACEHOLDER (being written by a helper this session)."""
from bff.ops.blueprint import bp, requires


@bp.get("/devices/<device_id>")
@requires("doctor")
def device(device_id):
    return "device"
