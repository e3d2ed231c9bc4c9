"""bff: the backend a Particle product creator runs so customers can claim their devices."""
from __future__ import annotations

import os

from flask import Flask

from bff import accounts, api, cli, config, health, sms, web, web_setup


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
    os.makedirs(app.instance_path, exist_ok=True)
    config.load_config(app, overrides)
    app.register_blueprint(health.bp)
    accounts.init_app(app)  # flask-login, CSRF on every form, cookie flags, the sign-in pages
    app.register_blueprint(web.bp)  # customer pages and the app-wide error pages
    app.register_blueprint(web_setup.bp)  # /setup: Wi-Fi device setup pages
    app.register_blueprint(api.bp)  # /api/v1: JSON for setup apps
    app.register_blueprint(sms.bp)  # Twilio webhooks /sms and /sms/status (signed; CSRF-exempt)
    if app.config["SANDBOX_MODE"]:
        from bff import console  # the sandbox console exists only in sandbox mode
        app.register_blueprint(console.bp)
    cli.init_app(app)
    return app
