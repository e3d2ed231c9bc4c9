"""Import tests' helpers: many sandbox devices at once, lists of device IDs as operators write them."""
from __future__ import annotations


def loose_devices(sandbox, count: int, platform: str = "electron") -> list[str]:
    """`count` new sandbox devices in no product (what an import adds), made in one go.

    Made in the sandbox's own state rather than one control-API call each: 10,000 devices in a
    second instead of a minute. They are ordinary sandbox devices (as `POST /sandbox/devices`
    makes them), offline.
    """
    with sandbox.store.write() as state:
        now = sandbox.store.now()
        return [sandbox.simulator.create(state, now, platform, None, False).id for _ in range(count)]


def import_calls(control, product_slug: str) -> list[dict]:
    """The import requests the sandbox received for a product."""
    return control.requests(f"/v1/products/{product_slug}/devices", "POST")
