"""The sandbox's Flask app factory: Particle routes, the control API, JSON errors, CORS, and the
middleware (faults, request log)."""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from .errors import ParticleError, http_error_body
from .middleware import SandboxMiddleware
from .routes import (control, control_api_users, control_devices, customers, devices, events,
                     oauth, products, teams)
from .routes.context import RouteContext, install
from .routes.params import params
from .times import iso

log = logging.getLogger(__name__)
BLUEPRINTS = (oauth.bp, devices.bp, products.bp, customers.bp, events.bp, teams.bp, control.bp,
              control_devices.bp, control_api_users.bp)
PARAM_PREVIEW = 200
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Particle-Tool, X-Particle-Project",
}


def make_app(context: RouteContext) -> Flask:
    """A Flask app serving one sandbox cloud's parts."""
    app = Flask("bff.sandbox")
    install(app, context)
    app.json.sort_keys = False  # keep Particle's field order
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_error_handler(ParticleError, _particle_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _crash)
    app.after_request(_remember_params)
    app.after_request(_cors)
    middleware = SandboxMiddleware(app.wsgi_app, context.request_log, context.faults,
                                   context.store.now, iso)
    app.wsgi_app = middleware  # type: ignore[method-assign]
    return app


def _particle_error(error: ParticleError) -> Response:
    response = jsonify(error.body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def _http_error(error: HTTPException) -> Response:
    """Routing errors as JSON (CHOICE: ok/error family): 404 unknown route, 405, 400..."""
    response = jsonify(http_error_body(error.code or 500, error.name))
    response.status_code = error.code or 500
    if error.code == 405:
        allowed = error.get_response().headers.get("Allow")
        if allowed:
            response.headers["Allow"] = allowed
    return response


def _crash(error: Exception) -> Response:
    log.exception("sandbox: unhandled error on %s %s", request.method, request.path)
    response = jsonify(http_error_body(500, "Internal Server Error"))
    response.status_code = 500
    return response


def _cors(response: Response) -> Response:
    """Browsers may call the cloud directly (a setup page with a short-lived customer token)."""
    response.headers.update(CORS_HEADERS)
    return response


def _remember_params(response: Response) -> Response:
    """Hand the body parameters to the request log (the middleware redacts secrets)."""
    if request.path.startswith("/sandbox"):
        return response
    try:
        values = params()
    except ParticleError:
        values = {}
    preview = {key: str(value)[:PARAM_PREVIEW] for key, value in values.items()}
    for name, upload in request.files.items():
        preview[name] = f"<file {upload.filename}>"
    request.environ["sandbox.params"] = preview
    return response
