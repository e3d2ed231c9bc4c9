"""Sandbox mode: find the sandbox cloud (or start the embedded one) and read its demo products.

The only production code path that reaches the sandbox; it is taken only when no Particle
credentials are configured. Several bff processes on one machine (server, worker, CLI) share
one sandbox: the first one starts it on the default address, the others find it there.
"""
from __future__ import annotations

from dataclasses import dataclass

import requests

from bff.config import ProductCredentials

DEFAULT_SANDBOX_HOST = "127.0.0.1"
DEFAULT_SANDBOX_PORT = 5001
PROBE_TIMEOUT_SECONDS = 2


@dataclass
class SandboxLink:
    base_url: str
    products: list[ProductCredentials]


def connect(api_url: str | None, state_file: str) -> SandboxLink:
    """Use the sandbox at `api_url` (or the default address), starting it there if none answers."""
    base_url = (api_url or f"http://{DEFAULT_SANDBOX_HOST}:{DEFAULT_SANDBOX_PORT}").rstrip("/")
    info = _probe(base_url)
    if info is None:
        if api_url:
            raise RuntimeError(f"No sandbox cloud answers at {base_url}; start it or unset BFF_PARTICLE_API_URL.")
        info = _start_embedded(state_file)
    return SandboxLink(base_url=info["base_url"], products=products_from_demo_info(info))


def products_from_demo_info(info: dict) -> list[ProductCredentials]:
    """The sandbox's demo products as bff's product configuration."""
    return [
        ProductCredentials(key=p["slug"], client_id=p["client_id"], client_secret=p["client_secret"])
        for p in info["products"]
    ]


def _probe(base_url: str) -> dict | None:
    """The demo info of a sandbox answering at `base_url`, or None."""
    try:
        response = requests.get(f"{base_url}/sandbox/demo", timeout=PROBE_TIMEOUT_SECONDS)
    except requests.RequestException:
        return None
    return response.json() if response.ok else None


def _start_embedded(state_file: str) -> dict:
    """Start the sandbox cloud in this process on the default address."""
    from bff.sandbox import SandboxCloud  # imported only in sandbox mode

    cloud = SandboxCloud(state_file=state_file)
    cloud.start(host=DEFAULT_SANDBOX_HOST, port=DEFAULT_SANDBOX_PORT)
    return cloud.demo_info()
