"""One log line per request (bff/logs.py writes it as JSON), and the client address behind proxies.

`BFF_TRUSTED_PROXIES=N`: bff runs behind N reverse proxies (a load balancer, nginx); Werkzeug's
ProxyFix then takes the client address and scheme from the last N `X-Forwarded-For` /
`X-Forwarded-Proto` entries, so per-address limits count the real client, not the proxy. With 0
(the default) those headers are ignored: anyone could forge them.
"""
from __future__ import annotations

import logging
import time

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from bff import logs

logger = logging.getLogger("bff.request")


def init_app(app: Flask) -> None:
    logs.configure(str(app.config.get("LOG_FORMAT") or "json"))
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)
    app.before_request(_start_clock)
    app.after_request(_log_request)


def _start_clock() -> None:
    g.request_started = time.perf_counter()


def _log_request(response):
    """The request without its query string (QR tags and `next` links stay out of the log)."""
    if request.endpoint != "static":
        started = g.get("request_started")
        ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        logger.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "event": "request", "method": request.method, "path": request.path,
            "status": response.status_code, "ms": ms, "endpoint": request.endpoint, "ip": request.remote_addr})
    return response
