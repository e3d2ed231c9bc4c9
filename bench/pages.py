#!/usr/bin/env python3
"""Customer pages on the wire: what a phone downloads on a first and on a second visit.

Serves bff (sandbox mode, a werkzeug server on loopback) and opens every customer page in
headless Chromium (Debian's `/usr/bin/chromium`, driven by Playwright) with an empty cache, then
again with the cache of the first visit. Prints, without asserting anything:

- per page and visit: requests that reached bff (the browser's cache answers the others), bytes on
  the wire (compressed bodies; with HTTP/1.1 headers in brackets), and what the same requests
  would weigh uncompressed; the start page's first visit includes the scanner's decoder, which
  bff.js fetches when the page is idle;
- the scanner's decoder: its size and its size on the wire;
- Lighthouse's scores (performance, accessibility, best practices) per page when the `lighthouse`
  command is installed (skipped otherwise).

    .venv/bin/python bench/pages.py [--settle 1.5] [--no-lighthouse]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
LABEL_KEY = "bench-label-key"
PHONE = "+12015550123"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                "--disable-background-networking", "--disable-component-update",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def serve(folder: str):
    """The sandbox cloud and bff on loopback; returns (bff's URL, the app, the sandbox)."""
    from werkzeug.serving import make_server

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bff import create_app
    from bff.sandbox import SandboxCloud

    sandbox = SandboxCloud()
    sandbox.start(host="127.0.0.1", port=0)
    server = make_server("127.0.0.1", 0, lambda environ, start: app(environ, start), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app = create_app({"DATABASE": f"{folder}/bff.sqlite3", "PARTICLE_API_URL": sandbox.base_url,
                      "SECRET_KEY": "bench", "LABEL_KEY": LABEL_KEY, "PUBLIC_URL": url},
                     instance_path=f"{folder}/instance")
    for name in ("werkzeug", "bff"):
        logging.getLogger(name).setLevel(logging.WARNING)
    threading.Thread(target=server.serve_forever, name="bff-server", daemon=True).start()
    return url, app, sandbox, server


def pages_to_visit(url: str, app, sandbox) -> list[tuple[str, str, bool]]:
    """(name, URL, signed in) for every customer page worth weighing."""
    import requests

    from bff import labels

    product = next(p for p in sandbox.demo_info()["products"] if p["platform"] == "electron")
    device = requests.post(f"{sandbox.base_url}/sandbox/devices", timeout=10,
                           json={"platform": "electron", "product": product["id"], "online": True}).json()["id"]
    landing = labels.device_claim_url(url, LABEL_KEY, device)
    return [("start (scan or type the code)", f"{url}/", False),
            ("QR landing, new person", landing, False),
            ("sign-in", f"{url}/login", False),
            ("QR landing, signed in", landing, True),
            ("my devices", f"{url}/devices", True),
            ("account", f"{url}/account", True),
            ("Wi-Fi setup", f"{url}/setup", True)]


def session_cookie(app) -> dict:
    """A signed-in session for PHONE, as the browser's cookie."""
    from bff.wiring import get_services

    services = get_services(app)
    person = services.accounts.user_for_phone(PHONE)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = services.sessions.start(person.id, method="phone", remember=False, ip=None)
        session["_fresh"] = True
        session["bff_auth"] = "phone"
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    return {"name": name, "value": client.get_cookie(name).value}


class Visit:
    """What one page load fetched over the network, read from Chromium's DevTools events."""

    def __init__(self, page) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.urls: dict[str, str] = {}
        self.cached: set[str] = set()
        self.wire: dict[str, int] = {}  # bytes received, headers included
        self.bodies: dict[str, int] = {}  # compressed body bytes (Content-Length)
        self.raw: dict[str, int] = {}  # body bytes once decoded
        self.cdp.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        self.cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.dataReceived", self._data)
        self.cdp.on("Network.loadingFinished", lambda e: self.wire.__setitem__(e["requestId"], int(e["encodedDataLength"])))

    def _response(self, event) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache") or response.get("fromServiceWorker"):
            self.cached.add(event["requestId"])
            return
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        self.bodies[event["requestId"]] = int(headers.get("content-length", 0) or 0)

    def _data(self, event) -> None:
        self.raw[event["requestId"]] = self.raw.get(event["requestId"], 0) + int(event["dataLength"])

    def summary(self) -> dict:
        ids = [i for i in self.urls if i not in self.cached and i in self.wire]
        return {"requests": len(ids), "static": sum("/static/" in self.urls[i] for i in ids),
                "bodies": sum(self.bodies.get(i, 0) for i in ids), "wire": sum(self.wire[i] for i in ids),
                "raw": sum(self.raw.get(i, 0) for i in ids),
                "scanner": sum(self.bodies.get(i, 0) for i in ids if "jsQR" in self.urls[i])}


def weigh(browser, pages, cookie, url: str, settle_ms: int) -> list[tuple[str, dict, dict]]:
    rows = []
    for name, address, signed_in in pages:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        if signed_in:
            context.add_cookies([{**cookie, "url": url}])
        page = context.new_page()
        visits = []
        for _ in range(2):
            visit = Visit(page)
            page.goto(address, wait_until="load")
            page.wait_for_timeout(settle_ms)  # idle work (the scanner's prefetch on the start page)
            visits.append(visit.summary())
            visit.cdp.detach()
        rows.append((name, *visits))
        context.close()
    return rows


def lighthouse_scores(address: str, cookie: dict | None) -> str:
    command = ["lighthouse", address, "--quiet", "--output=json", "--output-path=stdout",
               "--only-categories=performance,accessibility,best-practices", "--form-factor=mobile",
               "--chrome-flags=--headless --no-sandbox --disable-gpu"]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": f"{cookie['name']}={cookie['value']}"}))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=180,
                              env={**os.environ, "CHROME_PATH": CHROMIUM})
        categories = json.loads(done.stdout)["categories"]
    except (subprocess.SubprocessError, ValueError, KeyError) as exc:
        return f"failed ({type(exc).__name__})"
    return " / ".join(f"{key} {round((value.get('score') or 0) * 100)}" for key, value in categories.items())


def kb(n: int) -> str:
    return f"{n / 1000:.1f} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=1.5,
                        help="seconds to wait after each load for idle work (default 1.5)")
    parser.add_argument("--no-lighthouse", action="store_true", help="skip Lighthouse even when installed")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        sys.exit(f"bench/pages.py needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        url, app, sandbox, server = serve(folder)
        try:
            pages = pages_to_visit(url, app, sandbox)
            cookie = session_cookie(app)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
                rows = weigh(browser, pages, cookie, url, int(args.settle * 1000))
                browser.close()
            report(rows)
            scanner(app)
            if args.no_lighthouse or not shutil.which("lighthouse"):
                print("\nLighthouse: not installed (npm install -g lighthouse), skipped" if not args.no_lighthouse
                      else "\nLighthouse: skipped (--no-lighthouse)")
            else:
                print("\nLighthouse (mobile, simulated slow 4G):")
                for name, address, signed_in in pages:
                    print(f"  {name:32} {lighthouse_scores(address, cookie if signed_in else None)}")
        finally:
            server.shutdown()
            sandbox.stop()


def report(rows) -> None:
    print("customer pages, headless Chromium at 390 px; bytes on the wire are compressed bodies "
          "[with HTTP/1.1 headers]; 'static' = requests for /static/ files")
    print(f"{'page':32} {'first visit':>44}   {'second visit':>36}")
    for name, first, second in rows:
        scanner = f", scanner {kb(first['scanner'])} idle" if first["scanner"] else ""
        print(f"  {name:30} {first['requests']} req ({first['static']} static) {kb(first['bodies']):>8} "
              f"[{kb(first['wire'])}]{scanner}   "
              f"{second['requests']} req ({second['static']} static) {kb(second['bodies']):>8} [{kb(second['wire'])}]")
    landing = next(first for name, first, _ in rows if name.startswith("QR landing, new"))
    print(f"QR landing, new person, first visit: {kb(landing['bodies'])} on the wire "
          f"({kb(landing['wire'])} with headers); the same bytes uncompressed: {kb(landing['raw'])}")


def scanner(app) -> None:
    from flask import url_for

    client = app.test_client()
    with app.test_request_context():
        address = url_for("static", filename="vendor/jsQR.min.js")
    raw = client.get(address).get_data()
    for encoding in ("br", "gzip"):
        packed = client.get(address, headers={"Accept-Encoding": encoding})
        print(f"scanner decoder ({address.split('?')[0]}): {kb(len(raw))}, {encoding} {kb(len(packed.get_data()))}, "
              f"cache: {packed.headers.get('Cache-Control')}")


if __name__ == "__main__":
    main()
