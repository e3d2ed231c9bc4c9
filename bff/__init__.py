"""bff: the backend a Particle product creator runs so customers can claim their devices."""
from __future__ import annotations

import os

from flask import Flask

from bff import cli, config, health


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
    cli.init_app(app)
    return app
