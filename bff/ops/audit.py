"""`/ops/audit`: every operator action, filterable by operator, action, device, person, result and
date; `?format=csv` downloads what the filters select (up to 100,000 rows, newest first)."""
from __future__ import annotations

import calendar
import time

from flask import Response, render_template, request, url_for

from bff.ops.blueprint import bp, requires
from bff.wiring import get_services

PAGE_SIZE = 100
CSV_LIMIT = 100_000
RESULTS = ("ok", "refused", "failed")


@bp.get("/audit")
@requires("audit")
def audit():
    filters, problems = _filters(request.args)
    services = get_services()
    if request.args.get("format") == "csv":
        entries = services.audit.entries(limit=CSV_LIMIT, **filters)
        return Response(services.audit.csv_text(entries), mimetype="text/csv", headers={
            "Content-Disposition": 'attachment; filename="bff-audit.csv"', "Cache-Control": "no-store"})
    before_id = _int(request.args.get("before"))
    entries = services.audit.entries(limit=PAGE_SIZE + 1, before_id=before_id, **filters)
    older = url_for("ops.audit", **{**request.args.to_dict(), "before": entries[PAGE_SIZE - 1].id}) \
        if len(entries) > PAGE_SIZE else None
    return render_template("ops/audit.html", entries=entries[:PAGE_SIZE], older=older, problems=problems,
                           args=request.args, actions=services.audit.actions(), results=RESULTS,
                           operators=services.operators.operators(),
                           csv_url=url_for("ops.audit", **{**request.args.to_dict(), "format": "csv"}),
                           when=_when)


def _filters(args) -> tuple[dict, list[str]]:
    """The audit filters in the query string, and plain words for any that could not be read."""
    filters: dict = {}
    problems: list[str] = []
    for name in ("actor_id", "person_id"):
        if args.get(name):
            filters[name] = _int(args[name])
            if filters[name] is None:
                problems.append(f"{name.replace('_', ' ')} must be a number.")
    for name in ("action", "result"):
        if args.get(name):
            filters[name] = args[name].strip()
    if args.get("device_id"):
        filters["device_id"] = args["device_id"].strip().lower()
    for name, key, extra in (("from", "since", 0), ("to", "until", 24 * 3600)):
        if args.get(name):
            day = _day(args[name])
            if day is None:
                problems.append(f"The {name} date must look like 2026-12-01.")
            else:
                filters[key] = day + extra
    return {key: value for key, value in filters.items() if value is not None}, problems


def _int(text) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def _day(text: str) -> float | None:
    """Midnight UTC of a YYYY-MM-DD date."""
    try:
        return float(calendar.timegm(time.strptime(text.strip(), "%Y-%m-%d")))
    except ValueError:
        return None


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(stamp))
