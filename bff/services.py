"""The long-lived objects one bff process shares: storage, the Particle cloud client, the sandbox link.

They are built on first use (`get_services()`), not when the app is created, so that commands
which need none of them (`flask bff sandbox`) start nothing.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask, current_app

from bff import sandbox_link
from bff.db import Store
from bff.particle import ParticleCloud

_build_lock = threading.Lock()


@dataclass
class Services:
    """What the blueprints, the worker and the CLI work with."""

    store: Store
    particle: ParticleCloud
    sandbox_url: str | None  # the sandbox cloud's base URL in sandbox mode, else None


def get_services(app: Flask | None = None) -> Services:
    """The services of `app` (default: the current app), built on first use."""
    app = app or current_app._get_current_object()
    with _build_lock:
        if "bff" not in app.extensions:
            app.extensions["bff"] = _build(app)
    return app.extensions["bff"]


def _build(app: Flask) -> Services:
    """Open the database, link to the cloud (starting the sandbox if needed)."""
    config = app.config
    store = Store(config["DATABASE"])
    store.migrate()
    sandbox_url = None
    if config["SANDBOX_MODE"]:
        link = sandbox_link.connect(config["PARTICLE_API_URL"], config["SANDBOX_STATE_FILE"])
        config["PARTICLE_API_URL"] = sandbox_url = link.base_url
        config["PARTICLE_PRODUCTS"] = link.products
    particle = ParticleCloud(config["PARTICLE_API_URL"], config["PARTICLE_PRODUCTS"], store)
    return Services(store=store, particle=particle, sandbox_url=sandbox_url)
