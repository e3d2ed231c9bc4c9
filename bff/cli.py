"""Flask commands under `flask --app app bff ...` (DESIGN.md §5 "CLI")."""
from __future__ import annotations

import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from bff.sandbox.cli import sandbox_command
from bff.services import get_services

bff_group = AppGroup("bff", help="bff commands: database, worker, sandbox, devices.")


def init_app(app: Flask) -> None:
    """Register the `bff` command group."""
    app.cli.add_command(bff_group)


bff_group.add_command(sandbox_command, "sandbox")


@bff_group.command("init-db")
def init_db_command() -> None:
    """Create or upgrade the database schema."""
    get_services()  # opening the store applies every pending migration
    click.echo(f"Database ready: {current_app.config['DATABASE']}")


@bff_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Run bff with its worker in one process (development and demos)."""
    from werkzeug.serving import run_simple

    from bff.worker import Worker

    services = get_services()
    worker = Worker(services)
    threading.Thread(target=worker.run_forever, name="bff-worker", daemon=True).start()
    _print_urls(host, port, services.sandbox_url)
    run_simple(host, port, current_app._get_current_object(), threaded=True)


def _print_urls(host: str, port: int, sandbox_url: str | None) -> None:
    base = f"http://{host}:{port}"
    click.echo(f"bff is running: {base}/")
    click.echo(f"  health:          {base}/healthz")
    if sandbox_url:
        click.echo(f"  sandbox cloud:   {sandbox_url} (demo products and devices)")


@bff_group.command("worker")
def worker_command() -> None:
    """Run the background worker (event streams, reconcile, heartbeat) in the foreground."""
    from bff.worker import Worker

    Worker(get_services()).run_forever()


@bff_group.command("import-devices")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--product", "product_key", required=True, help="Product id or slug.")
def import_devices_command(file: Path, product_key: str) -> None:
    """Import the device IDs listed in FILE (one per line) into a product."""
    result = get_services().particle.import_devices(product_key, file=file)
    click.echo(result.summary())

