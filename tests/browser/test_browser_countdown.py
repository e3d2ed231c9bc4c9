"""The Wi-Fi setup code's countdown in a real browser (see conftest.py): the page's own timer
(static/setup.js) counts the time left down. The browser's clock is Playwright's fake one, moved
by hand, so the test never waits for the timer in real time."""
from __future__ import annotations

import re


from tests.support import PHONE

from tests.browser.needs import expect, pytestmark, sync_api  # noqa: F401 (pytestmark skips without them)

SHOWN = re.compile(r"^(\d+) minutes (\d+) seconds?$")  # with more than a minute left: "59 minutes 58 seconds"


def seconds_shown(page) -> int:
    """The time left the countdown shows, in seconds (once the timer has written it)."""
    counter = page.locator(".time-left")
    expect(counter).to_have_text(SHOWN)  # the server's words ("about 60 minutes") are replaced
    minutes, seconds = SHOWN.match(counter.inner_text()).groups()
    return int(minutes) * 60 + int(seconds)


def test_the_setup_code_counts_down_on_the_pages_own_timer(phone_page, bff):
    page = phone_page
    page.clock.install()  # before the page loads: its Date and setInterval are the fake clock's
    page.goto(bff.url + "/setup")
    page.locator("#phone").fill(PHONE)
    page.locator("#phone").press("Enter")
    text = bff.wait_for_text(PHONE, r"\b\d{6}\b")
    page.locator("#code").fill(re.search(r"\b(\d{6})\b", text["body"]).group(1))
    page.locator("#code").press("Enter")
    page.get_by_role("button", name="Get my setup code").click()
    page.wait_for_url(re.compile(r"/setup/codes/\d+$"))

    first = seconds_shown(page)
    page.clock.run_for(65_000)  # the page's timer fires as it would over 65 seconds
    second = seconds_shown(page)

    assert 3000 < first <= 3600
    # counted down by the time that passed: the 65 s, plus the real time between the readings (the
    # fake clock also runs on by itself; a busy machine may take some seconds)
    assert first - 95 <= second <= first - 65
    assert page.outside_requests == []
