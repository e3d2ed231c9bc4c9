"""bff: the backend a Particle product creator runs so customers can claim their devices."""
from __future__ import annotations

import os

from flask import Flask



def create_app(overrides: dict | None = None, instance_path: str | None = None) -> Flask:
    """Create the Flask app: configuration, blueprints, CLI (services start on first use)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
        instance_path=instance_path,
    )
    # Blueprints are imported here, not at the top, so that importing any part of bff (the sandbox,
    # a service, the CLI) does not load the whole web app with Twilio and Argon2.
    from bff import cli, config
    from bff import ops
    from bff.api import routes as api
    from bff.api import lifecycle_routes  # noqa: F401  (remove, give, share, ask, offers: on api.bp)
    from bff.sms import webhook as sms
    from bff.web import auth as web_auth, errors as web_errors, health, login as web_login, pages as web
    from bff.web import account as web_account, lifecycle as web_lifecycle, setup as web_setup
    from bff.web import delivery, request_log, security_headers

    os.makedirs(app.instance_path, exist_ok=True)
    config.load_config(app, overrides)
    request_log.init_app(app)  # one JSON log line per request; the client address behind proxies
    delivery.init_app(app)  # compressed responses; fingerprinted static URLs cached for a year
    security_headers.init_app(app)  # CSP, frame, camera, referrer and sniffing rules on every response
    app.register_blueprint(health.bp)
    web_login.init_app(app)  # flask-login, CSRF on every form, cookie flags
    web_auth.init_app(app)  # the sign-in pages
    web_errors.init_app(app)  # the app-wide error pages (JSON for JSON routes)
    app.register_blueprint(web.bp)  # customer pages
    app.register_blueprint(web_lifecycle.bp)  # remove, give, share, ask the owner, /offers/<id>
    app.register_blueprint(web_setup.bp)  # /setup: Wi-Fi device setup pages
    app.register_blueprint(web_account.bp)  # /account: my phone number, change my number
    app.register_blueprint(api.bp)  # /api/v1: JSON for setup apps
    app.register_blueprint(sms.bp)  # Twilio webhooks /sms and /sms/status (signed; CSRF-exempt)
    ops.init_app(app)  # /ops: the operators' console; /metrics
    if app.config["SANDBOX_MODE"]:
        from bff.console import pages as console  # the sandbox console exists only in sandbox mode
        app.register_blueprint(console.bp)
    cli.init_app(app)
    return app
