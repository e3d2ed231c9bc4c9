"""`/ops/import` and `/ops/batches/<id>` (admins): import device IDs, follow a batch, print its labels.

A pasted list or an uploaded .txt/.csv becomes a batch (`ImportService.start_batch`, audited); the
worker imports it in chunks; the batch page shows the progress and a result per line (refreshing
itself while the batch runs, no JavaScript needed). Label sheets are the same HTML (or PDF, printed
by Chromium) as `flask bff labels --batch ID`.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from bff.errors import BffError
from bff.imports import MAX_BYTES
from bff.labels import files as label_files
from bff.ops.blueprint import bp, operator, requires
from bff.web.errors import HTTP_PAGE_WORDS, error_page
from bff.web.responses import json_response, live, no_js_refresh, no_store, version_of
from bff.web.security_headers import allow_inline_styles
from bff.wiring import get_services

PER_PAGE = 100
POLL_MS = 3000  # with JavaScript, a running batch's page checks its progress this often
UPLOAD_LIMIT = MAX_BYTES + 64 * 1024  # the list itself, and room for the form around it
START_ENDPOINT = "ops.import_start"


@bp.record_once
def _limits_before_csrf(state) -> None:
    """The import form may carry up to 5 MB (pasted or uploaded); set before CSRF reads the form."""
    state.app.before_request_funcs.setdefault(None, []).insert(0, _upload_limits)


def _upload_limits() -> None:
    if request.endpoint == START_ENDPOINT:
        request.max_content_length = UPLOAD_LIMIT
        request.max_form_memory_size = UPLOAD_LIMIT


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    if request.endpoint == START_ENDPOINT:
        return error_page(413, "The list is bigger than 5 MB.",
                          "Split it into files of at most 5 MB (100,000 lines), then import each.")
    return error_page(413, *HTTP_PAGE_WORDS[413])


@bp.get("/import")
@requires("import")
def import_form():
    return _form_page()


@bp.post("/import")
@requires("import")
def import_start():
    product_key = request.form.get("product", "")
    content, source = _submitted_list()
    try:
        batch = get_services().imports.start_batch(operator(), product_key, content, source)
    except BffError as exc:
        return _form_page(error=exc, status=400)
    flash(f"Import {batch.id} started: {batch.pending} device IDs to import, {batch.invalid} lines not valid.",
          "success")
    return redirect(url_for("ops.batch", batch_id=batch.id), 303)


@bp.get("/batches/<int:batch_id>")
@requires("import")
def batch(batch_id: int):
    imports = get_services().imports
    found = _batch_or_404(batch_id)
    problems_only = request.args.get("show") == "problems"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    lines, count = imports.lines(batch_id, problems_only=problems_only, page=page, per_page=PER_PAGE)
    pages = max(1, -(-count // PER_PAGE))
    return no_store(current_app.make_response(render_template(
        "ops/batch.html", batch=found, lines=lines, count=count, page=page, pages=pages,
        problems_only=problems_only, product_name=get_services().devices.product_name(found.product_key),
        refresh=no_js_refresh(found.open),
        live=live(url_for("ops.batch_json", batch_id=batch_id), _progress(found)["version"], POLL_MS))))


@bp.get("/batches/<int:batch_id>.json")
@requires("import")
def batch_json(batch_id: int):
    return json_response(_progress(_batch_or_404(batch_id)))


def _progress(found) -> dict:
    """A batch's progress as its JSON view shows it; `version` changes whenever any of it does."""
    progress = {
        "id": found.id, "state": found.state, "total": found.total, "processed": found.processed,
        "pending": found.pending, "added": found.added, "already": found.already,
        "invalid": found.invalid, "refused": found.refused, "next_attempt_at": found.next_attempt_at,
        "last_error": found.last_error}
    return {**progress, "version": version_of(progress)}


@bp.get("/batches/<int:batch_id>/labels")
@requires("import")
def batch_labels(batch_id: int):
    html = _sheet(batch_id)
    response = current_app.make_response(html)
    response.mimetype = "text/html"
    # The sheet is printed: its paper size and label grid are a <style> made for the paper. Only
    # that exact style is allowed (by hash), on this route alone.
    return no_store(allow_inline_styles(response, html))


@bp.get("/batches/<int:batch_id>/labels.pdf")
@requires("import")
def batch_labels_pdf(batch_id: int):
    html = _sheet(batch_id)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"labels-{batch_id}.pdf"
        try:
            label_files.print_pdf(html, out)
        except (BffError, OSError, subprocess.SubprocessError) as exc:
            current_app.logger.warning("label PDF of batch %s: %s", batch_id, exc)
            return error_page(503, "PDF needs Chromium, which is not installed (or failed) on this server.",
                              "Open the HTML label sheet instead: it prints from any browser at 100% scale.")
        pdf = out.read_bytes()
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="labels-{batch_id}.pdf"'
    return no_store(response)


def _sheet(batch_id: int) -> str:
    _batch_or_404(batch_id)
    paper = request.args.get("paper", "a4")
    if paper not in ("a4", "letter"):
        abort(400)
    services = get_services()
    rows = services.imports.label_rows(operator(), batch_id)
    return label_files.sheet_html(services, rows, paper, current_app.config)


def _batch_or_404(batch_id: int):
    found = get_services().imports.batch(batch_id)
    if found is None:
        abort(404)
    return found


def _submitted_list() -> tuple[bytes | str, str]:
    """The uploaded file when one was chosen, else the pasted text; and where it came from."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.read(MAX_BYTES + 1), f"file {Path(upload.filename).name[:100]}"
    return request.form.get("ids", ""), "pasted"


def _form_page(*, error: BffError | None = None, status: int = 200):
    services = get_services()
    products = [(key, services.devices.product_name(key)) for key in services.particle.product_keys()]
    page = render_template("ops/import.html", products=products, recent=services.imports.recent(),
                           error=error, form=request.form, max_mb=MAX_BYTES // (1024 * 1024))
    return page, status
