"""The security headers of every response, set in this one place.

A few lines rather than flask-talisman: bff needs a fixed set of headers and one per-route
exception, and Talisman would bring its own HTTPS redirect, session-cookie and nonce machinery
that bff already decides elsewhere (`bff/web/login.py`: cookie flags).

- `Content-Security-Policy`: everything from bff itself only; no inline script, style or handler
  (templates have none: `tests/web/test_web_security_headers.py` reads them); `data:` images (the
  empty favicon); no framing (`frame-ancestors 'none'`), no `<base>`, forms post to bff only.
- `X-Frame-Options: DENY` for browsers older than `frame-ancestors`.
- `Permissions-Policy`: the camera for bff's own pages (the start page's and field mode's
  scanners), every other powerful feature off.
- `Referrer-Policy`, `X-Content-Type-Options`; `Strict-Transport-Security` only when
  `PUBLIC_URL` is https (over http a browser ignores it, and it must never pin a dev host).

A view that truly needs more sets its own policy with `allow_inline_styles` (the printed label sheet: its
page size and label grid are in a `<style>` made for the paper, allowed by its hash only).
"""
from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, current_app

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'self'")
PERMISSIONS = ("camera=(self), microphone=(), geolocation=(), payment=(), usb=(), "
               "display-capture=()")
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
HSTS = "max-age=31536000; includeSubDomains"
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)  # a view's own (stricter or relaxed) policy stays
    if str(current_app.config.get("PUBLIC_URL", "")).lower().startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def allow_inline_styles(response: Response, html: str) -> Response:
    """The policy with exactly the `<style>` elements of `html` allowed (by their SHA-256), nothing
    else: for a page whose styles are made per request (the label sheet's paper and grid)."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                      for s in _STYLE.findall(html))
    response.headers["Content-Security-Policy"] = CSP.replace("style-src 'self'", f"style-src 'self' {hashes}")
    return response
