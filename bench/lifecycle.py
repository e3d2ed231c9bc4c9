#!/usr/bin/env python3
"""Lifecycle benchmark: cloud requests and time per remove, give, accept, share and ask + approve.

bff runs as a real HTTP server on loopback (werkzeug, threaded) against the sandbox cloud, both in
this process; every measured operation is one JSON API request over HTTP with a bearer token, as a
setup app sends it. Per round, on devices the owner claimed beforehand (online, so every move
finishes in the request):

- remove: `DELETE /api/v1/devices/<id>`;
- give: `POST /api/v1/devices/<id>/give` (the offer), then accept (`POST /api/v1/offers/<id>/accept`,
  the move) by a person who already has a customer in the product, and by a new person;
- share: `POST /api/v1/devices/<id>/share`, then its accept;
- ask + approve: `POST /api/v1/devices/<id>/ask {"label_code"}` by a customer who holds the box,
  then the owner's accept.

Cloud requests are read from the sandbox's request log (cleared before each operation), beside the
fewest Particle's API allows. Times are p50/p99 of the whole request. Prints, asserts nothing
(these machines are shared and noisy).

    .venv/bin/python bench/lifecycle.py [--rounds 20]
"""
from __future__ import annotations

import argparse
import collections
import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

PHONE = "+12015550100"  # the owner
EXISTING = "+12015550101"  # a receiver who has a customer in the product already
ASKS_PER_ASKER = 5  # ASKS_PER_ASKER_PER_DAY in bff/ownership/asks.py

# operation: (the fewest cloud requests, why)
MINIMUM = {
    "remove": (1, "1 unclaim"),
    "give (the offer)": (0, "none: an offer is bff's"),
    "accept give, existing customer": (2, "1 unclaim + 1 claim"),
    "accept give, new person": (3, "1 unclaim + 1 customer create (its reply has the token) + 1 claim"),
    "share (the invite)": (0, "none"),
    "accept share": (0, "none: the cloud owner stays"),
    "ask (label code)": (0, "none: the label code is bff's"),
    "approve ask": (2, "1 unclaim + 1 claim"),
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def kind_of(entry: dict) -> str:
    """A sandbox request log entry in a word."""
    method, path = entry["method"], entry["path"]
    if method == "DELETE" and path.endswith("/owner"):
        return "unclaim"
    if method == "POST" and path == "/v1/devices":
        return "claim"
    if method == "POST" and path.endswith("/customers"):
        return "customer create"
    if path == "/oauth/token":
        return "token"
    return f"{method} {path}"


def run(rounds: int) -> tuple[dict, dict]:
    import requests
    from werkzeug.serving import make_server

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bff import create_app
    from bff.sandbox import SandboxCloud
    from bff.wiring import get_services

    sandbox = SandboxCloud()
    sandbox.start(host="127.0.0.1", port=0)
    log_url = f"{sandbox.base_url}/sandbox/requests"
    times: dict[str, list[float]] = collections.defaultdict(list)
    calls: dict[str, list[collections.Counter]] = collections.defaultdict(list)
    try:
        with tempfile.TemporaryDirectory() as folder:
            server = make_server("127.0.0.1", 0, lambda environ, start: app(environ, start), threaded=True)
            url = f"http://127.0.0.1:{server.server_port}"
            app = create_app({"DATABASE": f"{folder}/bff.sqlite3", "PARTICLE_API_URL": sandbox.base_url,
                              "SECRET_KEY": "bench", "LABEL_KEY": "bench-label-key", "PUBLIC_URL": url},
                             instance_path=f"{folder}/instance")
            services = get_services(app)
            for name in ("werkzeug", "bff"):  # no log line per request or cloud call (after the app set them up)
                logging.getLogger(name).setLevel(logging.WARNING)
            thread = threading.Thread(target=server.serve_forever, name="bff-server", daemon=True)
            thread.start()
            try:
                product = next(p for p in sandbox.demo_info()["products"] if p["platform"] == "electron")

                def new_device() -> str:
                    return requests.post(f"{sandbox.base_url}/sandbox/devices", timeout=10, json={
                        "platform": "electron", "product": product["id"], "online": True}).json()["id"]

                def owned_by(phone: str) -> tuple[object, str]:
                    """A person with a customer in the product (one device claimed) and an API session."""
                    person = services.accounts.user_for_phone(phone)
                    services.claims.request_claim(person.id, new_device(), channel="bench", operator=True)
                    return person, session_of(person)

                def session_of(person) -> requests.Session:
                    http = requests.Session()
                    http.headers["Authorization"] = f"Bearer {services.api_tokens.issue(person.id, 'bench')}"
                    return http

                def measure(name: str, http: requests.Session, method: str, path: str, body=None) -> dict:
                    requests.delete(log_url, timeout=10)
                    started = time.perf_counter()
                    reply = http.request(method, f"{url}/api/v1{path}", json=body, timeout=60)
                    elapsed = time.perf_counter() - started
                    if reply.status_code not in (200, 202):
                        raise SystemExit(f"{name}: {method} {path} answered {reply.status_code} {reply.text}")
                    times[name].append(elapsed)
                    calls[name].append(collections.Counter(kind_of(e) for e in requests.get(log_url, timeout=10).json()))
                    return reply.json()

                owner, owner_http = owned_by(PHONE)
                _, existing_http = owned_by(EXISTING)
                askers = [owned_by(f"+1201555{200 + n:04d}")[1] for n in range(-(-rounds // ASKS_PER_ASKER))]
                for number in range(rounds):
                    devices = [new_device() for _ in range(5)]
                    for device_id in devices:
                        services.claims.request_claim(owner.id, device_id, channel="bench", operator=True)
                    remove, give_old, give_new, share, ask = devices

                    measure("remove", owner_http, "DELETE", f"/devices/{remove}")

                    offer = measure("give (the offer)", owner_http, "POST", f"/devices/{give_old}/give",
                                    {"phone": EXISTING})
                    measure("accept give, existing customer", existing_http, "POST", f"/offers/{offer['id']}/accept")

                    new_phone = f"+1201555{5000 + number:04d}"
                    offer = measure("give (the offer)", owner_http, "POST", f"/devices/{give_new}/give",
                                    {"phone": new_phone})
                    receiver = session_of(services.accounts.user_for_phone(new_phone, create=False))
                    measure("accept give, new person", receiver, "POST", f"/offers/{offer['id']}/accept")

                    offer = measure("share (the invite)", owner_http, "POST", f"/devices/{share}/share",
                                    {"phone": EXISTING})
                    measure("accept share", existing_http, "POST", f"/offers/{offer['id']}/accept")

                    label_code = services.store.device(ask)["label_code"]
                    offer = measure("ask (label code)", askers[number // ASKS_PER_ASKER], "POST", f"/devices/{ask}/ask",
                                    {"label_code": label_code})
                    measure("approve ask", owner_http, "POST", f"/offers/{offer['id']}/accept")
            finally:
                server.shutdown()
                thread.join(timeout=10)
                server.server_close()
    finally:
        sandbox.stop()
    return times, calls


def report(rounds: int, times: dict, calls: dict) -> None:
    ms = lambda values, q: f"{percentile(values, q) * 1000:6.1f} ms"  # noqa: E731
    print(f"bench/lifecycle.py  {time.strftime('%Y-%m-%d %H:%M')}  ({os.cpu_count()} CPUs; bff, the sandbox and "
          f"this client share one Python process); {rounds} rounds, through the JSON API over HTTP")
    print(f"{'operation':32} {'cloud requests':>14} {'fewest':>6}   {'p50':>9} {'p99':>9}   what was called (per operation)")
    for name, (fewest, _) in MINIMUM.items():
        counts = calls[name]
        totals = [sum(c.values()) for c in counts]
        seen = sum(counts, collections.Counter())
        what = ", ".join(f"{kind} {n / len(counts):.2f}" for kind, n in seen.most_common()) or "none"
        mean = f"{sum(totals) / len(totals):.2f} (max {max(totals)})"
        print(f"{name:32} {mean:>14} {fewest:>6}   {ms(times[name], 0.5)} {ms(times[name], 0.99)}   {what}")
    print("the fewest possible: " + "; ".join(f"{name}: {why}" for name, (_, why) in MINIMUM.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds of remove, give, accept, share, ask")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    times, calls = run(args.rounds)
    report(args.rounds, times, calls)


if __name__ == "__main__":
    main()
