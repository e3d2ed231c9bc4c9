"""`/ops`: each product at a glance, whether the worker runs, and the one search box (`/ops/search`).

Figures per product: devices bff knows, how many are claimed, claims waiting, claims that ended
failed or refused in the last 24 hours, cloud calls that failed in the last hour. The search finds
a device or a person (bff/ops/search.py): one match opens its page, several are listed.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, render_template, request, url_for

from bff.ops import search as searching
from bff.ops.blueprint import bp, operator, requires
from bff.ops.words import age
from bff.web.health import WORKER_HEARTBEAT_NAME, WORKER_SILENCE_LIMIT_SECONDS
from bff.wiring import get_services

DAY, HOUR = 24 * 3600, 3600
START_WORKER = "flask --app app bff worker"


@dataclass(frozen=True)
class ProductGlance:
    key: str
    name: str
    devices: int
    claimed: int
    waiting: int
    failed: int
    cloud_errors: int


@bp.get("")
@requires("home")
def home():
    if request.args.get("q", "").strip():
        return search()
    services = get_services()
    now = services.claims.clock()
    glances = [_glance(services, key, now) for key in services.particle.product_keys()]
    running, worker_words = _worker(services.store, now)
    return render_template("ops/home.html", products=glances, worker_running=running,
                           worker_words=worker_words, searchable=searching.SEARCHABLE)


@bp.get("/search")
@requires("home")
def search():
    text = request.args.get("q", "").strip()
    if not text:
        return redirect(url_for("ops.home"), 303)
    found = searching.find(get_services().store, text, operator())
    if len(found) == 1:
        return redirect(found[0].url, 303)
    return render_template("ops/search.html", q=text[:searching.LONGEST_QUERY], found=found,
                           searchable=searching.SEARCHABLE)


def _glance(services, product_key: str, now: float) -> ProductGlance:
    figures = services.store.product_figures(product_key, day_since=now - DAY, hour_since=now - HOUR)
    return ProductGlance(key=product_key, name=services.devices.product_name(product_key), **figures)


def _worker(store, now: float) -> tuple[bool, str]:
    """Whether the worker runs, said plainly (with what to do when it does not)."""
    seconds = store.seconds_since_heartbeat(WORKER_HEARTBEAT_NAME, now=now)
    if seconds is None:
        return False, f"Worker: not running (it never started): start it with {START_WORKER}"
    if seconds <= WORKER_SILENCE_LIMIT_SECONDS:
        return True, f"Worker: running (last beat {age(seconds)} ago)"
    return False, f"Worker: not running (last beat {age(seconds)} ago): start it with {START_WORKER}"
