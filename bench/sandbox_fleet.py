#!/usr/bin/env python3
"""Sandbox cloud at fleet size: writes with a state file, product device-list pages, fleet
creation, state load, memory per device.

For each fleet size (1,000 / 20,000 / 100,000 devices; 1,000,000 with `--million`) a fresh
sandbox with a state file runs as a real HTTP server on loopback in this process, and:

1. Fleet: `POST /sandbox/devices {"count": n, "platform": "electron", "product": 9901}` (offline
   Electrons in the demo Electron product); its time, and this process's RSS growth per device.
2. Writes: `--writes` times `PUT /v1/products/9901/devices/<random id> {"notes"}` with a product
   token (p50/p99, HTTP included), and the same change in-process (`with store.write()`: the
   lock, the change, the journal line) to show the persistence's own share.
3. Pages: `GET /v1/products/9901/devices?perPage=100` (the default order, last connection
   first, as bff's reconcile reads it): page 1 cold (the first list: index and sort), then
   `--pages` later pages (p50/p99), then page 1 again after a device of the product connected
   (its order changed: sorted again).
4. Compaction: the whole state rewritten as a fresh snapshot (what happens whenever the journal
   has outgrown the snapshot), in-process.
5. Load: the sandbox stopped, a new Python process loads the state file (snapshot and journal;
   time and RSS per device after loading). Prints the state file's and journal's sizes.

Nothing is asserted (these machines are shared and noisy); the targets: a write's cost and a
later page's cost independent of the fleet's size, 100,000 devices made in a few seconds.

    .venv/bin/python bench/sandbox_fleet.py [--sizes 1000,20000,100000] [--million]
                                            [--writes 200] [--pages 50] [--seed 1]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bff.sandbox import SandboxCloud  # noqa: E402

PRODUCT = 9901          # the demo Electron product
PER_PAGE = 100          # what bff reads a product's device list with
LOAD_PROBE = """
import json, os, sys, time
from bff.sandbox import SandboxCloud
def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
before = rss(); started = time.perf_counter()
cloud = SandboxCloud(state_file=sys.argv[1])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rss": rss() - before, "devices": len(cloud.store.state.devices)}))
"""


def rss() -> int:
    """This process's resident memory in bytes (after a collection)."""
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def ms(values: list[float], fraction: float) -> str:
    return f"{percentile(values, fraction) * 1000:7.2f} ms"


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def product_token(http: requests.Session, url: str, info: dict) -> str:
    product = next(p for p in info["products"] if p["id"] == PRODUCT)
    answer = http.post(f"{url}/oauth/token", data={"grant_type": "client_credentials"},
                       auth=(product["client_id"], product["client_secret"]), timeout=60)
    return answer.json()["access_token"]


def make_fleet(http: requests.Session, url: str, size: int) -> tuple[float, list[str]]:
    seconds, answer = timed(lambda: http.post(f"{url}/sandbox/devices", timeout=3600, json={
        "count": size, "platform": "electron", "product": PRODUCT, "online": False}))
    if answer.status_code != 201:
        raise SystemExit(f"fleet creation failed: {answer.status_code} {answer.text[:300]}")
    return seconds, answer.json()["ids"]


def writes(cloud: SandboxCloud, http: requests.Session, token: str, ids: list[str], count: int,
           rng: random.Random) -> tuple[list[float], list[float]]:
    """(over HTTP, in-process) seconds per write."""
    over_http, in_process = [], []
    for number in range(count):
        device_id = rng.choice(ids)
        seconds, answer = timed(lambda: http.put(
            f"{cloud.base_url}/v1/products/{PRODUCT}/devices/{device_id}", timeout=60,
            headers={"Authorization": f"Bearer {token}"}, json={"notes": f"bench {number}"}))
        assert answer.status_code == 200, answer.text
        over_http.append(seconds)
        in_process.append(timed(lambda: _write_in_process(cloud, rng.choice(ids), number))[0])
    return over_http, in_process


def _write_in_process(cloud: SandboxCloud, device_id: str, number: int) -> None:
    with cloud.store.write() as state:
        state.devices[device_id].notes = f"in process {number}"


def pages(cloud: SandboxCloud, http: requests.Session, token: str, ids: list[str], count: int,
          rng: random.Random) -> dict:
    """Seconds for page 1 cold, later pages, and page 1 after a device connected."""
    def page(number: int) -> float:
        seconds, answer = timed(lambda: http.get(
            f"{cloud.base_url}/v1/products/{PRODUCT}/devices", timeout=600,
            headers={"Authorization": f"Bearer {token}"}, params={"perPage": PER_PAGE, "page": number}))
        assert answer.status_code == 200 and answer.json()["devices"], answer.text[:300]
        return seconds

    first = page(1)
    total_pages = max(1, -(-len(ids) // PER_PAGE))
    later = [page(rng.randint(2, total_pages) if total_pages > 1 else 1) for _ in range(count)]
    http.post(f"{cloud.base_url}/sandbox/devices/{rng.choice(ids)}/online", timeout=60)
    return {"first": first, "later": later, "after_change": page(1)}


def load_in_new_process(path: str) -> dict:
    probe = subprocess.run([sys.executable, "-c", LOAD_PROBE, path], cwd=ROOT, capture_output=True,
                           text=True, timeout=3600)
    if probe.returncode != 0:
        raise SystemExit(probe.stderr)
    return json.loads(probe.stdout.strip().splitlines()[-1])


def run(size: int, args: argparse.Namespace, rng: random.Random) -> None:
    folder = tempfile.mkdtemp(prefix="sandbox-fleet-")
    path = os.path.join(folder, "sandbox.json")
    cloud = SandboxCloud(state_file=path)
    cloud.start()
    http = requests.Session()
    try:
        before = rss()
        made, ids = make_fleet(http, cloud.base_url, size)
        grown = rss() - before
        token = product_token(http, cloud.base_url, cloud.demo_info())
        over_http, in_process = writes(cloud, http, token, ids, args.writes, rng)
        listed = pages(cloud, http, token, ids, args.pages, rng)
        compacted = timed(cloud.store.compact)[0]
    finally:
        cloud.stop()
    loaded = load_in_new_process(path)
    report(size, made, grown, over_http, in_process, listed, compacted, loaded, path)


def report(size: int, made: float, grown: int, over_http: list[float], in_process: list[float],
           listed: dict, compacted: float, loaded: dict, path: str) -> None:
    journal = path + ".journal"
    print(f"{size:,} devices")
    print(f"  fleet      made in {made:.2f} s ({made / size * 1e6:.0f} µs a device); "
          f"RSS +{grown / size:.0f} B a device")
    print(f"  write      HTTP p50 {ms(over_http, 0.5)}, p99 {ms(over_http, 0.99)};  "
          f"in-process p50 {ms(in_process, 0.5)}, p99 {ms(in_process, 0.99)}")
    print(f"  page       first {listed['first'] * 1000:8.1f} ms;  later p50 {ms(listed['later'], 0.5)}, "
          f"p99 {ms(listed['later'], 0.99)};  first after a device connected "
          f"{listed['after_change'] * 1000:.1f} ms")
    print(f"  compaction {compacted:.2f} s (the whole state rewritten; the lock is held meanwhile)")
    print(f"  load       {loaded['seconds']:.2f} s in a new process; RSS {loaded['rss'] / size:.0f} B a "
          f"device; state file {os.path.getsize(path) / 1e6:.1f} MB, journal "
          f"{os.path.getsize(journal) / 1e6 if os.path.exists(journal) else 0:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,20000,100000", help="fleet sizes, comma-separated")
    parser.add_argument("--million", action="store_true", help="also a fleet of 1,000,000 devices")
    parser.add_argument("--writes", type=int, default=200, help="writes timed per fleet (each way)")
    parser.add_argument("--pages", type=int, default=50, help="later pages timed per fleet")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the picks")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    sizes += [1_000_000] if args.million else []
    rng = random.Random(args.seed)
    print(f"bench/sandbox_fleet.py  {time.strftime('%Y-%m-%d %H:%M')}  ({os.cpu_count()} CPUs; the "
          f"sandbox and this client in one process, HTTP on loopback)")
    for size in sizes:
        run(size, args, rng)


if __name__ == "__main__":
    main()
