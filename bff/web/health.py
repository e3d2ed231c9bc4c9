"""`GET /healthz`: is the database usable, the cloud reachable, the worker alive? And is any product's
data in another ownership mode than the configured one (`ownership_modes`: each mismatch with the
command that ends it)? A mismatch does not make the answer 503: bff serves the configured mode
meanwhile, and a load balancer must not take every instance out for a configuration question."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from bff.wiring import get_services

bp = Blueprint("health", __name__)

WORKER_HEARTBEAT_NAME = "worker"
WORKER_SILENCE_LIMIT_SECONDS = 60


@bp.get("/healthz")
def healthz():
    """JSON health report; 200 when every part is fine, else 503 (for load balancers)."""
    services = get_services()
    report = {
        "database": _database_status(services.store),
        "cloud": "reachable" if services.particle.ping() else "unreachable",
        "worker": _worker_status(services.store),
    }
    report["ownership_modes"] = _ownership_modes_status(services.modes)
    if services.sandbox_url:
        report["sandbox"] = {"base_url": services.sandbox_url}
    healthy = report["database"] == "ok" and report["cloud"] == "reachable" and report["worker"] == "alive"
    report["ok"] = healthy
    return jsonify(report), 200 if healthy else 503


def _database_status(store) -> str:
    try:
        store.ping()
    except Exception:  # any database failure means "not ok"; the details go to the log
        current_app.logger.exception("database health check failed")
        return "error"
    return "ok"


def _ownership_modes_status(modes) -> str | list[dict]:
    """"ok", or each product whose recorded mode differs from the configured one, with what to run."""
    try:
        found = modes.mismatches() if modes is not None else []
    except Exception:  # the record is in the database: the database line says what is wrong
        current_app.logger.exception("ownership mode health check failed")
        return "unknown"
    if not found:
        return "ok"
    return [{"product": m.product_key, "configured": m.configured, "recorded": m.recorded, "message": m.message}
            for m in found]


def _worker_status(store) -> str:
    try:
        age = store.seconds_since_heartbeat(WORKER_HEARTBEAT_NAME)
    except Exception:  # the heartbeat is in the database: without it the worker is unknown
        current_app.logger.exception("worker health check failed")
        return "unknown"
    if age is None:
        return "never seen"
    return "alive" if age <= WORKER_SILENCE_LIMIT_SECONDS else "silent"

