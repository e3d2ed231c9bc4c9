"""Flask commands under `flask --app app bff ...` (the README's "Commands" table lists them)."""
from __future__ import annotations

import ipaddress
import sys
import threading
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from bff.accounts.roles import ROLES
from bff.errors import BffError
from bff.imports import MAX_BYTES, MAX_LINES
from bff.particle import sandbox_link
from bff.wiring import get_services

bff_group = AppGroup("bff", help="bff commands: database, worker, sandbox, devices.")


def init_app(app: Flask) -> None:
    """Register the `bff` command group."""
    app.cli.add_command(bff_group)


@bff_group.command("sandbox")
@click.option("--host", default=sandbox_link.DEFAULT_SANDBOX_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=sandbox_link.DEFAULT_SANDBOX_PORT, show_default=True, type=int,
              help="Port to listen on (0 = any free port).")
@click.option("--state-file", type=click.Path(dir_okay=False), default=None,
              help="JSON file that keeps devices, customers and tokens across restarts.")
def sandbox_command(host: str, port: int, state_file: str | None) -> None:
    """Run the sandbox Particle cloud until Ctrl-C; prints its demo info as one JSON line."""
    sandbox_link.serve_forever(host, port, state_file, click.echo)


@bff_group.command("create-operator")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice(ROLES),
              help="admin: everything; support: doctor, claims, logs, fixes; field: field mode only.")
@click.option("--phone", default=None,
              help="The operator's mobile number (needed for admin and support: their sign-in code goes there).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (else asked for, hidden, twice).")
def create_operator_command(login: str, role: str, phone: str | None, password_stdin: bool) -> None:
    """Create an operator who signs in at /ops/login with LOGIN and a password."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = get_services().operators.create(None, login, password, role=role, phone=phone)
    except BffError as exc:
        raise click.ClickException(exc.customer_text) from None
    click.echo(f"Operator {user.login!r} ({role}) is ready (user {user.id}). Sign in at /ops/login.")


@bff_group.command("init-db")
def init_db_command() -> None:
    """Create or upgrade the database schema."""
    get_services()  # opening the store applies every pending migration
    click.echo(f"Database ready: {current_app.config['DATABASE']}")


@bff_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Copy the database to FILE while bff keeps serving (SQLite's online backup, consistent as of
    one moment; FILE is replaced atomically). Back up the instance folder's keys separately."""
    from bff.db.store import Store

    database = Path(current_app.config["DATABASE"])
    if not database.exists():
        raise click.ClickException(f"There is no database at {database}.")
    store = Store(database)
    if store.is_live_file(file):
        raise click.ClickException(f"{file} is the live database: give the backup another name.")
    started = time.monotonic()
    try:
        size = store.backup_to(file)
    finally:
        store.close()
    click.echo(f"Backed up {database} to {file}: {size:,} bytes in {time.monotonic() - started:.2f} s.")


@bff_group.command("rebuild")
@click.option("--force", is_flag=True, help="Run on a database that already holds people or devices "
                                            "(what is there is kept; only what is missing is added).")
def rebuild_command(force: bool) -> None:
    """After a lost database: give a fresh one, with the same keys, the devices, owners, label codes
    and shadow customers the cloud's product device lists and customers hold."""
    from bff.imports.rebuild import Rebuild

    services = get_services()
    rebuild = Rebuild(services.store, services.particle, services.devices)
    if rebuild.database_in_use() and not force:
        raise click.ClickException("This database is not empty. Rebuild into a fresh one "
                                   "(BFF_DATABASE), or add --force to fill in what is missing.")
    try:
        reports = rebuild.run()
    except BffError as error:
        raise click.ClickException(f"{error.customer_text} ({error.detail})") from error
    for report in reports:
        _echo_rebuild(report)
    click.echo("People get their devices back when they sign in or text from the phone number their "
               "customer was made with. Claims, shares, texts and operators come back only from a backup.")


def _echo_rebuild(report) -> None:
    if report.owners_lost:
        click.echo(f"{report.product_key}: {report.devices} devices, {report.derived_codes} label codes derived, "
                   f"{report.kept_codes} kept. Product mode: the cloud holds no owners (bff's database alone "
                   "recorded them), so no device has an owner again: restore a backup to get them back, or "
                   "let people claim again with the code on the box.")
        return
    click.echo(f"{report.product_key}: {report.devices} devices ({report.owned} owned), "
               f"{report.derived_codes} label codes derived, {report.kept_codes} kept; "
               f"{report.customers} shadow customers restored for {report.people} people"
               + (f" ({report.unlinked} with random names: only a backup links them to a phone)"
                  if report.unlinked else "") + ".")
    for device_id, holder in report.clashes:
        click.echo(f"  {device_id} and {holder}: one derived label code for both, so one of them has a "
                   "fallback code: print both labels again, or restore a backup.", err=True)


@bff_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Run bff with its worker in one process (development and demos)."""
    from werkzeug.serving import run_simple

    from bff.worker import Worker

    if not _sandbox_may_listen_on(host):
        raise click.ClickException(
            f"Sandbox mode (no BFF_PARTICLE_PRODUCTS) serves a demo cloud and a console with everyone's "
            f"sign-in codes; it listens on this machine only, not on {host}. Use --host 127.0.0.1, set "
            "BFF_PARTICLE_PRODUCTS for real products, or set BFF_SANDBOX_ON_NETWORK=true for a demo on a "
            "trusted network.")
    services = get_services()
    worker = Worker(services)
    threading.Thread(target=worker.run_forever, name="bff-worker", daemon=True).start()
    _print_urls(host, port, services.sandbox_url)
    run_simple(host, port, current_app._get_current_object(), threaded=True)


def _sandbox_may_listen_on(host: str) -> bool:
    """Real products may listen anywhere; sandbox mode on loopback only unless told otherwise."""
    config = current_app.config
    if not config["SANDBOX_MODE"] or config.get("SANDBOX_ON_NETWORK"):
        return True
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _print_urls(host: str, port: int, sandbox_url: str | None) -> None:
    base = f"http://{host}:{port}"
    click.echo(f"bff is running: {base}/")
    if sandbox_url:
        click.echo(f"  try it here:     {base}/console (demo devices, their QR codes, the SMS outbox)")
    click.echo(f"  my devices:      {base}/devices")
    click.echo(f"  Wi-Fi setup:     {base}/setup")
    click.echo(f"  health:          {base}/healthz")
    if sandbox_url:
        click.echo(f"  sandbox cloud:   {sandbox_url} (demo products and devices)")


@bff_group.command("worker")
def worker_command() -> None:
    """Run the background worker (event streams, reconcile, heartbeat) in the foreground."""
    from bff.worker import Worker

    Worker(get_services()).run_forever()


@bff_group.command("set-mode")
@click.argument("product_key", metavar="PRODUCT")
@click.argument("mode", type=click.Choice(["product", "customers"]))
@click.option("--unclaim", is_flag=True, help="To product mode: also remove each device's owner in the cloud "
                                              "(else the devices stay claimed there; bff keeps every owner).")
def set_mode_command(product_key: str, mode: str, unclaim: bool) -> None:
    """Switch PRODUCT's data to an ownership mode, keeping every owner in bff: a line per owned device
    (device, owner, result) and a summary; audited (README "Ownership modes")."""
    if unclaim and mode != "product":
        raise click.ClickException("--unclaim goes with product mode only.")
    try:
        report = get_services().modes.switch(product_key, mode, unclaim=unclaim)
    except BffError as error:
        raise click.ClickException(f"{error.customer_text} ({error.detail})") from None
    for line in report.devices:
        click.echo(f"{line.device_id}  {line.owner}  {line.outcome}: {line.result}")
    click.echo(report.summary)
    if not report.complete:  # devices wait or need help: a script sees it
        sys.exit(1)


@bff_group.command("import-devices")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--product", "product_key", required=True, help="Product id or slug.")
def import_devices_command(file: Path, product_key: str) -> None:
    """Import the devices listed in FILE (a device ID a line, optionally a serial number after it)
    into a product as one batch, as /ops/import does; give each a label code."""
    imports = get_services().imports
    try:
        batch = imports.start_batch(None, product_key, file.read_bytes()[:MAX_BYTES + 1], f"file {file.name}")
    except BffError as error:
        raise click.ClickException(error.customer_text) from None
    click.echo(f"Import {batch.id}: {batch.pending} device IDs to import, {batch.invalid} lines not valid.")
    batch = _work_until_done(imports, batch.id)
    click.echo(f"Added {batch.added}. Already in the product: {batch.already}. "
               f"Not valid: {batch.invalid}. Refused by the cloud: {batch.refused}.")
    problems, _ = imports.lines(batch.id, problems_only=True, per_page=MAX_LINES)
    for line in problems:
        click.echo(f"line {line['line_no']}: {line['raw']}: {line['reason']}")
    if batch.state == "failed":
        raise click.ClickException(f"The import stopped: {batch.last_error}")
    click.echo(f"Print its labels: flask bff labels --batch {batch.id} --out sheet.html")


def _work_until_done(imports, batch_id: int):
    """Work the batch in the foreground, waiting out rate limits and outages."""
    batch = imports.work(batch_id)
    while batch.open:
        wait = max(1.0, (batch.next_attempt_at or 0) - time.time())
        click.echo(f"Waiting {wait:.0f} s before trying again ({batch.last_error}); "
                   f"{batch.pending} lines to go.", err=True)
        time.sleep(wait)
        batch = imports.work(batch_id)
    return batch


@bff_group.command("labels")
@click.option("--product", "product_key", default=None, help="Product id or slug: every device of it.")
@click.option("--batch", "batch_id", default=None, type=int,
              help="An import batch: its devices added or already there (as on /ops/batches/ID).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="sheet.html (print from a browser at 100%) or sheet.pdf (needs chromium).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
def labels_command(product_key: str | None, batch_id: int | None, out_path: Path, paper: str) -> None:
    """Write a printable label sheet (QR, label code, device ID) for a product's or a batch's devices."""
    from bff.labels import files as label_output

    if (product_key is None) == (batch_id is None):
        raise click.UsageError("Give either --product or --batch.")
    services = get_services()
    if batch_id is not None:
        if services.imports.batch(batch_id) is None:
            raise click.ClickException(f"There is no import batch {batch_id}.")
        rows = services.imports.label_rows(None, batch_id)
    else:
        rows = remember_product_devices(services, product_key)
    html = label_output.sheet_html(services, rows, paper, current_app.config)
    try:
        label_output.write_sheet(html, out_path)
    except BffError as error:
        raise click.ClickException(error.customer_text) from None
    click.echo(f"Wrote {len(rows)} labels to {out_path}")


def remember_product_devices(services, product_key: str) -> list[dict]:
    """Read the product's device list from the cloud and keep every device (with a label code)."""
    try:
        devices = services.particle.list_product_devices(product_key)
    except BffError as error:
        raise click.ClickException(f"{error.customer_text} ({error.detail})") from error
    return [services.devices.remember(product_key, device) for device in devices]



@bff_group.group("webhooks", invoke_without_command=True)
@click.option("--failed", is_flag=True, help="Only deliveries bff gave up on.")
@click.option("--url", default=None, help="Only this endpoint.")
@click.option("--limit", default=50, show_default=True, type=int, help="How many deliveries, newest first.")
@click.pass_context
@with_appcontext
def webhooks_command(ctx: click.Context, failed: bool, url: str | None, limit: int) -> None:
    """List the deliveries of events to BFF_WEBHOOK_URLS, newest first (as /ops/webhooks does)."""
    if ctx.invoked_subcommand is not None:
        return
    webhooks = get_services().webhooks
    lines = webhooks.deliveries(url=url, state="failed" if failed else None, limit=limit)
    if not webhooks.urls:
        click.echo("No endpoint is configured (BFF_WEBHOOK_URLS): events are kept, and sent nowhere.")
    for line in lines:
        click.echo(_delivery_words(line))
    click.echo(f"{len(lines)} deliveries." if lines else "No deliveries match.")


@webhooks_command.command("resend")
@click.argument("event_id")
@click.option("--url", default=None, help="Only to this endpoint (default: every endpoint of the event).")
def webhooks_resend_command(event_id: str, url: str | None) -> None:
    """Send the event EVENT_ID again now to its endpoints (audited; receivers deduplicate by id)."""
    webhooks = get_services().webhooks
    lines = webhooks.deliveries(event_id=event_id, url=url, limit=100)
    if not lines:
        raise click.ClickException(f"No delivery of event {event_id}" + (f" to {url}." if url else "."))
    for line in lines:
        try:
            click.echo(_delivery_words(webhooks.resend(line.id, actor=None)))
        except BffError as error:
            click.echo(f"{line.url}: {error.public_message} {error.next_step}", err=True)


def _delivery_words(line) -> str:
    answer = f"HTTP {line.last_status}" if line.last_status else (line.last_error or "-")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(line.created_at))
    upcoming = (time.strftime(" next %H:%M:%S UTC", time.gmtime(line.next_attempt_at))
                if line.state == "pending" and line.next_attempt_at else "")
    return (f"{line.id}\t{when}\t{line.event_type}\t{line.event_id}\t{line.url}\t{line.state}\t"
            f"attempts {line.attempts}\t{answer}{upcoming}")
