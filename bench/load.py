#!/usr/bin/env python3
"""Load benchmark: bff beside the sandbox cloud's own rate, all over HTTP, in one run.

Sub-commands (each prints figures and asserts nothing: these machines are shared and noisy):

    .venv/bin/python bench/load.py claims [--clients 4 8 16] [--seconds 8] [--rounds 2]
    .venv/bin/python bench/load.py sms    [--concurrency 1 8 16 32]
    .venv/bin/python bench/load.py fleet  [--sizes 1000 100000 1000000]

`claims`: the sandbox runs alone in its own process (`python -m bff.sandbox`); bff runs as the
README's production command (gunicorn, 2 workers, gthread) and as `flask bff serve` (werkzeug,
threaded), each in turn, against that same sandbox. Rounds are interleaved: for each client count,
the direct rate (the same claim, `POST /v1/devices` with a customer token, sent straight to the
sandbox by the same client code) then the rate through bff (`POST /api/v1/claims` with an API
token and the box's label code: one cloud call for a returning customer). Then, one client at a
time, p50/p99 of a claim through bff, of the direct claim, and of a bare Flask app served the same
way, so "bff's own time" is claim minus direct against bare minus nothing.

`sms`: bench/sms_burst.py (the reply time of signed webhooks with the cloud hanging).
`fleet`: bench/fleet.py (import, reconcile, claim p99 and a 200-device person's pages by fleet size).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import runpy
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
LABEL_KEY = "bench-label-key"
CLAIMS_PER_PERSON = 25     # under the per-person claim limit (30 an hour)
BARE_APP = "from flask import Flask\napp = Flask('bare')\napp.add_url_rule('/', 'i', lambda: 'ok')\n"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, seconds: float = 30.0, child: subprocess.Popen | None = None) -> None:
    """Until `url` answers (a server exiting first, or `seconds` passing, ends the bench)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if child is not None and child.poll() is not None:
            raise SystemExit(f"{url}: the server exited ({child.returncode}); see its log")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


@contextmanager
def process(command: list[str], *, env: dict | None = None, cwd: Path = ROOT):
    """A child process for the duration of the block (its own process group, ended with SIGTERM)."""
    child = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})}, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        yield child
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)


@contextmanager
def sandbox_process():
    """The sandbox cloud alone (`python -m bff.sandbox`): its demo info (and `pid`)."""
    with process([PYTHON, "-m", "bff.sandbox", "--port", "0"]) as child:
        yield {**json.loads(child.stdout.readline()), "pid": child.pid}


def bff_environment(folder: str, sandbox_url: str) -> dict:
    return {"BFF_DATABASE": f"{folder}/bff.sqlite3", "BFF_PARTICLE_API_URL": sandbox_url,
            "BFF_SECRET_KEY": "bench", "BFF_LABEL_KEY": LABEL_KEY, "BFF_LOG_FORMAT": "text",
            "BFF_TOKEN_KEY": "bench-token-key-bench-token-key-0123456789"}


def server_command(kind: str, port: int, app: str = "app:app") -> list[str]:
    """The README's production command, or bff's development server (`serve`)."""
    if kind == "gunicorn":
        shape = os.environ.get("BENCH_GUNICORN", "--workers 2 --worker-class gthread --threads 8").split()
        return [GUNICORN, *shape, "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app]
    if app == "app:app":
        return [PYTHON, "-m", "flask", "--app", "app", "bff", "serve", "--port", str(port)]
    module = app.split(":")[0]
    return [PYTHON, "-c", f"import {module}; from werkzeug.serving import run_simple; "
                          f"run_simple('127.0.0.1', {port}, {module}.app, threaded=True)"]


def group_cpu_seconds(group_id: int) -> float:
    """User + system CPU seconds used so far by the live processes of a process group (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group_id:  # fields after the name: state ppid pgrp ... utime(11) stime(12)
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


class CpuMeter:
    """CPU seconds a process group spends during a block."""

    def __init__(self, group_id: int) -> None:
        self.group_id, self.seconds = group_id, 0.0

    @contextmanager
    def measuring(self):
        before = group_cpu_seconds(self.group_id)
        yield self
        self.seconds = group_cpu_seconds(self.group_id) - before


# -- preparing people, tokens and devices ----------------------------------------------------------


class Fleet:
    """People with API tokens who already claimed once (returning customers), fresh online devices,
    and customers of the sandbox for the direct claims."""

    def __init__(self, folder: str, sandbox: dict) -> None:
        os.environ.update(bff_environment(folder, sandbox["base_url"]))
        from bff import create_app
        from bff.wiring import get_services
        self.app = create_app({}, instance_path=f"{folder}/instance")
        self.services = get_services(self.app)
        logging.getLogger("bff").setLevel(logging.WARNING)  # the preparing calls are not the figures
        self.sandbox = sandbox
        self.product = next(p for p in sandbox["products"] if p["platform"] == "electron")
        self.session = requests.Session()
        self.product_key: str | None = None
        self.pools: dict[str, Iterator[str]] = {}

    def new_devices(self, count: int) -> list[str]:
        """`count` fresh online Electrons in the product (one control request: `count`)."""
        reply = self.session.post(f"{self.sandbox['base_url']}/sandbox/devices", timeout=600,
                                  json={"platform": "electron", "product": self.product["id"],
                                        "online": True, "count": count})
        reply.raise_for_status()
        return reply.json()["ids"]

    def known_devices(self, count: int) -> list[str]:
        """`count` fresh online devices that bff already knows with their label codes, as after an
        import (written here in one transaction: preparing is not what is measured)."""
        from bff import labels
        device_ids = self.new_devices(count)
        store = self.services.store
        if self.product_key is None:
            self.product_key = self.services.devices.find(device_ids[0]).product_key
        with store.transaction():
            for device_id in device_ids:
                store.upsert_device(device_id, product_key=self.product_key, platform_id=10, online=True)
                store.ensure_label_code(device_id, labels.derived_label_codes(LABEL_KEY, device_id))
        return device_ids

    def take(self, pool: str, count: int) -> list[str]:
        """`count` devices made beforehand for one kind of measurement ("direct" or "bff")."""
        return [device_id for device_id, _ in zip(self.pools[pool], range(count))]

    def bff_people(self, count: int) -> "Tokens":
        """API tokens of `count` people who have claimed once (their shadow customer exists)."""
        tokens = []
        for number, device_id in enumerate(self.known_devices(count)):
            user = self.services.accounts.user_for_phone(f"+1201556{number:04d}")
            claim = self.services.claims.request_claim(user.id, device_id, channel="api",
                                                       label_code=self.label_code(device_id))
            assert self.services.claims.claim(claim.id).state == "claimed", "warm-up claim failed"
            tokens.append(self.services.api_tokens.issue(user.id, "bench"))
        return Tokens(tokens)

    def direct_tokens(self, count: int) -> "Tokens":
        """Customer tokens of `count` customers of the sandbox product (for the direct claims)."""
        base, auth = self.sandbox["base_url"], (self.product["client_id"], self.product["client_secret"])
        tokens = []
        for number in range(count):
            username = f"bench{number}-{time.time_ns()}@example.com"
            self.session.post(f"{base}/v1/products/{self.product['id']}/customers", auth=auth, timeout=10,
                              data={"email": username, "no_password": "true"}).raise_for_status()
            reply = self.session.post(f"{base}/oauth/token", auth=auth, timeout=10,
                                      data={"grant_type": "client_credentials", "scope": f"customer={username}"})
            tokens.append(reply.json()["access_token"])
        return Tokens(tokens)

    @staticmethod
    def label_code(device_id: str) -> str:
        from bff import labels
        return labels.derived_label_code(LABEL_KEY, device_id, 0)


class Tokens:
    """Hands out each person's token for at most CLAIMS_PER_PERSON claims (the per-person claim
    limit is 30 an hour): a bench that runs out says so instead of measuring refusals."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.used, self.lock = tokens, 0, threading.Lock()

    def next(self) -> str:
        with self.lock:
            index, self.used = self.used // CLAIMS_PER_PERSON, self.used + 1
        if index >= len(self.tokens):
            raise SystemExit("the bench ran out of people: raise --people")
        return self.tokens[index]


# -- load -------------------------------------------------------------------------------------------


def run_clients(clients: int, seconds: float, work, devices: list[str], tokens: Tokens) -> dict:
    """`clients` threads calling `work(session, token, device_id)` on fresh devices for `seconds`:
    the rate and latencies of the successful calls."""
    lock, latencies, failures = threading.Lock(), [], [0]
    pending = iter(devices)
    stop_at = time.monotonic() + seconds

    def client(number: int) -> None:
        session = requests.Session()
        while time.monotonic() < stop_at:
            with lock:
                device_id = next(pending, None)
            if device_id is None:
                return
            token = tokens.next()
            started = time.perf_counter()
            ok = work(session, token, device_id)
            elapsed = time.perf_counter() - started
            with lock:
                (latencies.append(elapsed) if ok else failures.__setitem__(0, failures[0] + 1))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started
    return {"rate": len(latencies) / took, "latencies": latencies, "failures": failures[0]}


def claim_direct(base_url: str):
    def work(session, token, device_id) -> bool:
        reply = session.post(f"{base_url}/v1/devices", data={"id": device_id},
                             headers={"Authorization": f"Bearer {token}"}, timeout=30)
        return reply.status_code == 200
    return work


def claim_through_bff(base_url: str):
    def work(session, token, device_id) -> bool:
        reply = session.post(f"{base_url}/api/v1/claims", timeout=30,
                             json={"device_id": device_id, "label_code": Fleet.label_code(device_id)},
                             headers={"Authorization": f"Bearer {token}"})
        return reply.status_code == 200 and reply.json().get("state") == "claimed"
    return work


def bare_request(base_url: str):
    def work(session, token, device_id) -> bool:
        return session.get(base_url + "/", timeout=30).status_code == 200
    return work


def wait_for_first_reconcile(fleet: Fleet, seconds: float = 300.0) -> None:
    """Until `serve`'s worker has read the whole product once (its first reconcile, at start): bff
    knows as many of the product's devices as the cloud lists, twice in a row."""
    store, counts = fleet.services.store, []
    in_cloud = len(fleet.services.particle.list_product_devices(fleet.product_key))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (len(counts) < 2 or counts[-1] != counts[-2] or counts[-1] < in_cloud):
        time.sleep(1.0)
        counts.append(store.db.execute("SELECT COUNT(*) FROM devices WHERE product_key = ?",
                                       [fleet.product_key]).fetchone()[0])


def claims_command(args) -> None:
    with tempfile.TemporaryDirectory() as folder, sandbox_process() as sandbox:
        fleet = Fleet(folder, sandbox)
        bff_tokens, direct_tokens = fleet.bff_people(args.people), fleet.direct_tokens(args.people)
        print(f"# claims: sandbox alone at {sandbox['base_url']}; {os.cpu_count()} cores; "
              f"{args.seconds:.0f} s per measurement, {args.rounds} interleaved rounds")
        per_server = (len(args.clients) * args.rounds * int(args.seconds * args.max_rate)) + args.sequential
        for kind in args.servers:
            # every device the measurements use is made before the server starts: `serve` runs the
            # worker too, which would otherwise read each new device as its `online` event arrives
            fleet.pools = {"direct": iter(fleet.new_devices(per_server)), "bff": iter(fleet.known_devices(per_server))}
            measure_server(kind, folder, sandbox, fleet, bff_tokens, direct_tokens, args)


def measure_server(kind: str, folder: str, sandbox: dict, fleet: Fleet, bff_tokens, direct_tokens, args) -> None:
    port, bare_port = free_port(), free_port()
    bare_file = Path(folder) / "bare_app.py"
    bare_file.write_text(BARE_APP)
    env = bff_environment(folder, sandbox["base_url"])
    with process(server_command(kind, port), env=env) as server, \
            process(server_command(kind, bare_port, "bare_app:app"), env={"PYTHONPATH": folder}, cwd=Path(folder)):
        bff_url, bare_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
        wait_until_up(bff_url + "/healthz")
        wait_until_up(bare_url + "/")
        if kind == "serve":
            wait_for_first_reconcile(fleet)
        print(f"\n## {kind}: {' '.join(server_command(kind, port)[:9])}")
        print("clients | direct claims/s | bff claims/s | ratio | CPU ms a claim: sandbox direct, "
              "bff (+ sandbox) | bff failures")
        cloud_cpu, bff_cpu = CpuMeter(sandbox["pid"]), CpuMeter(server.pid)
        for clients in args.clients:
            rates, cpu, fails = {"direct": [], "bff": []}, {"direct": [], "bff": [], "cloud": []}, 0
            for _ in range(args.rounds):
                needed = int(args.seconds * args.max_rate)
                devices = fleet.take("direct", needed)
                with cloud_cpu.measuring():
                    direct = run_clients(clients, args.seconds, claim_direct(sandbox["base_url"]), devices, direct_tokens)
                cpu["direct"].append(cloud_cpu.seconds * 1000 / max(1, len(direct["latencies"])))
                devices = fleet.take("bff", needed)
                with cloud_cpu.measuring(), bff_cpu.measuring():
                    through = run_clients(clients, args.seconds, claim_through_bff(bff_url), devices, bff_tokens)
                claims = max(1, len(through["latencies"]))
                cpu["bff"].append(bff_cpu.seconds * 1000 / claims)
                cpu["cloud"].append(cloud_cpu.seconds * 1000 / claims)
                rates["direct"].append(direct["rate"])
                rates["bff"].append(through["rate"])
                fails += through["failures"]
            d, b = statistics.mean(rates["direct"]), statistics.mean(rates["bff"])
            mean = {name: statistics.mean(values) for name, values in cpu.items()}
            print(f"{clients:7d} | {d:15.1f} | {b:12.1f} | {b / d:5.2f} | {mean['direct']:5.2f}, "
                  f"{mean['bff']:5.2f} (+ {mean['cloud']:4.2f}) | {fails}")
        print_latencies(sandbox, fleet, bff_url, bare_url, bff_tokens, direct_tokens, args)


def print_latencies(sandbox, fleet, bff_url, bare_url, bff_tokens, direct_tokens, args) -> None:
    count = args.sequential
    direct = run_clients(1, 1e9, claim_direct(sandbox["base_url"]), fleet.take("direct", count), direct_tokens)
    through = run_clients(1, 1e9, claim_through_bff(bff_url), fleet.take("bff", count), bff_tokens)
    bare = run_clients(1, 1e9, bare_request(bare_url), ["-"] * count, Tokens(["-"] * count))
    print(f"one client, {count} requests each | p50 ms | p99 ms")
    for name, result in (("claim through bff", through), ("claim direct to the sandbox", direct),
                         ("bare Flask request", bare)):
        ms = [s * 1000 for s in result["latencies"]]
        print(f"{name:27s} | {percentile(ms, .5):6.2f} | {percentile(ms, .99):6.2f}")
    own = [t - d for t, d in zip(sorted(through["latencies"]), sorted(direct["latencies"]))]
    print(f"bff's own time per claim (through - direct, by rank): p50 {percentile(own, .5) * 1000:.2f} ms, "
          f"p99 {percentile(own, .99) * 1000:.2f} ms")


def delegate(script: str, extra: list[str]) -> None:
    sys.argv = [script, *extra]
    runpy.run_path(str(ROOT / "bench" / script), run_name="__main__")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    claims = commands.add_parser("claims", help="claims/s through bff against the sandbox's direct rate")
    claims.add_argument("--clients", type=int, nargs="+", default=[4, 8, 16])
    claims.add_argument("--seconds", type=float, default=8.0, help="length of each rate measurement")
    claims.add_argument("--max-rate", type=int, default=300, help="fresh devices made per second measured")
    claims.add_argument("--rounds", type=int, default=2, help="interleaved rounds per client count")
    claims.add_argument("--people", type=int, default=800,
                        help="people (each claims at most %d times: the per-person limit)" % CLAIMS_PER_PERSON)
    claims.add_argument("--sequential", type=int, default=200, help="requests for the one-client latencies")
    claims.add_argument("--servers", nargs="+", default=["gunicorn", "serve"], choices=["gunicorn", "serve"])
    commands.add_parser("sms", help="SMS replies with the cloud hanging (bench/sms_burst.py)", add_help=False)
    commands.add_parser("fleet", help="import, reconcile and pages by fleet size (bench/fleet.py)", add_help=False)
    args, extra = parser.parse_known_args()
    if args.command == "claims":
        claims_command(args)
    else:
        delegate({"sms": "sms_burst.py", "fleet": "fleet.py"}[args.command], extra)


if __name__ == "__main__":
    main()
