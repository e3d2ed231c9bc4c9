#!/usr/bin/env python3
"""Claim-flow benchmark: drives N claims through bff (the real pages) against the sandbox.

Prints, without asserting anything (these machines are shared and noisy):
- cloud requests per claim for a returning customer (target: 1), read from the sandbox's log;
- bff's own time per claim (p50/p99): the Claim request's time minus the time spent waiting
  on the cloud (bff's cloud-call log), beside a bare Flask request measured in the same run;
- the claim page's transfer size (gzip) and request count (page + its CSS/JS).

    .venv/bin/python bench/claim_flow.py [--claims 50]
"""
from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bff import create_app, labels  # noqa: E402
from bff.sandbox import SandboxCloud  # noqa: E402
from bff.wiring import get_services  # noqa: E402

LABEL_KEY = "bench-label-key"
PHONE = "+12015550123"
CLAIMS_PER_PERSON = 20  # below the per-person claim rate limit (30 an hour)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def make_app(sandbox: SandboxCloud, folder: str):
    return create_app({"DATABASE": f"{folder}/bff.sqlite3", "PARTICLE_API_URL": sandbox.base_url,
                       "SECRET_KEY": "bench", "LABEL_KEY": LABEL_KEY}, instance_path=f"{folder}/instance")


def new_devices(sandbox: SandboxCloud, count: int) -> list[str]:
    """`count` fresh online Electrons in the demo Electron product."""
    product = next(p for p in sandbox.demo_info()["products"] if p["platform"] == "electron")
    return [requests.post(f"{sandbox.base_url}/sandbox/devices", timeout=10,
                          json={"platform": "electron", "product": product["id"], "online": True}).json()["id"]
            for _ in range(count)]


def signed_in_client(app, user_id: int):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = get_services(app).sessions.start(user_id, method="phone", remember=False, ip=None)
        session["_fresh"] = True
    return client


def tap_claim(client, device_id: str) -> float:
    """Open the landing page, tap Claim; returns the Claim request's seconds."""
    path = f"/d/{device_id}?k={labels.qr_tag(LABEL_KEY, device_id)}"
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    started = time.perf_counter()
    reply = client.post(f"/d/{device_id}/claim", data={"csrf_token": token, "k": labels.qr_tag(LABEL_KEY, device_id)})
    elapsed = time.perf_counter() - started
    assert reply.status_code in (302, 303), reply.status_code
    return elapsed


def cloud_seconds_since(store, last_id: int) -> tuple[float, int]:
    calls = [c for c in store.cloud_calls(limit=1000) if c["id"] > last_id]
    return sum(c["ms"] for c in calls) / 1000, max([c["id"] for c in calls], default=last_id)


def measure_claims(app, sandbox, count: int) -> dict:
    """`count` claims by returning customers (a new person every few claims stays under the
    per-person claim rate limit; each person's first claim, which makes their shadow customer,
    is not measured)."""
    services = get_services(app)
    own, total, cloud_requests, claim_requests = [], [], 0, 0
    batches = [min(CLAIMS_PER_PERSON, count - done) for done in range(0, count, CLAIMS_PER_PERSON)]
    for number, size in enumerate(batches):
        user_id = services.accounts.user_for_phone(f"+1201555{number:04d}").id
        client = signed_in_client(app, user_id)
        devices = new_devices(sandbox, size + 1)
        for device_id in devices:
            services.devices.find(device_id)  # bff knows its devices (import / reconcile)
        tap_claim(client, devices[0])
        requests.delete(f"{sandbox.base_url}/sandbox/requests", timeout=10)
        _, last_call = cloud_seconds_since(services.store, 0)
        for device_id in devices[1:]:
            elapsed = tap_claim(client, device_id)
            cloud, last_call = cloud_seconds_since(services.store, last_call)
            total.append(elapsed)
            own.append(elapsed - cloud)
        log = requests.get(f"{sandbox.base_url}/sandbox/requests", timeout=10).json()
        cloud_requests += len(log)
        claim_requests += sum(1 for r in log if r["method"] == "POST" and r["path"] == "/v1/devices")
    return {"own": own, "total": total, "cloud_requests": cloud_requests, "claim_requests": claim_requests}


def measure_bare_flask(count: int) -> list[float]:
    bare = Flask("bare")
    bare.add_url_rule("/", "index", lambda: "ok")
    client = bare.test_client()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.get("/")
        times.append(time.perf_counter() - started)
    return times


def measure_page(app, sandbox) -> dict:
    """Transfer size of the claim page as a signed-in person sees it, with its CSS and JS."""
    services = get_services(app)
    device_id = new_devices(sandbox, 1)[0]
    client = signed_in_client(app, services.accounts.user_for_phone(PHONE).id)
    page = client.get(f"/d/{device_id}?k={labels.qr_tag(LABEL_KEY, device_id)}").get_data()
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', page)
    bodies = [page] + [client.get(asset.decode()).get_data() for asset in assets]
    return {"requests": len(bodies), "raw": sum(map(len, bodies)),
            "gzip": sum(len(gzip.compress(body)) for body in bodies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=50)
    args = parser.parse_args()
    sandbox = SandboxCloud()
    sandbox.start(host="127.0.0.1", port=0)
    try:
        with tempfile.TemporaryDirectory() as folder:
            app = make_app(sandbox, folder)
            result = measure_claims(app, sandbox, args.claims)
            bare = measure_bare_flask(args.claims)
            page = measure_page(app, sandbox)
    finally:
        sandbox.stop()
    n = args.claims
    ms = lambda values, q: f"{percentile(values, q) * 1000:.2f} ms"  # noqa: E731
    print(f"claims by a returning customer: {n}")
    print(f"cloud requests per claim: {result['cloud_requests'] / n:.2f} (claim calls {result['claim_requests'] / n:.2f}; target 1)")
    print(f"bff's own time per claim: p50 {ms(result['own'], 0.5)}, p99 {ms(result['own'], 0.99)}")
    print(f"whole Claim request:      p50 {ms(result['total'], 0.5)}, p99 {ms(result['total'], 0.99)}")
    print(f"bare Flask request:       p50 {ms(bare, 0.5)}, p99 {ms(bare, 0.99)}")
    print(f"claim page: {page['requests']} requests, {page['raw'] / 1024:.1f} KB raw, {page['gzip'] / 1024:.1f} KB gzip")
    print(f"mean own time: {statistics.mean(result['own']) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
