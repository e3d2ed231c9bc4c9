"""Error answers in the JSON shapes the Particle cloud uses.

Three incompatible families exist and the sandbox uses each where Particle does:
- OAuth: `{"error": code, "error_description": text}` (token endpoint, token checks, 429s), e.g.
  400 `{"error":"invalid_grant","error_description":"User credentials are invalid"}` in
  "Generate an access token", https://docs.particle.io/reference/cloud-apis/api/;
- ok/error/info: `{"ok": false, "error": text, "info": text}` (permission and not-found answers),
  e.g. 400 `{"ok": false, "error": "event prefix filter is required"}` (same page, events);
- errors array: `{"errors": [text]}` (the claim endpoint, `POST /v1/devices`: particle-cli's
  fixture `{"errors":["That belongs to someone else."]}`,
  https://github.com/particle-iot/particle-cli `src/cmd/api.test.js`).
Every error leaves the server as JSON: particle-api-js calls JSON.parse on every non-2xx body.
Collected notes with sources: docs/particle.md#error-shapes.
"""
from __future__ import annotations

from typing import Any


class ParticleError(Exception):
    """An HTTP error answer in a Particle shape: status, JSON body and optional extra headers."""

    def __init__(self, status: int, body: Any, headers: dict | None = None) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def oauth_error(status: int, error: str, description: str, **extra: Any) -> ParticleError:
    """The OAuth family: `{"error", "error_description"}` (+ extra fields such as mfa_token)."""
    return ParticleError(status, {"error": error, "error_description": description, **extra})


def ok_error(status: int, error: str, info: str | None = None) -> ParticleError:
    """The ok/error/info family: `{"ok": false, "error": ..., "info": ...}`."""
    body: dict[str, Any] = {"ok": False, "error": error}
    if info:
        body["info"] = info
    return ParticleError(status, body)


def errors_array(status: int, *messages: str, ok: bool | None = None) -> ParticleError:
    """The errors-array family of the claim endpoint: `{"errors": [...]}` (+ `ok` if given)."""
    body: dict[str, Any] = {} if ok is None else {"ok": ok}
    body["errors"] = list(messages)
    return ParticleError(status, body)


def invalid_token() -> ParticleError:
    """401 for an unknown, revoked or expired token (the text node-oauth2-server and Particle send)."""
    return oauth_error(401, "invalid_token", "The access token provided is invalid.")


def missing_token() -> ParticleError:
    """No token at all. CHOICE (not documented): 400 invalid_request, as node-oauth2-server
    (whose texts Particle's token errors match) answers a request without a token."""
    return oauth_error(400, "invalid_request", "The access token was not found")


def permission_denied(info: str | None = None) -> ParticleError:
    """403 "Permission Denied" (forum capture of GET on a device not owned; CLI e2e rename test)."""
    return ok_error(403, "Permission Denied", info)


def device_not_recognized() -> ParticleError:
    """The answer for an unknown or someone else's device on the user device routes.

    CHOICE: 403 for both, so the answer does not tell whether a device ID exists
    (the forum capture shows this text for a device that is not yours).
    """
    return permission_denied("I didn't recognize that device name or ID")


def api_users_not_allowed() -> ParticleError:
    """An endpoint no API user may call: `{"error":"unauthorized","error_description":"API users
    are not allowed to call this endpoint"}` ("Errors - API users",
    https://docs.particle.io/reference/cloud-apis/api/#errors-api-users); 400, the status the same
    section gives the API-user errors (docs/particle.md#api-users)."""
    return oauth_error(400, "unauthorized", "API users are not allowed to call this endpoint")


def api_user_refused(description: str) -> ParticleError:
    """An API user acting beyond its scopes or its product/org: "a standard 400 unauthorized
    error" (same section). CHOICE: the body is the OAuth family with `error: "unauthorized"`, as
    the section's other error; the description text is the sandbox's (Particle shows none)."""
    return oauth_error(400, "unauthorized", description)


def rate_limited(retry_after: int, description: str = "Too many requests; slow down.") -> ParticleError:
    """429. CHOICE (body and header not documented): OAuth family body and `Retry-After` seconds."""
    return ParticleError(
        429,
        {"error": "too_many_requests", "error_description": description},
        {"Retry-After": str(max(1, int(retry_after)))},
    )


def http_error_body(status: int, name: str) -> dict:
    """Body for routing-level errors (404 unknown route, 405, 500). CHOICE: ok/error family."""
    return {"ok": False, "error": name}
