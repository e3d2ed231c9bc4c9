"""Responses every HTTP channel shares: JSON never cached, no-store pages, pages that update themselves.

With JavaScript, static/bff.js polls a small JSON view and reloads the page when its `version`
changed; it sets the `JS_COOKIE` cookie so the server knows this browser polls. Without
JavaScript a waiting page carries a meta refresh instead. Not in a <noscript>: browsers (and
test drivers) differ on whether they read <noscript> in the head when scripts are off.
"""
from __future__ import annotations

import hashlib
import json

from flask import Response, current_app, request

NO_JS_REFRESH_SECONDS = 10  # without JavaScript a waiting page refreshes itself this often
JS_COOKIE = "bff_js"  # set by static/bff.js: this browser runs our script, so it needs no meta refresh


def no_js_refresh(waiting: bool) -> int | None:
    """Seconds for a meta refresh of a page that waits, for browsers that do not run our script."""
    if not waiting or request.cookies.get(JS_COOKIE) == "1":
        return None
    return NO_JS_REFRESH_SECONDS


def live(url: str, version: str, every_ms: int) -> dict:
    """What a page's script polls: the JSON view, the version shown, how often (milliseconds)."""
    return {"url": url, "version": version, "every": every_ms}


def version_of(data) -> str:
    """A short hash that changes when `data` (anything JSON can show) changes."""
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def no_store(response: Response) -> Response:
    """Pages and JSON that show a person's devices, claims, codes or phone: no cache may keep them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def json_response(data, status: int = 200, *, headers: dict | None = None,
                  cache: str = "no-store") -> Response:
    """A JSON reply; never cached unless `cache` says so (replies hold tokens, codes, devices)."""
    response = current_app.response_class(json.dumps(data, separators=(",", ":")), status=status,
                                          mimetype="application/json")
    response.headers["Cache-Control"] = cache
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
