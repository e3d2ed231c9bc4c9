#!/usr/bin/env python3
"""Operators' console benchmark: field mode per box, and the device doctor and call log at scale.

bff runs as a real HTTP server on loopback (werkzeug, threaded) against the sandbox cloud, both
in this process; every request goes over HTTP with a signed-in operator's cookies. In one run:

1. Seeding: bff's database gets `--devices` device rows in the demo Electron product (label codes,
   a third of them owned by seeded people) and `--calls` cloud-call rows over 30 days (most 200,
   some 403/404/429/500, some no answer; a fifth of the device calls on a busy 1 % of devices;
   half of the calls name a seeded person's shadow customer), written straight into the database
   (executemany, big transactions). Prints how long that took and the database's size.
2. Field mode, on that database: a field operator (password only) chooses a customer's phone,
   then for `--boxes` fresh online Electrons (known to bff, as after an import) posts each box's QR
   link as static/field.js does (`POST /ops/field/claims`, JSON, X-CSRFToken header), timing request
   to response; then the same for offline Electrons (result "waiting"). Prints p50/p99, bff's
   own share (minus the cloud time in bff's cloud-call log) and the cloud requests per box (the
   sandbox's request log).
3. Doctor and call log: a support operator (password + texted code) opens, `--repeat` times each,
   interleaved: `/ops/devices/<id>` for random seeded devices (the cloud says "not in the
   product") and for the field-mode devices (real, claimed), and `/ops/calls` unfiltered, by
   device, `status=failed`, `status=429`, by person (phone), over a random day, and as CSV by
   device; besides, by device and by person with `status=200`, and CSV of every failed call (the
   10,000-row cap). Prints p50/p99; for the doctor, the share spent waiting on its one live cloud
   call (from the cloud-call log's `ms`).

Nothing is asserted (these machines are shared and noisy); the targets: the doctor and every
filtered call log well under a second at 100,000 devices and 1,000,000 calls.

    .venv/bin/python bench/ops.py [--devices 100000] [--calls 1000000] [--boxes 40] [--repeat 20]
"""
from __future__ import annotations

import argparse
import collections
import csv
import io
import logging
import os
import random
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bff import create_app, labels  # noqa: E402
from bff.labels.codes import new_label_code  # noqa: E402
from bff.sandbox import SandboxCloud  # noqa: E402
from bff.wiring import get_services  # noqa: E402

LABEL_KEY = "bench-label-key"
PASSWORD = "correct horse battery"
CUSTOMER_PHONE, CUSTOMER_TYPED = "+12015550142", "(201) 555-0142"
SUPPORT_PHONE = "+12015550182"
DAY = 86400.0
SEED_DAYS = 30
CHUNK = 100_000  # rows per seeding transaction
ELECTRON_PLATFORM_ID = 10


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def ms(values: list[float], fraction: float) -> str:
    return f"{percentile(values, fraction) * 1000:7.1f} ms"


# -- bff, served for real ---------------------------------------------------------------------------


class LiveBff:
    """bff on 127.0.0.1 (an ephemeral port), threaded; its public URL is this server (no worker:
    waiting claims stay waiting, nothing else runs in the background)."""

    def __init__(self, sandbox: SandboxCloud, folder: str) -> None:
        self.server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app = create_app({"DATABASE": f"{folder}/bff.sqlite3", "PARTICLE_API_URL": sandbox.base_url,
                               "SECRET_KEY": "bench", "LABEL_KEY": LABEL_KEY, "PUBLIC_URL": self.url},
                              instance_path=f"{folder}/instance")
        self.services = get_services(self.app)
        self.thread = threading.Thread(target=self.server.serve_forever, name="bff-server", daemon=True)
        self.thread.start()

    def _dispatch(self, environ, start_response):
        return self.app(environ, start_response)

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()

    def last_call_id(self) -> int:
        return self.services.store.db.execute("SELECT COALESCE(MAX(id), 0) FROM cloud_calls").fetchone()[0]

    def cloud_since(self, last_id: int) -> tuple[float, int, int]:
        """(seconds waited on the cloud, calls, newest id) of the calls logged after `last_id`."""
        total, count, newest = self.services.store.db.execute(
            "SELECT COALESCE(SUM(ms), 0), COUNT(*), COALESCE(MAX(id), ?) FROM cloud_calls WHERE id > ?",
            [last_id, last_id]).fetchone()
        return total / 1000, count, newest


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(live: LiveBff, login: str, phone: str | None = None) -> requests.Session:
    """An HTTP session signed in to the console: password, then (with a phone) the texted code."""
    http = requests.Session()
    page = http.get(f"{live.url}/ops/login", timeout=30).text
    done = http.post(f"{live.url}/ops/login", allow_redirects=False, timeout=30,
                     data={"csrf_token": form_token(page), "login": login, "password": PASSWORD})
    if phone is not None:
        text = live.services.sms.outbox(to=phone)[0]["body"]
        page = http.get(f"{live.url}/ops/login/code", timeout=30).text
        done = http.post(f"{live.url}/ops/login/code", allow_redirects=False, timeout=30,
                         data={"csrf_token": form_token(page), "code": re.search(r"\b(\d{6})\b", text).group(1)})
    if done.status_code != 303 or "/ops/login" in done.headers.get("Location", ""):
        raise SystemExit(f"could not sign in as {login}: {done.status_code} {done.headers.get('Location')}")
    return http


# -- 1. seeding ---------------------------------------------------------------------------------------


def seed(store, product_key: str, slug: str, devices: int, calls: int, rng: random.Random) -> dict:
    """People, devices and cloud calls written straight into bff's database; their timings."""
    db = store.db
    conn = db.conn
    conn.execute("PRAGMA cache_size = -524288")  # 512 MiB for this (the bench's) connection while seeding
    started = now = time.time()
    people = max(1, min(devices // 20, 1_000_000))
    first_user = db.execute("SELECT COALESCE(MAX(id), 0) FROM users").fetchone()[0] + 1
    with conn:
        conn.executemany("INSERT INTO users (id, created_at, phone, role) VALUES (?, ?, ?, 'customer')",
                         ((first_user + n, now - SEED_DAYS * DAY, seeded_phone(n)) for n in range(people)))
        usernames = [f"bff-{rng.getrandbits(96):024x}@bench.invalid" for _ in range(people)]
        conn.executemany("INSERT INTO shadow_customers (user_id, product_key, username, created_at, confirmed_at) "
                         "VALUES (?, ?, ?, ?, ?)",
                         ((first_user + n, product_key, name, now - SEED_DAYS * DAY, now - SEED_DAYS * DAY)
                          for n, name in enumerate(usernames)))
    device_ids = list({f"{rng.getrandbits(96):024x}" for _ in range(devices)})
    codes = set()
    while len(codes) < len(device_ids):
        codes.add(new_label_code())

    def device_rows():
        for device_id, code in zip(device_ids, codes):
            created = now - rng.uniform(SEED_DAYS, 2 * SEED_DAYS) * DAY
            owner = rng.choice(usernames) if rng.random() < 1 / 3 else None
            yield (device_id, product_key, ELECTRON_PLATFORM_ID, f"bench-{device_id[-6:]}", f"E40KAB{device_id[-9:]}",
                   f"8934{rng.getrandbits(50):016d}"[:20], None, owner, int(rng.random() < 0.6),
                   now - rng.uniform(0, SEED_DAYS) * DAY, created, created, code)

    for chunk in chunks(device_rows(), CHUNK):
        with conn:
            conn.executemany(
                "INSERT INTO devices (device_id, product_key, platform_id, name, serial_number, iccid, imei, "
                "owner, online, last_seen_at, created_at, updated_at, label_code) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                chunk)
    devices_seconds = time.time() - started

    started = time.time()
    busy = device_ids[:max(1, len(device_ids) // 100)]
    for chunk in chunks(call_rows(rng, calls, slug, product_key, device_ids, busy, usernames, now), CHUNK):
        with conn:
            conn.executemany(
                "INSERT INTO cloud_calls (at, method, path, status, ms, error, product_key, customer, device_id, "
                "reply) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk)
    calls_seconds = time.time() - started
    started = time.time()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpoint_seconds = time.time() - started
    conn.execute("PRAGMA cache_size = -2000")  # SQLite's default again
    return {"people": people, "devices": device_ids, "phones": [seeded_phone(n) for n in range(people)],
            "devices_seconds": devices_seconds, "calls_seconds": calls_seconds,
            "checkpoint_seconds": checkpoint_seconds, "bytes": database_bytes(store.path)}


def seeded_phone(n: int) -> str:
    return f"+1201{2_000_000 + n:07d}"  # 201-200-0000 and on: valid, not a bench phone above


def chunks(rows, size: int):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


FAILURES = [  # (share of all calls, status, error, raw reply)
    (0.020, 404, "NotFound: Device not found.", '{"ok":false,"error":"Device not found."}'),
    (0.010, 403, "Forbidden: Permission denied", '{"ok":false,"error":"Permission Denied"}'),
    (0.015, 429, "RateLimited: Too many requests; slow down.", '{"ok":false,"error":"Too many requests"}'),
    (0.010, 500, "CloudError: internal server error", '{"ok":false,"error":"Internal Server Error"}'),
    (0.015, None, "CloudUnavailable: ReadTimeout: read timed out (read timeout=10)", None),
]


def call_rows(rng, calls, slug, product_key, device_ids, busy, usernames, now):
    """Cloud-call rows in time order over the last 30 days (ids follow time, as bff writes them)."""
    start, step = now - SEED_DAYS * DAY, SEED_DAYS * DAY / max(1, calls)
    for i in range(calls):
        kind = rng.random()
        device = (rng.choice(busy) if rng.random() < 0.2 else rng.choice(device_ids)) if kind < 0.75 else None
        customer = rng.choice(usernames) if kind >= 0.5 else None
        if kind < 0.5:
            method, path = "GET", f"/v1/products/{slug}/devices/{device}"
        elif kind < 0.75:
            method, path = "POST", "/v1/devices"
        elif kind < 0.90:
            method, path = "POST", "/oauth/token"
        elif kind < 0.95:
            method, path = "POST", f"/v1/products/{slug}/customers"
        else:
            method, path = "GET", "/v1/devices"
        status, error, reply, duration = 200, None, None, rng.lognormvariate(4.5, 0.5)
        share = rng.random()
        for part, failed_status, failed_error, failed_reply in FAILURES:
            if share < part:
                status, error, reply = failed_status, failed_error, failed_reply
                duration = 10_000 + rng.random() * 50 if failed_status is None else duration
                break
            share -= part
        yield (start + i * step + rng.random() * step, method, path, status, round(duration, 1), error,
               product_key, customer, device, reply)


def database_bytes(path: str) -> int:
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


# -- 2. field mode -------------------------------------------------------------------------------------


def new_devices(sandbox: SandboxCloud, live: LiveBff, product_id: int, count: int, online: bool) -> list[str]:
    """`count` fresh Electrons in the product, known to bff with their label codes (as after an import)."""
    ids = [requests.post(f"{sandbox.base_url}/sandbox/devices", timeout=10,
                         json={"platform": "electron", "product": product_id, "online": online}).json()["id"]
           for _ in range(count)]
    for device_id in ids:
        live.services.devices.find(device_id)
    return ids


def field_session(live: LiveBff) -> tuple[requests.Session, str, str]:
    """A field operator who chose the customer: (session, form token, the person's user id)."""
    http = sign_in(live, "crew")
    page = http.get(f"{live.url}/ops/field?change=1", timeout=30).text
    chosen = http.post(f"{live.url}/ops/field/for", allow_redirects=False, timeout=30,
                       data={"csrf_token": form_token(page), "for": "customer", "phone": CUSTOMER_TYPED})
    assert chosen.status_code == 303, chosen.status_code
    page = http.get(f"{live.url}/ops/field", timeout=30).text
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    person = re.search(r'data-for="(\d+)"', page).group(1)
    return http, token, person


def measure_boxes(live: LiveBff, sandbox: SandboxCloud, field, device_ids: list[str]) -> dict:
    """Scan each box as the scanner does; per box: seconds, cloud seconds, cloud requests, result."""
    http, token, person = field
    times, own, cloud_requests, results = [], [], [], collections.Counter()
    requests.delete(f"{sandbox.base_url}/sandbox/requests", timeout=10)
    last = live.last_call_id()
    for device_id in device_ids:
        link = f"{live.url}/d/{device_id}?k={labels.qr_tag(LABEL_KEY, device_id)}"
        started = time.perf_counter()
        reply = http.post(f"{live.url}/ops/field/claims", json={"code": link, "for": person}, timeout=60,
                          headers={"X-CSRFToken": token, "Accept": "application/json"})
        elapsed = time.perf_counter() - started
        results[reply.json()["result"] if reply.status_code == 200 else f"HTTP {reply.status_code}"] += 1
        cloud, _count, last = live.cloud_since(last)
        times.append(elapsed)
        own.append(elapsed - cloud)
        cloud_requests.append(len(requests.get(f"{sandbox.base_url}/sandbox/requests", timeout=10).json()))
        requests.delete(f"{sandbox.base_url}/sandbox/requests", timeout=10)
    return {"times": times, "own": own, "cloud_requests": cloud_requests, "results": results}


def report_boxes(label: str, run: dict) -> None:
    calls = run["cloud_requests"]
    rest = calls[1:] or calls
    print(f"  {label:8} p50 {ms(run['times'], 0.5)}, p99 {ms(run['times'], 0.99)}   "
          f"bff's own p50 {ms(run['own'], 0.5)}, p99 {ms(run['own'], 0.99)}")
    print(f"  {'':8} first box {run['times'][0] * 1000:.1f} ms; cloud requests per box: first {calls[0]}, "
          f"then mean {sum(rest) / len(rest):.2f} (max {max(rest)});   results: "
          + ", ".join(f"{name} {count}" for name, count in sorted(run["results"].items())))


# -- 3. doctor and call log ----------------------------------------------------------------------------


def day_range(rng: random.Random, now: float) -> str:
    start = now - rng.uniform(1, SEED_DAYS - 1) * DAY
    shown = lambda t: time.strftime("%Y-%m-%d %H:%M", time.gmtime(t))  # noqa: E731
    return f"from={shown(start)}&to={shown(start + DAY)}"


def measure_console(live: LiveBff, seeded: dict, field_devices: list[str], repeat: int,
                    rng: random.Random) -> dict:
    """Each page `repeat` times, interleaved (after one untimed warm-up round); per page: seconds,
    cloud seconds (from the cloud-call log), response bytes and statuses."""
    http = sign_in(live, "desk", SUPPORT_PHONE)
    now = time.time()
    pages = {
        "doctor, seeded device": lambda: f"/ops/devices/{rng.choice(seeded['devices'])}",
        "doctor, field device": lambda: f"/ops/devices/{rng.choice(field_devices or seeded['devices'])}",
        "calls, unfiltered": lambda: "/ops/calls",
        "calls, ?device=": lambda: f"/ops/calls?device={rng.choice(seeded['devices'])}",
        "calls, ?status=failed": lambda: "/ops/calls?status=failed",
        "calls, ?status=429": lambda: "/ops/calls?status=429",
        "calls, ?person=<phone>": lambda: f"/ops/calls?person={rng.choice(seeded['phones']).replace('+', '%2B')}",
        "calls, a day (from/to)": lambda: f"/ops/calls?{day_range(rng, now)}",
        "calls, ?device=&status=200": lambda: f"/ops/calls?device={rng.choice(seeded['devices'])}&status=200",
        "calls, ?person=&status=200": lambda: f"/ops/calls?person={rng.choice(seeded['phones']).replace('+', '%2B')}"
                                              "&status=200",
        "csv, ?device=": lambda: f"/ops/calls?format=csv&device={rng.choice(seeded['devices'])}",
        "csv, ?status=failed (cap)": lambda: "/ops/calls?format=csv&status=failed",
    }
    found = {name: {"times": [], "cloud": [], "bytes": [], "rows": [], "statuses": collections.Counter()}
             for name in pages}
    for round_number in range(repeat + 1):
        for name, path in pages.items():
            last = live.last_call_id()
            started = time.perf_counter()
            reply = http.get(live.url + path(), timeout=120)
            elapsed = time.perf_counter() - started
            cloud, _count, _ = live.cloud_since(last)
            if round_number == 0:
                continue  # warm-up: templates compiled, product token minted
            row = found[name]
            row["times"].append(elapsed)
            row["cloud"].append(cloud)
            row["bytes"].append(len(reply.content))
            row["rows"].append(shown_rows(reply))
            row["statuses"][reply.status_code] += 1
    return found


def shown_rows(reply: requests.Response) -> int:
    """Rows of a call log page (table rows) or CSV (lines), without the header; 0 for the doctor."""
    if reply.headers.get("Content-Type", "").startswith("text/csv"):
        return max(0, len(list(csv.reader(io.StringIO(reply.text)))) - 1)  # a raw reply may hold line breaks
    return max(0, reply.text.count("<tr>") - 1) if "/ops/calls" in reply.url else 0


def report_console(found: dict) -> None:
    for name, row in found.items():
        line = f"  {name:27} p50 {ms(row['times'], 0.5)}, p99 {ms(row['times'], 0.99)}"
        if any(row["cloud"]):
            own = [t - c for t, c in zip(row["times"], row["cloud"])]
            line += (f"   live cloud call p50 {ms(row['cloud'], 0.5)} "
                     f"({sum(row['cloud']) / sum(row['times']) * 100:.0f} % of the time); without it p50 "
                     f"{ms(own, 0.5)}, p99 {ms(own, 0.99)}")
        statuses = ", ".join(f"{code}×{count}" for code, count in sorted(row["statuses"].items()))
        rows = f"{sum(row['rows']) / len(row['rows']):,.0f} rows, " if any(row["rows"]) else ""
        print(line + f"   {rows}{sum(row['bytes']) / len(row['bytes']) / 1024:.0f} KB, HTTP {statuses}")


# -- the run ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000, help="device rows seeded (at least 1)")
    parser.add_argument("--calls", type=int, default=1_000_000, help="cloud-call rows seeded")
    parser.add_argument("--boxes", type=int, default=40, help="boxes scanned in field mode, online and offline each")
    parser.add_argument("--repeat", type=int, default=20, help="times each console page is timed")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the seeded data and the picks")
    args = parser.parse_args()
    if min(args.devices, args.boxes, args.repeat) < 1 or args.calls < 0:
        parser.error("--devices, --boxes and --repeat must be at least 1; --calls at least 0")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per request
    rng = random.Random(args.seed)
    sandbox = SandboxCloud()
    sandbox.start(host="127.0.0.1", port=0)
    try:
        with tempfile.TemporaryDirectory() as folder:
            live = LiveBff(sandbox, folder)
            try:
                electron = next(p for p in sandbox.demo_info()["products"] if p["platform"] == "electron")
                product_key = electron["slug"]
                if product_key not in live.services.particle.product_keys():
                    raise SystemExit(f"the Electron product {product_key} is not one of bff's products")
                live.services.operators.create(None, "crew", PASSWORD, role="field")
                live.services.operators.create(None, "desk", PASSWORD, role="support", phone=SUPPORT_PHONE)
                seeded = seed(live.services.store, product_key, electron["slug"], args.devices, args.calls, rng)
                field = field_session(live)
                online_ids = new_devices(sandbox, live, electron["id"], args.boxes, online=True)
                online = measure_boxes(live, sandbox, field, online_ids)
                offline = measure_boxes(live, sandbox, field,
                                        new_devices(sandbox, live, electron["id"], args.boxes, online=False))
                console = measure_console(live, seeded, online_ids, args.repeat, rng)
                final_bytes = database_bytes(live.services.store.path)
            finally:
                live.stop()
    finally:
        sandbox.stop()

    print(f"bench/ops.py  {time.strftime('%Y-%m-%d %H:%M')}  ({os.cpu_count()} CPUs; bff, the sandbox and this "
          "client share one Python process)")
    print(f"seeded {len(seeded['devices']):,} devices and {seeded['people']:,} people in "
          f"{seeded['devices_seconds']:.1f} s, {args.calls:,} cloud calls in {seeded['calls_seconds']:.1f} s "
          f"({args.calls / max(seeded['calls_seconds'], 1e-9):,.0f} rows/s), WAL checkpoint "
          f"{seeded['checkpoint_seconds']:.1f} s; database {seeded['bytes'] / 2**20:,.1f} MiB "
          f"({final_bytes / 2**20:,.1f} MiB at the end, with the WAL)")
    print(f"field mode, {args.boxes} boxes each, scan (POST /ops/field/claims) to result:")
    report_boxes("online", online)
    report_boxes("offline", offline)
    print(f"console pages, {args.repeat} times each, interleaved (p99 of {args.repeat} is about the maximum):")
    report_console(console)
    print("target: the doctor and every filtered call log well under a second at 100,000 devices / 1,000,000 calls")


if __name__ == "__main__":
    main()
