#!/usr/bin/env python3
"""Wi-Fi setup benchmark: how soon after a Photon joins Wi-Fi does bff know it is the person's?

For N sandbox Photons: a person gets a claim code from bff, a setup client hands it to the
Photon over the real SoftAP TCP protocol with the Wi-Fi password, and the Photon connects. The
figure is the time from the `connect-ap` answer to bff recording the claim code as arrived (the
worker following the product's event stream, as in production). Prints p50/p99/max; asserts
nothing (these machines are shared and noisy). Target: within a second.

    .venv/bin/python bench/setup_arrival.py [--photons 10]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]  # run as a script from anywhere: the repository's tests package

from tests.wifi_setup.softap_setup import SoftApSetup  # noqa: E402  (the tests' SoftAP client: one client, not two)

from bff import create_app  # noqa: E402
from bff.sandbox import SandboxCloud  # noqa: E402
from bff.wiring import get_services  # noqa: E402
from bff.worker import Worker  # noqa: E402

POLL_SECONDS = 0.002
GIVE_UP_SECONDS = 30.0


def new_listening_photon(sandbox: SandboxCloud, product_id: int) -> SoftApSetup:
    device = requests.post(f"{sandbox.base_url}/sandbox/devices", timeout=10,
                           json={"platform": "photon", "product": product_id, "online": False}).json()
    address = requests.post(f"{sandbox.base_url}/sandbox/devices/{device['id']}/listen", timeout=10).json()
    return SoftApSetup(address["host"], address["tcp_port"])


def arrival_seconds(services, sandbox, photon_product: dict, wifi: dict, number: int) -> float:
    """Set up one Photon; seconds from `connect-ap` to bff recording its arrival."""
    user_id = services.accounts.user_for_phone(f"+1201555{number:04d}").id
    issued = services.setup.create_claim_code(user_id, photon_product["slug"], channel="api")
    setup = new_listening_photon(sandbox, photon_product["id"])
    setup.device_id()
    key = setup.public_key()
    setup.set_claim_code(issued.code)
    setup.configure(key, wifi["ssid"], wifi["password"])
    setup.connect()
    started = time.perf_counter()
    while services.store.claim_code_row(issued.id)["state"] != "arrived":
        if time.perf_counter() - started > GIVE_UP_SECONDS:
            raise SystemExit(f"photon {number} never arrived")
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - started


def run(count: int) -> list[float]:
    sandbox = SandboxCloud()
    sandbox.start(host="127.0.0.1", port=0)
    info = sandbox.demo_info()
    photon_product = next(p for p in info["products"] if p["platform"] == "photon")
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE": f"{folder}/bff.sqlite3", "PARTICLE_API_URL": sandbox.base_url,
                          "SECRET_KEY": "bench", "LABEL_KEY": "bench"}, instance_path=f"{folder}/instance")
        services = get_services(app)
        worker = Worker(services, heartbeat_seconds=60)  # arrivals come from events, not the tick
        thread = threading.Thread(target=worker.run_forever, daemon=True)
        thread.start()
        while not (worker.streams and all(s.connected.is_set() for s in worker.streams)):
            time.sleep(0.05)
        try:
            return [arrival_seconds(services, sandbox, photon_product, info["wifi"][0], n) for n in range(count)]
        finally:
            worker.stop()
            thread.join(timeout=15)
            sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photons", type=int, default=10)
    times = sorted(run(parser.parse_args().photons))
    at = lambda q: times[min(len(times) - 1, round(q * (len(times) - 1)))] * 1000  # noqa: E731
    print(f"photons set up: {len(times)}")
    print(f"connect-ap -> arrived in bff: p50 {at(0.5):.0f} ms, p99 {at(0.99):.0f} ms, max {times[-1] * 1000:.0f} ms"
          " (target: within 1 s)")


if __name__ == "__main__":
    main()
