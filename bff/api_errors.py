"""The JSON API's one error shape, for every route under `/api/v1`.

`{"error": {"code": "<stable word>", "message": "<what happened>", "next_step": "<what to do>"}}`

- Errors raised in the API's views are turned into it by the blueprint's own handlers (which win
  over the app-wide ones): each bff exception has a status and a stable code (`ERROR_CODES`);
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
from bff.labels_codes import LabelCodeError

__all__ = ["ApiError", "error_body", "init_errors", "json_response", "valid_id"]

API_PREFIX = "/api/v1"
MAX_ID = 2 ** 63 - 1  # SQLite's largest integer: a bigger id names nothing

# (exception class, HTTP status, code); the first class the error is an instance of wins.
ERROR_CODES = (
    (errors.InvalidPhoneNumber, 400, "invalid_phone"),
    (errors.TooManySignInCodes, 429, "too_many_sign_in_codes"),
    (errors.SignInCodeLocked, 400, "sign_in_code_locked"),
    (errors.SignInCodeExpired, 400, "sign_in_code_expired"),
    (errors.WrongSignInCode, 400, "wrong_sign_in_code"),
    (errors.SetupCodeNotFound, 404, "not_found"),
    (errors.ChooseWifiProduct, 400, "choose_product"),
    (errors.NoWifiProduct, 404, "no_wifi_product"),
    (errors.TooManyClaimCodes, 429, "too_many_requests"),
    (errors.TooManyClaimAttempts, 429, "too_many_claims"),
    (errors.ClaimRefused, 403, "claim_refused"),
    (LabelCodeError, 400, "bad_label_code"),
    (errors.InvalidDeviceId, 400, "invalid_device_id"),
    (errors.RateLimited, 503, "cloud_busy"),
    (errors.CloudUnavailable, 503, "cloud_unavailable"),
    (errors.CloudError, 502, "cloud_error"),
    (errors.BffError, 500, "internal_error"),
)

# Plain words for HTTP errors that carry none of ours.
HTTP_WORDS = {
    400: ("bad_request", "We could not read that request.", "Check the request and try again."),
    401: ("not_signed_in", "You are not signed in.", "Sign in with POST /api/v1/sign-in."),
    404: ("not_found", "There is nothing at this address.", "Check the address against /api/v1/openapi.json."),
    405: ("method_not_allowed", "This address does not take that method.",
          "Use one of the methods in the Allow header."),
    413: ("too_large", "That request was too big.", "Send less and try again."),
    415: ("unsupported_media_type", "We could not read that body.", "Send a JSON object."),
    429: ("too_many_requests", "There were too many requests.", "Please wait a minute, then try again."),
    500: ("internal_error", "Something went wrong on our side.", "Please try again in a few minutes."),
}


def json_response(data, status: int = 200, *, headers: dict | None = None,
                  cache: str = "no-store") -> Response:
    """A JSON reply; never cached unless `cache` says so (replies hold tokens and codes)."""
    response = current_app.response_class(json.dumps(data, separators=(",", ":")), status=status,
                                          mimetype="application/json")
    response.headers["Cache-Control"] = cache
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


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
    return json_response(error_body(error.code, error.public_message, error.next_step), error.status,
                         headers=headers)


def _bff_error(error: errors.BffError) -> Response:
    status, code = _status_and_code(error)
    if status >= 500:
        current_app.logger.warning("API %s %s: %s", request.method, request.path, error.detail)
    headers = {}
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        headers["Retry-After"] = str(max(1, int(retry_after + 0.999)))
    return json_response(error_body(code, error.public_message, error.next_step), status, headers=headers)


def _status_and_code(error: errors.BffError) -> tuple[int, str]:
    for kind, status, code in ERROR_CODES:
        if isinstance(error, kind):
            return status, code
    return 500, "internal_error"


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = json_response(_http_body(status), status)
    for name, value in error.get_headers():
        if name in ("Allow", "Retry-After"):
            response.headers[name] = value
    return response


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):  # pragma: no cover - the HTTPException handler is more specific
        return _http_error(error)
    current_app.logger.exception("API %s %s failed", request.method, request.path)
    return json_response(_http_body(500), 500)


def _http_body(status: int) -> dict:
    words = HTTP_WORDS.get(status) or HTTP_WORDS[500 if status >= 500 else 400]
    return error_body(*words)


def _one_shape(response: Response) -> Response:
    """Answers under `/api/v1` that the app-wide handlers made (404, 405, ...) get our shape."""
    if not _is_api_path(request.path) or response.status_code < 400:
        return response
    body = response.get_json(silent=True) if response.is_json else None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return response  # ours already
    response.set_data(json.dumps(_http_body(response.status_code), separators=(",", ":")))
    response.mimetype = "application/json"
    response.headers["Cache-Control"] = "no-store"
    return response


def _is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")
