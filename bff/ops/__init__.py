"""The operators' console (`/ops`): support staff at a desk, field crews on a phone, admins.

One blueprint (bff/ops/blueprint.py) with one access rule (`requires(permission)`); one module
per page area. Views are thin: they read the request, call a service (which audits what it
changes), and render a template in templates/ops/.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console's pages and `/metrics`."""
    # The page modules add their views to the blueprint when imported.
    from bff.ops import (  # noqa: F401
        audit, calls, claims, doctor, field, home, imports, operators, people, sign_in,
    )
    from bff.ops import webhooks  # noqa: F401
    from bff.ops import asks  # noqa: F401
    from bff.ops import metrics
    from bff.ops.blueprint import bp
    app.register_blueprint(bp)
    app.register_blueprint(metrics.bp)
