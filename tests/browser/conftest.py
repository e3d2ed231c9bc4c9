"""Browser tests: Debian's Chromium driven by Playwright (sync API), on a phone-sized screen.

- One browser for the whole session (launching costs most of the time); a fresh context (cookies,
  viewport, JavaScript on or off) per test.
- bff is served by a real werkzeug server in a thread on 127.0.0.1 (an ephemeral port), in
  sandbox mode against the test sandbox, with its worker in another thread, so waiting claims
  finish when the device comes online, as in production.
- The browser's fake camera plays a Y4M video of a box label's QR code, made with Pillow at the
  start of the session (`--use-file-for-fake-video-capture`), for the in-page scanner.

Nothing is downloaded: the browser is the Debian package `chromium` (never `playwright install`).
"""
from __future__ import annotations

import io
import re
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image, ImageDraw

from werkzeug.serving import make_server

from bff import create_app, labels
from bff.wiring import get_services

from tests.support import LABEL_KEY

CHROMIUM = "/usr/bin/chromium"
PHONE_WIDTH, PHONE_HEIGHT = 390, 844
WAIT_MS = 20_000  # generous: the machine is small and shared; nothing here is a timing assertion
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
]


# -- the browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def scanned_device(sandbox_server) -> str:
    """The device whose box label the fake camera films: the first online demo Electron.

    The sandbox's demo data (device IDs included) is the same after every reset, and every test
    starts from a reset sandbox, so this device is there, online and unclaimed, in every test.
    """
    sandbox_server.reset()
    state = requests.get(f"{sandbox_server.base_url}/sandbox/state", timeout=10).json()
    electron = next(p for p in state["products"] if p["platform_id"] == 10)
    return next(d["id"] for d in state["devices"]
                if d["product_id"] == electron["id"] and d["online"] and not d["owner"])


@pytest.fixture(scope="session")
def camera_video(tmp_path_factory, scanned_device) -> str:
    """A Y4M video of the device's label QR on a cluttered background, as the fake camera."""
    # The label holds the deployment's public URL; the scanner opens the path on its own server.
    url = labels.device_claim_url("https://claim.example.com", LABEL_KEY, scanned_device)
    path = tmp_path_factory.mktemp("camera") / "label.y4m"
    write_y4m(path, [label_frame(url, shift) for shift in (0, 2, 4)])
    return str(path)


@pytest.fixture(scope="session")
def browser(camera_video):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=[*BROWSER_ARGS, f"--use-file-for-fake-video-capture={camera_video}"],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone_page(browser):
    """A phone-sized page with JavaScript on."""
    yield from _page(browser, java_script_enabled=True)


@pytest.fixture
def phone_page_without_js(browser):
    yield from _page(browser, java_script_enabled=False)


@pytest.fixture
def narrow_phone_page(browser):
    """The narrowest phone we support: 320 px wide."""
    yield from _page(browser, java_script_enabled=True, width=320, height=640)


def _page(browser, *, java_script_enabled: bool, width: int = PHONE_WIDTH, height: int = PHONE_HEIGHT):
    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=2, is_mobile=True,
        has_touch=True, java_script_enabled=java_script_enabled,
    )
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.outside_requests = []  # every request to another host (there must be none)
    page.on("request", lambda request: _note_outside(page, request))
    yield page
    context.close()


def _note_outside(page, request) -> None:
    host = urlsplit(request.url).hostname
    if request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
        return
    page.outside_requests.append(request.url)


# -- bff, served for real ------------------------------------------------------------------------


class LiveBff:
    """bff on a real HTTP server in a thread, with its worker in another thread."""

    def __init__(self, sandbox, tmp_path) -> None:
        self.server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app = create_app(
            {"DATABASE": str(tmp_path / "bff.sqlite3"), "PARTICLE_API_URL": sandbox.base_url,
             "SECRET_KEY": "browser-test-secret", "LABEL_KEY": LABEL_KEY, "PUBLIC_URL": self.url},
            instance_path=str(tmp_path / "instance"),
        )
        self.services = get_services(self.app)
        from bff.worker import Worker

        self.worker = Worker(self.services, heartbeat_seconds=0.2)
        self.threads = [threading.Thread(target=self.server.serve_forever, name="bff-server", daemon=True),
                        threading.Thread(target=self.worker.run_forever, name="bff-worker", daemon=True)]
        for thread in self.threads:
            thread.start()

    def _dispatch(self, environ, start_response):
        return self.app(environ, start_response)

    def stop(self) -> None:
        self.worker.stop()
        self.server.shutdown()
        for thread in self.threads:
            thread.join(timeout=10)
        self.server.server_close()

    def claim_url(self, device_id: str) -> str:
        """The URL in the device's box QR (this server is the public URL)."""
        return labels.device_claim_url(self.url, LABEL_KEY, device_id)

    def outbox(self) -> list[dict]:
        """The texts bff sent (newest first), read as the console does."""
        return requests.get(f"{self.url}/console/outbox.json", timeout=10).json()["messages"]

    def wait_for_text(self, to: str, pattern: str, timeout: float = WAIT_MS / 1000) -> dict:
        """The newest text to `to` matching `pattern`, waiting for it to be sent."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.outbox():
                if message["to"] == to and re.search(pattern, message["body"]):
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"no text to {to} matching {pattern!r}: {self.outbox()}")
            time.sleep(0.1)


@pytest.fixture
def bff(sandbox, tmp_path):
    live = LiveBff(sandbox, tmp_path)
    yield live
    live.stop()


# -- the fake camera's video ------------------------------------------------------------------------


def label_frame(url: str, shift: int, size=(640, 480)) -> Image.Image:
    """A camera frame: the label's QR (black on white) on a beige, cluttered background."""
    frame = Image.new("RGB", size, (214, 200, 172))
    draw = ImageDraw.Draw(frame)
    for i in range(12):  # some dark clutter around the label, like a box and a table
        x, y = (i * 53 + shift * 7) % size[0], (i * 97) % size[1]
        draw.rectangle([x, y, x + 30 + i % 4 * 10, y + 18], fill=(60 + i * 5, 50, 40))
    qr = Image.open(io.BytesIO(labels.qr_png(url, module_px=7))).convert("RGB")
    frame.paste(qr, ((size[0] - qr.width) // 2 + shift, (size[1] - qr.height) // 2))
    return frame


def write_y4m(path, frames, fps: int = 10) -> None:
    """Frames (same-size RGB images, even sides) as an uncompressed YUV 4:2:0 Y4M video."""
    width, height = frames[0].size
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for image in frames:
            y, cb, cr = image.convert("YCbCr").split()  # full-range YCbCr, as C420jpeg means
            video.write(b"FRAME\n")
            video.write(y.tobytes())
            video.write(cb.resize((width // 2, height // 2), Image.BILINEAR).tobytes())
            video.write(cr.resize((width // 2, height // 2), Image.BILINEAR).tobytes())
