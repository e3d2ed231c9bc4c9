"""How errors reach people over HTTP, for every channel (pages, JSON routes, the JSON API).

- `ERROR_STATUS`: the one table from bff's errors to an HTTP status and a stable code.
- `json_error`: the one JSON error shape, `{"error": {"code", "message", "next_step"}}`, never cached.
- `init_app`: the app-wide error pages (404, 405, 500, CSRF, any `BffError`) in the site's style,
  as JSON for JSON routes (`/api/...`, `*.json`, `/healthz`, or a client that asks for JSON).
  People read an exception's `public_message` and `next_step`, never a stack trace or a cloud's text.
"""
from __future__ import annotations


from flask import Flask, Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from bff import errors
from bff.errors import error_body
from bff.labels import LabelCodeError
from bff.web.responses import json_response

# (exception class, HTTP status, code); the first class the error is an instance of wins.
ERROR_STATUS = (
    (errors.NotAllowed, 403, "not_allowed"),
    (errors.NotTheOwner, 403, "not_the_owner"),
    (errors.AsksStopped, 403, "asks_stopped"),
    (errors.TooManyAsks, 429, "too_many_asks"),
    (errors.OfferNotFound, 404, "offer_not_found"),
    (errors.NotShared, 404, "not_shared"),
    (errors.NothingToAnswer, 404, "nothing_to_answer"),
    (errors.WhichQuestion, 409, "which_question"),
    (errors.DeviceBusy, 409, "device_busy"),
    (errors.AlreadyOffered, 409, "already_offered"),
    (errors.AlreadyShared, 409, "already_shared"),
    (errors.UnknownDevice, 404, "unknown_device"),
    (errors.TooManyInvites, 429, "too_many_invites"),
    (errors.OfferClosed, 409, "offer_closed"),
    (errors.MoveFailed, 502, "move_failed"),
    (errors.LifecycleError, 409, "refused"),
    (errors.UnknownOperator, 404, "not_found"),
    (errors.FixRefused, 409, "fix_refused"),
    (errors.OpsError, 400, "bad_request"),
    (errors.OperatorSetupError, 400, "bad_operator"),
    (errors.NotSignedIn, 401, "not_signed_in"),
    (errors.InvalidPhoneNumber, 400, "invalid_phone"),
    (errors.NumberTaken, 409, "number_taken"),
    (errors.NoNumberChange, 404, "no_number_change"),
    (errors.NumberChangeError, 400, "number_change_refused"),
    (errors.TooManySignInCodes, 429, "too_many_sign_in_codes"),
    (errors.TooManyWrongCodes, 429, "too_many_wrong_codes"),
    (errors.SignInCodeLocked, 400, "sign_in_code_locked"),
    (errors.SignInCodeExpired, 400, "sign_in_code_expired"),
    (errors.WrongSignInCode, 400, "wrong_sign_in_code"),
    (errors.SetupCodeNotFound, 404, "not_found"),
    (errors.WifiSetupNeedsCustomers, 409, "needs_customers_mode"),  # product mode: no setup codes
    (errors.NeedsCustomersMode, 409, "needs_customers_mode"),
    (errors.ChooseWifiProduct, 400, "choose_product"),
    (errors.NotAWifiProduct, 400, "not_a_wifi_product"),
    (errors.NoWifiProduct, 404, "no_wifi_product"),
    (errors.TooManyClaimCodes, 429, "too_many_requests"),
    (errors.TooManyClaimAttempts, 429, "too_many_claims"),
    (errors.SerialNeedsLabelCode, 400, "label_code_needed"),
    (errors.SerialLookupsUsedUp, 429, "too_many_requests"),
    (errors.ClaimRefused, 403, "claim_refused"),
    (LabelCodeError, 400, "bad_label_code"),
    (errors.InvalidDeviceId, 400, "invalid_device_id"),
    (errors.RateLimited, 503, "cloud_busy"),
    (errors.CloudUnavailable, 503, "cloud_unavailable"),
    (errors.ApiUserNotAllowed, 502, "cloud_permission_missing"),  # product mode: only an operator can fix it
    (errors.CloudError, 502, "cloud_error"),
)

# Stable codes for HTTP errors that carry none of ours.
HTTP_CODES = {400: "bad_request", 401: "not_signed_in", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
              429: "too_many_requests", 500: "internal_error", 502: "cloud_error", 503: "unavailable"}

# What a page says for an HTTP error: (title, next step).
HTTP_PAGE_WORDS = {
    400: ("We could not read that", "Go back and try again."),
    401: ("Please sign in", "Sign in with your phone number, then try again."),
    403: ("You cannot open this page", "Go back to the start page."),
    404: ("We could not find that page", "Check the address, or start again from the start page."),
    405: ("That did not work", "Go back and try again."),
    413: ("That was too big", "Go back and try again with less."),
    429: ("Too many tries", "Please wait a few minutes, then try again."),
    500: ("Something went wrong on our side", "Please try again in a few minutes."),
    503: ("We are busy right now", "Please try again in a few minutes."),
}
PASSED_ON_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")  # kept from an HTTPException


def status_and_code(error: errors.BffError) -> tuple[int, str]:
    """The HTTP status and stable code for one of bff's errors."""
    if isinstance(error, errors.ApiError):  # a request refused before any work (bff/web/json_body.py)
        return error.status, error.code
    for kind, status, code in ERROR_STATUS:
        if isinstance(error, kind):
            return status, code
    return (503, "unavailable") if error.retryable else (500, "internal_error")


def retry_after_header(error: errors.BffError) -> dict:
    """`Retry-After` (whole seconds) for errors that say how long to wait."""
    retry_after = getattr(error, "retry_after", None)
    return {"Retry-After": str(max(1, int(retry_after + 0.999)))} if retry_after else {}


def json_error(status: int, code: str, message: str, next_step: str, *,
               headers: dict | None = None) -> Response:
    """bff's one JSON error shape."""
    return json_response(error_body(code, message, next_step), status, headers=headers)


def error_json(error: errors.BffError) -> Response:
    """One of bff's errors in the JSON error shape, with its status."""
    status, code = status_and_code(error)
    return json_error(status, code, error.public_message, error.next_step,
                      headers=retry_after_header(error))


def wants_json() -> bool:
    """Does this request want a JSON answer rather than a page?"""
    path = request.path
    if path.startswith("/api/") or path.endswith(".json") or path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_page(status: int, title: str, next_step: str, *, code: str | None = None):
    """The error page (or JSON error) for `status`, in the site's style."""
    if wants_json():
        return json_error(status, code or HTTP_CODES.get(status, "error"), title, next_step)
    return render_template("errors/error.html", status=status, title=title, message=None,
                           next_step=next_step), status


def init_app(app: Flask) -> None:
    """The app-wide error handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(500, _server_error)
    app.register_error_handler(errors.BffError, _bff_error)


def _http_error(error: HTTPException):
    status = error.code or 500
    title, next_step = HTTP_PAGE_WORDS.get(status, HTTP_PAGE_WORDS[500 if status >= 500 else 400])
    response = current_app.make_response(error_page(status, title, next_step))
    for name, value in error.get_headers():  # keep what the exception says (e.g. Allow on 405)
        if name in PASSED_ON_HEADERS:
            response.headers[name] = value
    return response


def _server_error(error):
    # Flask has logged the exception; the person reads plain words only.
    title, next_step = HTTP_PAGE_WORDS[500]
    return error_page(500, title, next_step)


def _bff_error(error: errors.BffError):
    status, code = status_and_code(error)
    if status >= 500:
        current_app.logger.warning("%s %s: %s", request.method, request.path, error.detail)
    response = current_app.make_response(error_page(status, error.public_message, error.next_step, code=code))
    response.headers.update(retry_after_header(error))
    return response


def _csrf_error(error: CSRFError):
    """A form came without a valid token (page open too long, cookies off, or a forgery)."""
    current_app.logger.info("form refused: %s", error.description)
    if wants_json():
        return json_error(400, "bad_request", "This page was open too long.", "Go back, reload the page and try again.")
    return render_template("auth/csrf_error.html"), 400
