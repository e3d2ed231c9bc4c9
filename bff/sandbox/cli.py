"""Run the sandbox cloud alone, in the foreground: `python -m bff.sandbox` (or, through bff,
`flask --app app bff sandbox`).

The first line of output is one JSON object, `SandboxCloud.demo_info()` (base_url, the demo
products with their OAuth client ids and secrets and their API users' tokens and scopes, the demo
org, the Wi-Fi network, the developer login).
Default port 5001: the address bff's sandbox mode looks for first (bff/particle/sandbox_link.py).
"""
from __future__ import annotations

import json
import threading

import click

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5001


@click.command("sandbox")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int,
              help="Port to listen on (0 = any free port).")
@click.option("--state-file", type=click.Path(dir_okay=False), default=None,
              help="JSON file that keeps devices, customers and tokens across restarts.")
def sandbox_command(host: str, port: int, state_file: str | None) -> None:
    """Run the sandbox Particle cloud until Ctrl-C; prints its demo info as one JSON line."""
    run_until_interrupted(host, port, state_file, click.echo)


def run_until_interrupted(host: str, port: int, state_file: str | None, echo) -> None:
    """Start the sandbox, print its demo info as one JSON line, serve until Ctrl-C."""
    from bff.sandbox import SandboxCloud

    cloud = SandboxCloud(state_file=state_file)
    cloud.start(host=host, port=port)
    echo(json.dumps(cloud.demo_info()))
    stop = threading.Event()
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        cloud.stop()
        echo("sandbox stopped", err=True)
