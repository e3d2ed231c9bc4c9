"""`/ops/calls`: every call bff made to the Particle cloud, newest first, with the reason in plain
words (bff/ops/reasons.py) and a failed call's raw reply on demand. Filters: device, person (their
user id or phone: the calls made as their shadow customers), product, status (ok, failed, no answer,
or an HTTP status) and a time range (UTC); `?format=csv` downloads what the filters select.

Every filter is served by an index (bff/db/calls.py), so it stays fast over a million rows.
The log never holds a token: paths, errors and replies were redacted when stored.
"""
from __future__ import annotations

import csv
import io

from flask import Response, render_template, request, url_for

from bff.accounts.phones import e164_or_normalized
from bff.audit.log import safe_cell
from bff.db.calls import CSV_ROW_LIMIT
from bff.errors import InvalidPhoneNumber
from bff.ops.blueprint import bp, requires
from bff.ops.reasons import plain_reason
from bff.ops.words import typed_utc, utc, whole_number
from bff.wiring import get_services

PAGE_SIZE = 100
STATUSES = {"": "Every call", "ok": "OK", "failed": "Failed", "none": "No answer (timed out, no connection)"}
CSV_COLUMNS = ("id", "at_utc", "method", "path", "status", "ms", "reason", "error", "product", "device_id",
               "customer", "reply")
FILTER_NAMES = ("device", "person", "product", "status", "from", "to")


@bp.get("/calls")
@requires("calls")
def calls():
    store = get_services().store
    filters, problems = _filters(store, request.args)
    if request.args.get("format") == "csv":
        rows = store.cloud_calls(limit=CSV_ROW_LIMIT, **filters) if not problems else []
        return Response(csv_text(rows), mimetype="text/csv", headers={
            "Content-Disposition": 'attachment; filename="bff-cloud-calls.csv"', "Cache-Control": "no-store"})
    rows = [] if problems else store.cloud_calls(
        limit=PAGE_SIZE + 1, before_id=whole_number(request.args.get("before")), **filters)
    kept = {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}
    older = url_for("ops.calls", **kept, before=rows[PAGE_SIZE - 1]["id"]) if len(rows) > PAGE_SIZE else None
    return render_template("ops/calls.html", rows=rows[:PAGE_SIZE], older=older, problems=problems,
                           args=request.args, statuses=STATUSES, products=get_services().particle.product_keys(),
                           csv_url=url_for("ops.calls", **kept, format="csv"), reason=plain_reason, utc=utc)


def csv_text(rows: list[dict]) -> str:
    """The calls as CSV (UTC times); every cell safe from spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(value) for value in (
            row["id"], utc(row["at"]), row["method"], row["path"], row["status"], row["ms"],
            plain_reason(row["status"], row["error"]), row["error"], row["product_key"], row["device_id"],
            row["customer"], row.get("reply"))])
    return out.getvalue()


def _filters(store, args) -> tuple[dict, list[str]]:
    """The store's filters from the query string, and plain words for any that could not be read."""
    filters: dict = {}
    problems: list[str] = []
    if args.get("device"):
        filters["device_id"] = args["device"].strip().lower()
    if args.get("product"):
        filters["product_key"] = args["product"].strip()
    if args.get("person"):
        person = _person(store, args["person"])
        if person is None:
            problems.append("No person has that number or phone: type their person number or phone number.")
        else:
            filters["customers"] = store.customer_usernames(person["id"])
    status = args.get("status", "").strip().lower()
    if status in STATUSES or (status.isdigit() and 100 <= int(status) <= 599):
        filters["status"] = status or None
    else:
        problems.append("Status must be ok, failed, none or an HTTP status such as 429.")
    for name, key in (("from", "since"), ("to", "until")):
        if args.get(name):
            filters[key] = typed_utc(args[name])
            if filters[key] is None:
                problems.append(f"The {name} time must look like 2026-12-01 or 2026-12-01 14:30 (UTC).")
    return {key: value for key, value in filters.items() if value is not None}, problems


def _person(store, text: str) -> dict | None:
    """The person a typed user id or phone number names."""
    text = text.strip()
    if text.isdigit() and len(text) < 10:
        return store.user(int(text))
    try:
        return store.user_by_phone(e164_or_normalized(text))
    except InvalidPhoneNumber:
        return None
