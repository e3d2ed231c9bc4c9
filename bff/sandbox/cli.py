"""`flask --app app bff sandbox`: run the sandbox cloud alone, in the foreground.

The first line of output is one JSON object, `SandboxCloud.demo_info()` (base_url, the demo
products with their OAuth client ids and secrets, the Wi-Fi network, the developer login).
Default port 5001: the address bff's sandbox mode looks for first (bff/sandbox_link.py).
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
    from bff.sandbox import SandboxCloud

    cloud = SandboxCloud(state_file=state_file)
    cloud.start(host=host, port=port)
    click.echo(json.dumps(cloud.demo_info()))
    stop = threading.Event()
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        cloud.stop()
        click.echo("sandbox stopped", err=True)
