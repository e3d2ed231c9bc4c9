"""Sandbox mode: find the sandbox cloud (or start the embedded one) and read its demo products.

The only module of bff that imports the sandbox (an import-linter contract says so), and only
when no Particle credentials are configured or when `flask bff sandbox` runs it. Several bff processes on one machine (server, worker, CLI) share
one sandbox: the first one starts it on the default address, the others find it there.
"""
from __future__ import annotations

from dataclasses import dataclass

import requests

from bff.config import CUSTOMERS_MODE, PRODUCT_MODE, ProductCredentials

DEFAULT_SANDBOX_HOST = "127.0.0.1"
DEFAULT_SANDBOX_PORT = 5001
PROBE_TIMEOUT_SECONDS = 2
CONTROL_TIMEOUT_SECONDS = 5


class SandboxUnreachable(Exception):
    """The sandbox's control API did not answer (or answered with an error)."""


@dataclass
class SandboxLink:
    base_url: str
    products: list[ProductCredentials]


def connect(api_url: str | None, state_file: str, *, mode: str = CUSTOMERS_MODE) -> SandboxLink:
    """Use the sandbox at `api_url` (or the default address), starting it there if none answers;
    its demo products served in ownership `mode` (`BFF_OWNERSHIP_MODE`)."""
    base_url = (api_url or f"http://{DEFAULT_SANDBOX_HOST}:{DEFAULT_SANDBOX_PORT}").rstrip("/")
    info = _probe(base_url)
    if info is None:
        if api_url:
            raise RuntimeError(f"No sandbox cloud answers at {base_url}; start it or unset BFF_PARTICLE_API_URL.")
        info = _start_embedded(state_file)
    return SandboxLink(base_url=info["base_url"], products=products_from_demo_info(info, mode=mode))


def products_from_demo_info(info: dict, *, mode: str = CUSTOMERS_MODE) -> list[ProductCredentials]:
    """The sandbox's demo products as bff's product configuration: in customers mode with their
    OAuth clients, in product mode with their API users' tokens (nothing else)."""
    if mode == PRODUCT_MODE:
        missing = [p["slug"] for p in info["products"] if not p.get("api_user_token")]
        if missing:
            raise RuntimeError(f"The sandbox cloud has no API user for {', '.join(missing)}: it is older than "
                               "product mode. Reset it (POST /sandbox/reset) or unset BFF_OWNERSHIP_MODE.")
        return [ProductCredentials(key=p["slug"], mode=PRODUCT_MODE, api_token=p["api_user_token"])
                for p in info["products"]]
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


def control(base_url: str | None, method: str, path: str) -> dict:
    """Call the sandbox's control API (`/sandbox/...`, not Particle's) over HTTP."""
    if not base_url:
        raise SandboxUnreachable("bff is not linked to a sandbox cloud")
    try:
        response = requests.request(method, f"{base_url}/sandbox{path}", timeout=CONTROL_TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        raise SandboxUnreachable(f"{method} {base_url}/sandbox{path}: {error}") from error


def serve_forever(host: str, port: int, state_file: str | None, echo) -> None:
    """Run the sandbox cloud in the foreground until Ctrl-C (`flask bff sandbox`)."""
    from bff.sandbox.cli import run_until_interrupted

    run_until_interrupted(host, port, state_file, echo)


def _start_embedded(state_file: str) -> dict:
    """Start the sandbox cloud in this process on the default address."""
    from bff.sandbox import SandboxCloud  # imported only in sandbox mode

    cloud = SandboxCloud(state_file=state_file)
    cloud.start(host=DEFAULT_SANDBOX_HOST, port=DEFAULT_SANDBOX_PORT)
    return cloud.demo_info()
