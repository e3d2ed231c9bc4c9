#!/usr/bin/env python3
"""SMS burst benchmark: reply p50/p99 at 1, 8, 16, 32 concurrent webhooks, healthy and hanging cloud.

bff runs twice, each on its own database, against one sandbox cloud (its own process):
- gunicorn, the documented production command (README "Production"): `gunicorn --workers 2
  --worker-class gthread --threads 8 app:app`, with `flask bff worker` beside it;
- `flask bff serve` (werkzeug, threaded, the worker in the same process).

Each message is `CLAIM <label code>` for a fresh online device bff knows, from a new phone number
each time (no per-phone limit applies), posted and signed exactly as Twilio does (the twilio
library's RequestValidator) by `concurrency` senders that post back to back. For each concurrency
and each server in turn (interleaved, so both see the same machine): a healthy run; a hanging run
(the sandbox delays every `/v1/devices*` request by `--hang` seconds, so each claim call hangs);
then the fault is cleared and the recovery is timed (texts one after another until 3 real answers
in a row: the breaker has closed again). At the end bff gets `--settle` seconds to finish what it
promised, and the texts still unfinished are counted (nothing lost: 0).

Prints a line per run: p50, p99, max, and how the replies read ("result": the claim's answer in
the reply; "working": "working on it", the result follows by SMS). No assertions: these machines
are shared and noisy. The target: p99 <= 300 ms with the cloud hanging, at 32 concurrent.

    .venv/bin/python bench/sms_burst.py [--messages 128] [--levels 1,8,16,32] [--hang 5] [--settle 90]
"""
from __future__ import annotations

import argparse
import html
import http.client
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bff import create_app  # noqa: E402
from bff.sms import texts as sms_texts  # noqa: E402
from bff.wiring import get_services  # noqa: E402
from load import free_port, wait_until_up  # noqa: E402  (bench/load.py)

BIN = Path(sys.executable).parent
AUTH_TOKEN = "bench-twilio-auth-token"
PUBLIC_URL = "https://bff.bench.invalid"
KEYS = {"SECRET_KEY": "bench-secret", "LABEL_KEY": "bench-label-key", "TOKEN_KEY": "bench-token-key-0123456789"}
GUNICORN = ["--workers", "2", "--worker-class", "gthread", "--threads", "8"]  # README "Production"
RECOVERY_SECONDS = 30.0
RECOVERY_TEXTS = int(RECOVERY_SECONDS / 0.25) + 10  # devices kept for timing a recovery


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Sandbox:
    """The sandbox cloud in its own process; its control API."""

    def __init__(self, folder: str) -> None:
        self.log = open(f"{folder}/sandbox.log", "w")
        self.process = subprocess.Popen([sys.executable, "-m", "bff.sandbox", "--port", "0"], cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.info = json.loads(self.process.stdout.readline())
        self.base_url = self.info["base_url"]
        self.electron = next(p for p in self.info["products"] if p["platform"] == "electron")

    def new_device(self) -> str:
        return requests.post(f"{self.base_url}/sandbox/devices", timeout=10,
                             json={"platform": "electron", "product": self.electron["id"], "online": True}).json()["id"]

    def hang(self, seconds: float) -> None:
        requests.post(f"{self.base_url}/sandbox/faults", json={"path": "/v1/devices*", "latency": seconds},
                      timeout=10).raise_for_status()

    def heal(self) -> None:
        requests.delete(f"{self.base_url}/sandbox/faults", timeout=10).raise_for_status()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=15)


class Bff:
    """One bff deployment: its database, its server process(es), its devices to claim."""

    def __init__(self, name: str, folder: str, sandbox: Sandbox, deadline: float, threads: int | None = None) -> None:
        self.name = name
        self.folder = Path(folder) / name
        self.folder.mkdir()
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database = str(self.folder / "bff.sqlite3")
        self.env = {**os.environ, "BFF_DATABASE": self.database, "BFF_PARTICLE_API_URL": sandbox.base_url,
                    "BFF_PUBLIC_URL": PUBLIC_URL, "BFF_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                    "BFF_SMS_REPLY_DEADLINE": str(deadline), "BFF_LOG_FORMAT": "text",
                    **{f"BFF_{key}": value for key, value in KEYS.items()},
                    **({"BFF_SMS_THREADS": str(threads)} if threads else {})}
        self.processes: list[subprocess.Popen] = []
        self.sandbox = sandbox
        self.codes: list[str] = []
        subprocess.run([str(BIN / "flask"), "--app", "app", "bff", "init-db"], cwd=ROOT, env=self.env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self, *commands: list[str]) -> None:
        log = open(self.folder / "server.log", "w")
        for command in commands:
            self.processes.append(subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log))
        wait_until_up(self.base_url + "/healthz", 60, self.processes[0])

    def add_devices(self, count: int) -> None:
        """`count` fresh online devices that bff knows (as after an import), their label codes kept."""
        app = create_app({"DATABASE": self.database, "PARTICLE_API_URL": self.sandbox.base_url, **KEYS,
                          "LOG_FORMAT": "text"}, instance_path=str(self.folder / "instance"))
        devices = get_services(app).devices
        logging.disable(logging.INFO)  # no log line per cloud call of this process
        for _ in range(count):
            device_id = devices.find(self.sandbox.new_device()).device_id  # bff learns it from the cloud
            self.codes.append(devices.ensure_label_code(device_id))

    def unfinished(self) -> int:
        """Texts bff has not finished (no reply yet, or a result still to text)."""
        with sqlite3.connect(self.database, timeout=30) as db:
            return db.execute("SELECT COUNT(*) FROM inbound_sms WHERE status IN ('received', 'working')").fetchone()[0]

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                process.kill()


class Texter:
    """Posts signed inbound SMS, from a new phone number each time. The forms are signed before
    the clock starts and sent over one kept-alive connection per sender (plain http.client), so
    the time measured is bff's, not the bench's own Python."""

    def __init__(self) -> None:
        self.next_phone = 5550000
        self.lock = threading.Lock()
        self.local = threading.local()

    def signed(self, body: str) -> tuple[bytes, dict]:
        """A new message's form and headers, as Twilio posts them."""
        with self.lock:
            self.next_phone += 1
            phone = f"+1201{self.next_phone:07d}"
        sid = "SM" + uuid.uuid4().hex
        form = {"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32,
                "From": phone, "To": "+15005550006", "Body": body, "NumMedia": "0", "NumSegments": "1",
                "SmsStatus": "received", "ApiVersion": "2010-04-01"}
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + "/sms", form)
        return urlencode(form).encode(), {"X-Twilio-Signature": signature,
                                          "Content-Type": "application/x-www-form-urlencoded"}

    def post(self, base_url: str, message: tuple[bytes, dict]) -> tuple[float, str]:
        """(seconds until the TwiML reply, its text)."""
        connections = getattr(self.local, "connections", None)
        if connections is None:
            connections = self.local.connections = {}
        started = time.perf_counter()
        for retry in (False, True):  # a kept-alive connection the server closed: once more, anew
            connection = connections.get(base_url)
            if connection is None:
                connection = connections[base_url] = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=60)
            try:
                connection.request("POST", "/sms", body=message[0], headers=message[1])
                response = connection.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, OSError):
                connection.close()
                connections.pop(base_url, None)
                if retry:
                    raise
                started = time.perf_counter()
        elapsed = time.perf_counter() - started
        found = re.search(rb"<Message>(.*?)</Message>", raw, re.S)
        return elapsed, html.unescape(found.group(1).decode()) if found else ""

    def text(self, base_url: str, body: str) -> tuple[float, str]:
        return self.post(base_url, self.signed(body))


def kind(reply: str) -> str:
    return "result" if reply.startswith("Done:") else "working" if reply == sms_texts.WORKING else "other"


def run(texter: Texter, bff: Bff, concurrency: int, count: int) -> tuple[list[float], dict]:
    """`count` CLAIM texts by `concurrency` senders posting back to back."""
    messages = [texter.signed(f"CLAIM {bff.codes.pop()}") for _ in range(count)]
    start = threading.Barrier(concurrency)
    lock = threading.Lock()

    def sender(_: int) -> list[tuple[float, str]]:
        done = []
        start.wait()
        while True:
            with lock:
                if not messages:
                    return done
                message = messages.pop()
            done.append(texter.post(bff.base_url, message))
    with ThreadPoolExecutor(concurrency) as pool:
        results = [item for part in pool.map(sender, range(concurrency)) for item in part]
    kinds = {"result": 0, "working": 0, "other": 0}
    for _, reply in results:
        kinds[kind(reply)] += 1
    return [seconds for seconds, _ in results], kinds


def recovery(texter: Texter, bff: Bff, limit: float = RECOVERY_SECONDS) -> tuple[float | None, float | None]:
    """After the cloud heals: seconds until the first real answer, and until 3 in a row."""
    healed, first, in_a_row = time.monotonic(), None, 0
    while time.monotonic() - healed < limit and bff.codes:
        _, reply = texter.text(bff.base_url, f"CLAIM {bff.codes.pop()}")
        if kind(reply) == "result":
            first = first or time.monotonic() - healed
            in_a_row += 1
            if in_a_row == 3:
                return first, time.monotonic() - healed
        else:
            in_a_row = 0
            time.sleep(0.25)
    return first, None


def report(label: str, times: list[float], kinds: dict) -> None:
    ms = lambda q: f"{percentile(times, q) * 1000:7.1f}"
    print(f"{label:28} p50 {ms(0.5)} ms  p99 {ms(0.99)} ms  max {max(times) * 1000:7.1f} ms   "
          f"result {kinds['result']:3}, working {kinds['working']:3}, other {kinds['other']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", "-n", type=int, default=128, help="texts per run")
    parser.add_argument("--levels", default="1,8,16,32", help="concurrent senders, comma separated")
    parser.add_argument("--deadline", type=float, default=0.25, help="BFF_SMS_REPLY_DEADLINE, seconds")
    parser.add_argument("--hang", type=float, default=5.0, help="seconds the hanging cloud takes")
    parser.add_argument("--sms-threads", type=int, default=None, help="BFF_SMS_THREADS (default: bff's)")
    parser.add_argument("--settle", type=float, default=90.0, help="seconds bff gets to finish at the end")
    parser.add_argument("--keep", action="store_true", help="keep the folder with the databases and logs")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: still stop the servers (finally)
    folder = tempfile.mkdtemp(prefix="bff-sms-burst-")
    sandbox = Sandbox(folder)
    texter = Texter()
    servers: list[Bff] = []
    try:
        gunicorn = Bff("gunicorn", folder, sandbox, args.deadline, args.sms_threads)
        serve = Bff("serve", folder, sandbox, args.deadline, args.sms_threads)
        servers = [gunicorn, serve]
        gunicorn.start([str(BIN / "gunicorn"), *GUNICORN, "--bind", f"127.0.0.1:{gunicorn.port}",
                        "--graceful-timeout", "20", "app:app"],
                       [str(BIN / "flask"), "--app", "app", "bff", "worker"])
        serve.start([str(BIN / "flask"), "--app", "app", "bff", "serve", "--host", "127.0.0.1",
                     "--port", str(serve.port)])
        per_server = len(levels) * (2 * args.messages + 8 + RECOVERY_TEXTS)
        print(f"{len(levels)} levels x 2 servers x (healthy, hanging) x {args.messages} texts; "
              f"reply deadline {args.deadline} s; SMS threads {args.sms_threads or 'default'}; "
              f"hanging cloud: {args.hang} s on /v1/devices*; "
              f"making {2 * per_server} devices; load average "
              + ", ".join(f"{load:.1f}" for load in os.getloadavg()) + f" on {os.cpu_count()} cores", flush=True)
        for bff in servers:
            bff.add_devices(per_server)
        for level in levels:
            for bff in servers:
                for _ in range(8):  # warm: tokens minted, connections open
                    texter.text(bff.base_url, f"CLAIM {bff.codes.pop()}")
                report(f"{bff.name} {level:2} healthy", *run(texter, bff, level, args.messages))
                sandbox.hang(args.hang)
                try:
                    report(f"{bff.name} {level:2} hanging", *run(texter, bff, level, args.messages))
                finally:
                    sandbox.heal()
                first, steady = recovery(texter, bff)
                print(f"{bff.name} {level:2} recovered: first real answer after "
                      f"{'-' if first is None else f'{first:.1f} s'}, 3 in a row after "
                      f"{'-' if steady is None else f'{steady:.1f} s'}", flush=True)
        settle_until = time.monotonic() + args.settle
        while time.monotonic() < settle_until and any(bff.unfinished() for bff in servers):
            time.sleep(1)
        print("texts not finished after the settle time (nothing lost: 0): "
              + ", ".join(f"{bff.name} {bff.unfinished()}" for bff in servers))
        print("target: p99 <= 300 ms with the cloud hanging at 32 concurrent; load average now "
              + ", ".join(f"{load:.1f}" for load in os.getloadavg()) + f" on {os.cpu_count()} cores")
    finally:
        for bff in servers:
            bff.stop()
        sandbox.stop()
        if args.keep:
            print(f"kept: {folder}")
        else:
            subprocess.run(["rm", "-rf", folder], check=False)


if __name__ == "__main__":
    main()
