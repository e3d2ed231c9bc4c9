#!/usr/bin/env python3
"""Fleet benchmark: what a product's size costs bff, at 1k / 100k / 1M devices (prints, asserts nothing).

For each size, a fresh sandbox cloud in its own process gets that many new Electrons (not yet in
any product), and bff, as its users run it:
- imports them (`flask bff import-devices`, files of 100,000 lines, the import's own limit):
  time, cloud calls (bff's call log), peak memory of the import process;
- reconciles the product (one whole pass of the worker's reconcile, in its own process): time,
  peak memory, and how many devices bff then knows (none may be missing);
- serves claims through the JSON API under the production command (gunicorn): p50/p99 of 200;
- serves a person who owns 200 devices: `GET /api/v1/devices` and the `/devices` page, p50/p99.

    .venv/bin/python bench/fleet.py [--sizes 1000 100000 1000000] [--claims 200]
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import (  # noqa: E402  (bench/load.py: the shared processes and clients)
    GUNICORN, PYTHON, ROOT, Fleet, Tokens, bff_environment, free_port, percentile, process,
    sandbox_process, wait_until_up,
)

FILE_LINES = 100_000  # lines of one import file (the import's own limit)
FLEET_CHUNK = 100_000  # devices made by one control request
PRODUCT = "sandbox-electron"
OWNED = 200  # devices of the person whose pages are measured
REQUESTS = 50  # requests per page measured

RECONCILE_SCRIPT = """
import logging, sys, time
from bff import create_app
from bff.wiring import get_services
from bff.worker import Worker
app = create_app({}, instance_path=sys.argv[1])
logging.getLogger("bff").setLevel(logging.WARNING)
worker = Worker(get_services(app))
started = time.perf_counter()
worker.reconcile()
print(f"{time.perf_counter() - started:.3f}")
"""


def run_measured(command: list[str], env: dict) -> tuple[float, float, str]:
    """(seconds, peak resident MB, stdout) of a child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{command[:6]} failed ({status}): {output[-500:]}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, output


def new_fleet(sandbox: dict, size: int) -> list[str]:
    """`size` online Electrons in no product yet."""
    ids: list[str] = []
    while len(ids) < size:
        reply = requests.post(f"{sandbox['base_url']}/sandbox/devices", timeout=600, json={
            "platform": "electron", "online": True, "count": min(FLEET_CHUNK, size - len(ids))})
        reply.raise_for_status()
        ids.extend(reply.json()["ids"])
    return ids


def import_fleet(folder: str, env: dict, ids: list[str]) -> dict:
    seconds, peak = 0.0, 0.0
    for start in range(0, len(ids), FILE_LINES):
        path = Path(folder) / f"devices-{start}.txt"
        path.write_text("\n".join(ids[start:start + FILE_LINES]) + "\n")
        took, rss, _ = run_measured([PYTHON, "-m", "flask", "--app", "app", "bff", "import-devices",
                                     str(path), "--product", PRODUCT], env)
        seconds, peak = seconds + took, max(peak, rss)
    return {"seconds": seconds, "peak_mb": peak, "calls": count_rows(env, "cloud_calls")}


def count_rows(env: dict, table: str, where: str = "1") -> int:
    with sqlite3.connect(env["BFF_DATABASE"]) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}").fetchone()[0]


def reconcile(folder: str, env: dict) -> dict:
    took, peak, output = run_measured([PYTHON, "-c", RECONCILE_SCRIPT, f"{folder}/instance"], env)
    known = count_rows(env, "devices", f"product_key = '{PRODUCT}'")
    return {"seconds": float(output.strip().splitlines()[-1]), "process_seconds": took, "peak_mb": peak,
            "known": known}


def timed_gets(session: requests.Session, url: str, count: int, **options) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        reply = session.get(url, timeout=30, **options)
        times.append((time.perf_counter() - started) * 1000)
        if reply.status_code != 200:
            raise SystemExit(f"GET {url}: {reply.status_code}")
    return times


def served(fleet: Fleet, env: dict, ids: list[str], claims: int) -> dict:
    """Claim p50/p99 and a 200-device person's pages, on the production command."""
    owner_token, session_cookie = owner_of(fleet, ids[:OWNED])
    claim_ids = ids[OWNED:OWNED + claims]
    tokens = fleet.bff_people(max(2, claims // 20 + 1))
    port = free_port()
    command = [GUNICORN, "--workers", "2", "--worker-class", "gthread", "--threads", "8",
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:app"]
    with process(command, env=env):
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + "/healthz")
        session = requests.Session()
        claim_ms = claim_times(session, url, claim_ids, tokens)
        api_ms = timed_gets(session, url + "/api/v1/devices", REQUESTS,
                            headers={"Authorization": f"Bearer {owner_token}"})
        page_ms = timed_gets(session, url + "/devices", REQUESTS, cookies={"session": session_cookie})
    return {"claim": claim_ms, "api_devices": api_ms, "devices_page": page_ms}


def claim_times(session: requests.Session, url: str, device_ids: list[str], tokens: Tokens) -> list[float]:
    times = []
    for device_id in device_ids:
        started = time.perf_counter()
        reply = session.post(url + "/api/v1/claims", timeout=30, headers={"Authorization": f"Bearer {tokens.next()}"},
                             json={"device_id": device_id, "label_code": Fleet.label_code(device_id)})
        times.append((time.perf_counter() - started) * 1000)
        if reply.status_code != 200:
            raise SystemExit(f"claim of {device_id}: {reply.status_code} {reply.text[:200]}")
    return times


def owner_of(fleet: Fleet, device_ids: list[str]) -> tuple[str, str]:
    """A person who owns `device_ids` in bff (as after their claims): an API token and a signed
    session cookie for the pages."""
    services = fleet.services
    user = services.accounts.user_for_phone("+12015559999")
    username = services.particle.ensure_customer(PRODUCT, user.id)
    with services.store.transaction():
        for device_id in device_ids:
            services.store.upsert_device(device_id, owner=username)
    token = services.api_tokens.issue(user.id, "bench")
    session_id = services.sessions.start(user.id, method="phone", remember=False, ip=None)
    serializer = fleet.app.session_interface.get_signing_serializer(fleet.app)
    return token, serializer.dumps({"_user_id": session_id, "_fresh": True})


def measure(size: int, claims: int) -> None:
    with tempfile.TemporaryDirectory() as folder, sandbox_process() as sandbox:
        env = bff_environment(folder, sandbox["base_url"])
        fleet = Fleet(folder, sandbox)
        fleet.product_key = PRODUCT
        already = len(list(fleet.services.particle.list_product_devices(PRODUCT)))  # the demo's own
        started = time.perf_counter()
        ids = new_fleet(sandbox, size)
        made = time.perf_counter() - started
        imported = import_fleet(folder, env, ids)
        reconciled = reconcile(folder, env)
        pages = served(fleet, env, ids, claims)
    ms = {name: (percentile(values, .5), percentile(values, .99)) for name, values in pages.items()}
    print(f"{size:>9,} | {made:6.1f} | {imported['seconds']:7.1f} {imported['calls']:>7,} {imported['peak_mb']:6.0f} | "
          f"{reconciled['seconds']:7.1f} {reconciled['peak_mb']:6.0f} {size + already - reconciled['known']:>7,} | "
          + " | ".join(f"{p50:5.1f} {p99:6.1f}" for p50, p99 in ms.values()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000, 1_000_000])
    parser.add_argument("--claims", type=int, default=200, help="claims timed at each size")
    args = parser.parse_args()
    print(f"# fleet: {os.cpu_count()} cores; sandbox alone in its own process; bff under gunicorn "
          f"(2 workers, gthread 8)\n")
    print("  devices | made s | import s   calls  MB   | reconcile s  MB  missing | "
          "claim p50 p99 ms | /api/v1/devices p50 p99 | /devices p50 p99")
    for size in args.sizes:
        measure(size, args.claims)


if __name__ == "__main__":
    main()
