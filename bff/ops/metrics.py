"""`GET /metrics`: bff's figures in the Prometheus text format (prometheus-client), for monitoring.

Off (404) unless `BFF_METRICS_TOKEN` is set; then only `Authorization: Bearer <token>` gets them
(401 otherwise). Every figure is read from the database at scrape time (bff/db/metrics.py), so
all processes of a deployment are counted and a restart loses nothing:

- `bff_claims{state, channel}`: claims by state and channel
- `bff_cloud_calls_last_hour{status}`: calls to the Particle cloud in the last hour by status class
- `bff_sms{direction, status}`: SMS received (`in`) and sent (`out`) by status
- `bff_worker_heartbeat_age_seconds`: seconds since the worker's last heartbeat (NaN: never)
- `bff_queue_length{queue}`: work waiting (open and due claims, SMS to send, SMS being answered, imports)
"""
from __future__ import annotations

import hmac
import math
import time

from flask import Blueprint, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from bff.web.health import WORKER_HEARTBEAT_NAME as WORKER_HEARTBEAT
from bff.wiring import get_services

bp = Blueprint("metrics", __name__)


class StoreCollector:
    """A prometheus-client collector that reads bff's counts from the store on each scrape."""

    def __init__(self, store, clock=time.time) -> None:
        self.store = store
        self.clock = clock

    def collect(self):
        now = self.clock()
        yield _family("bff_claims", "Claims by state and channel.", ["state", "channel"],
                      self.store.claim_counts())
        yield _family("bff_cloud_calls_last_hour", "Calls to the Particle cloud in the last hour, by status class.",
                      ["status"], self.store.cloud_call_counts(since=now - 3600))
        yield _family("bff_sms", "SMS received (in) and sent (out), by status.", ["direction", "status"],
                      self.store.sms_counts())
        age = self.store.seconds_since_heartbeat(WORKER_HEARTBEAT, now=now)
        yield GaugeMetricFamily("bff_worker_heartbeat_age_seconds",
                                "Seconds since the worker's last heartbeat (NaN: it never ran).",
                                value=math.nan if age is None else age)
        yield _family("bff_queue_length", "Work waiting, by queue.", ["queue"],
                      sorted(self.store.queue_lengths(now=now).items()))


def _family(name: str, documentation: str, labels: list[str], rows) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for *values, count in rows:
        family.add_metric([str(value) for value in values], count)
    return family


@bp.get("/metrics")
def metrics():
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    offered = request.headers.get("Authorization", "")
    if not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return "A bearer token is required.\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"',
                                                      "Content-Type": "text/plain; charset=utf-8"}
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(get_services().store))
    return generate_latest(registry), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}
