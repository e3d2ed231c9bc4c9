"""The JSON API's one error shape, for every route under `/api/v1`.

`{"error": {"code": "<stable word>", "message": "<what happened>", "next_step": "<what to do>"}}`

- Errors raised in the API's views are turned into it by the blueprint's own handlers (which win
  over the app-wide ones): each bff exception has a status and a stable code (the one table,
  `ERROR_STATUS` in bff/web/errors.py);
  the words are the exception's `public_message` and `next_step`, never a cloud's text or a
  stack trace.
- Errors that happen before a view runs (an unknown path: 404, a wrong method: 405) are answered
  by the app-wide handlers; an after-request hook rewrites those under `/api/v1` to this shape.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from bff import errors
from bff.errors import ApiError, error_body
from bff.web.errors import HTTP_CODES, error_json, json_error, status_and_code
from bff.web.responses import json_response

__all__ = ["ApiError", "init_errors", "json_response", "valid_id"]

API_PREFIX = "/api/v1"
MAX_ID = 2 ** 63 - 1  # SQLite's largest integer: a bigger id names nothing

# Plain words for HTTP errors that carry none of ours: (message, next step). The codes and the
# statuses of bff's own errors are the app-wide ones (bff/web/errors.py).
HTTP_WORDS = {
    400: ("We could not read that request.", "Check the request and try again."),
    401: ("You are not signed in.", "Sign in with POST /api/v1/sign-in."),
    404: ("There is nothing at this address.", "Check the address against /api/v1/openapi.json."),
    405: ("This address does not take that method.", "Use one of the methods in the Allow header."),
    413: ("That request was too big.", "Send less and try again."),
    415: ("We could not read that body.", "Send a JSON object."),
    429: ("There were too many requests.", "Please wait a minute, then try again."),
    500: ("Something went wrong on our side.", "Please try again in a few minutes."),
}


def valid_id(value: int) -> int:
    """A row id from a path; ids SQLite cannot hold name nothing (404, not a crash)."""
    if value > MAX_ID:
        raise ApiError(f"id {value} out of range", status=404, code="not_found",
                       public_message="We could not find that.", next_step="Check the id.")
    return value


def init_errors(bp: Blueprint) -> None:
    """Give the blueprint its error handlers and the app an after-request hook for `/api/v1`."""
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(errors.BffError, _bff_error)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(Exception, _unexpected)
    bp.after_app_request(_one_shape)


def _api_error(error: ApiError) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="bff"'} if error.status == 401 else None
    return json_error(error.status, error.code, error.public_message, error.next_step, headers=headers)


def _bff_error(error: errors.BffError) -> Response:
    if status_and_code(error)[0] >= 500:
        current_app.logger.warning("API %s %s: %s", request.method, request.path, error.detail)
    return error_json(error)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = json_error(status, *_http_words(status))
    for name, value in error.get_headers():
        if name in ("Allow", "Retry-After"):
            response.headers[name] = value
    return response


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):  # pragma: no cover - the HTTPException handler is more specific
        return _http_error(error)
    current_app.logger.exception("API %s %s failed", request.method, request.path)
    return json_error(500, *_http_words(500))


def _http_words(status: int) -> tuple[str, str, str]:
    """(code, message, next step) for an HTTP error status."""
    known = status if status in HTTP_WORDS else (500 if status >= 500 else 400)
    return (HTTP_CODES.get(known, "bad_request"), *HTTP_WORDS[known])


def _one_shape(response: Response) -> Response:
    """Answers under `/api/v1` that the app-wide handlers made (404, 405, ...) get our shape."""
    if not _is_api_path(request.path) or response.status_code < 400:
        return response
    body = response.get_json(silent=True) if response.is_json else None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return response  # ours already
    code, message, next_step = _http_words(response.status_code)
    response.set_data(json.dumps(error_body(code, message, next_step), separators=(",", ":")))
    response.mimetype = "application/json"
    response.headers["Cache-Control"] = "no-store"
    return response


def _is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")
