"""The /setup pages in a real browser (Debian's Chromium, Playwright) on a 320 px wide phone, with
and without JavaScript: sign in, get a code, watch it count down, set the Photon up, and see the
page turn into "online and yours" by itself. Nothing may be loaded from anywhere but bff."""
from __future__ import annotations

import os
import re
import threading
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.support import PHONE

CHROMIUM = "/usr/bin/chromium"
WAIT_MS = 20_000  # generous: the machine is small and shared; not a timing assertion

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")


def in_browser(steps) -> None:
    """Run `steps(browser)` with a fresh Chromium, in a thread of its own: Playwright's sync API
    refuses to start where another Playwright (tests/browser's, session-wide) already runs."""
    failures = []

    def run():
        try:
            with playwright_api.sync_playwright() as playwright:
                launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                      args=["--headless", "--no-sandbox", "--disable-gpu"])
                try:
                    steps(launched)
                finally:
                    launched.close()
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


@pytest.fixture
def server(app):
    """bff served over HTTP on loopback (a thread)."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=10)


def open_phone(browser, *, javascript: bool):
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=javascript)
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    return context, page


def sign_in_and_get_code(page, server, services) -> str:
    """Open /setup, sign in by phone (the code from the SMS outbox), tap "Get my setup code"."""
    page.goto(server + "/setup")
    page.fill("#phone", PHONE)
    page.click("button[type=submit]")
    code = re.search(r"\d{6}", services.sms.outbox(to=PHONE)[0]["body"]).group()
    page.fill("#code", code)
    page.click("text=Sign in")
    page.click("text=Get my setup code")
    page.wait_for_url(re.compile(r"/setup/codes/\d+$"))
    return page.inner_text("#setup-code").strip()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 320


def only_from(page, server) -> bool:
    host = urlsplit(server).netloc
    return all(url.startswith("data:") or urlsplit(url).netloc == host for url in page.requested)


def test_with_javascript_the_code_counts_down_and_the_page_follows_the_device(
        server, services, worker, new_photon, listen, wifi):
    def steps(browser):
        context, page = open_phone(browser, javascript=True)
        code = sign_in_and_get_code(page, server, services)

        assert len(code) == 63 and fits(page)
        shows(page.locator(".time-left"), re.compile(r"^\d+ minutes? \d+ seconds?$|^\d+ minutes$"))
        page.click("text=I did the steps: wait for my device")
        shows(page.locator("#result h2"), "Waiting for your device")
        assert fits(page)

        listen(new_photon()).run(code, wifi["ssid"], wifi["password"])

        shows(page.locator("#result h2"), "Your device is online and yours")
        assert fits(page) and only_from(page, server)
        context.close()

    in_browser(steps)


def test_without_javascript_the_pages_say_the_time_in_words_and_refresh_themselves(
        server, services, worker, new_photon, listen, wifi):
    def steps(browser):
        context, page = open_phone(browser, javascript=False)
        code = sign_in_and_get_code(page, server, services)

        assert re.fullmatch(r"about \d+ minutes", page.inner_text(".time-left")) and fits(page)
        page.click("text=I did the steps: wait for my device")
        listen(new_photon()).run(code, wifi["ssid"], wifi["password"])

        shows(page.locator("#result h2"), "Your device is online and yours")
        assert fits(page) and only_from(page, server)
        context.close()

    in_browser(steps)


def shows(locator, text) -> None:
    """Wait (up to WAIT_MS) until the element shows `text` (a string or a pattern)."""
    playwright_api.expect(locator).to_have_text(text, timeout=WAIT_MS)
