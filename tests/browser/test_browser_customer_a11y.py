"""Every customer page in a real browser (see conftest.py) at 320 and 390 px, with the data that
fills it: axe-core finds nothing, the page does not scroll sideways, every link and button is at
least 44 px tall. And what axe-core cannot see:

- the "Waiting" pulse keeps its text at 4.5:1 or better at every moment of the animation (the
  computed colours and opacities read at several animation times);
- `/` does not shift its layout (the scan button is in place from the first paint: the layout
  shifts the browser reports add up to 0);
- after the Claim button the device card and the result are both on the first screen;
- the setup code page's main button is on the first screen of a 390x844 phone.

Each test visits several pages and reports every page's problems at once.
"""
from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import PHONE_HEIGHT, PHONE_WIDTH, WAIT_MS
from tests.support import OTHER_PHONE, PHONE

from tests.browser.page_checks import PageChecks
from tests.browser.needs import axe_sync, expect, pytestmark, sync_api  # noqa: F401 (pytestmark skips without them)

SIZES = ((320, 640), (PHONE_WIDTH, PHONE_HEIGHT))
PULSE_TIMES_MS = (0, 200, 400, 600, 800, 1000, 1200, 1400)  # over one 1.6 s round of the pulse
MIN_CONTRAST = 4.5

# Every link and button a person can tap.
TAPPABLE = "a[href], button, input[type=submit], input[type=button], summary"

# The contrast of every .pulse text (and the text inside it) at the given animation times: every
# running animation is paused and moved to each time; colours and opacities are the computed ones.
PULSE_CONTRAST = """
(times) => {
  const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const rgba = text => { const n = text.match(/[\\d.]+/g).map(Number); return [n[0], n[1], n[2], n.length > 3 ? n[3] : 1]; };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour[3] > 0) { return colour; }
    }
    return [255, 255, 255, 1];
  };
  const opacity = el => { let o = 1; for (let e = el; e; e = e.parentElement) { o *= Number(getComputedStyle(e).opacity); } return o; };
  const texts = Array.from(document.querySelectorAll('.pulse, .pulse *'))
    .filter(el => el.getClientRects().length && Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()));
  const animations = document.getAnimations();
  const found = [];
  for (const time of times) {
    animations.forEach(a => { a.pause(); a.currentTime = time; });
    texts.forEach(el => {
      const style = getComputedStyle(el), bg = background(el), fg = rgba(style.color);
      const alpha = fg[3] * opacity(el);
      const seen = [0, 1, 2].map(i => bg[i] + (fg[i] - bg[i]) * alpha);
      const [light, dark] = [luminance(seen), luminance(bg)].sort((a, b) => b - a);
      found.push({time, text: el.textContent.trim(), ratio: (light + 0.05) / (dark + 0.05)});
    });
  }
  animations.forEach(a => a.play());
  return {animations: animations.length, texts: texts.length, found};
}
"""

# The layout shifts of the page so far (the browser keeps them: `buffered`), summed after a while.
LAYOUT_SHIFT = """
(wait) => new Promise(resolve => {
  let sum = 0;
  const entries = [];
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) { sum += entry.value; entries.push(entry.value); }
    }
  }).observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve({sum, entries}), wait);
})
"""

# Where an element is on the screen: [top, bottom] in CSS px of the viewport.
PLACE = "el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom]; }"


class CustomerChecks(PageChecks):
    """The customer pages' checks at 320 and 390 px, and (`pulse=True`) the pulse's text contrast."""

    def __init__(self, page) -> None:
        super().__init__(page, sizes=SIZES, targets=TAPPABLE)

    def more(self, where: str, *, pulse: bool = False) -> None:
        if not pulse:
            return
        seen = self.page.evaluate(PULSE_CONTRAST, list(PULSE_TIMES_MS))
        if not seen["texts"]:
            self.problems.append(f"{where}: no pulsing text to check")
        low = [f'"{f["text"]}" {f["ratio"]:.2f}:1 at {f["time"]} ms' for f in seen["found"]
               if f["ratio"] < MIN_CONTRAST]
        if low:
            self.problems.append(f"{where}: the pulse's text under {MIN_CONTRAST}:1: {low}")


# -- fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture
def phone(browser):
    """A phone-sized page, JavaScript on (resized by the checks)."""
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    yield page
    context.close()


def go(page, bff, path: str, status: int = 200) -> None:
    response = page.goto(bff.url + path)
    assert response.status == status, f"{path}: {response.status}, not {status}"


def sign_in(page, bff, phone: str = PHONE, *, checks: CustomerChecks | None = None) -> None:
    """Sign in on /login with the texted code (checking both pages when asked)."""
    go(page, bff, "/login")
    if checks:
        checks("/login")
    page.locator("#phone").fill(phone)
    page.locator("#phone").press("Enter")
    page.wait_for_url(re.compile(r"/login/code"))
    if checks:
        checks("/login/code")
    text = bff.wait_for_text(phone, r"\b\d{6}\b")
    page.locator("#code").fill(re.search(r"\b(\d{6})\b", text["body"]).group(1))
    page.locator("#code").press("Enter")
    page.wait_for_url(re.compile(r"^(?!.*/login)"))


def claim_in_page(page, bff, device_id: str) -> None:
    """Open the device's QR link signed in and tap Claim; the result is shown."""
    page.goto(bff.claim_url(device_id))
    page.get_by_role("button", name=re.compile(r"^Claim")).click()
    expect(page.locator("#result")).to_be_visible()


def card_and_result_on_screen(page, problems: list[str], name: str) -> None:
    """Right after the claim's redirect: the device card and the result's heading are on screen."""
    height = page.viewport_size["height"]
    card_top, _ = page.locator(".card.device").first.evaluate(PLACE)
    _, heading_bottom = page.locator("#result h1").evaluate(PLACE)
    if card_top < 0 or heading_bottom > height:
        problems.append(f"{name}: after the claim the card starts at {card_top:.0f} px and the result's "
                        f"heading ends at {heading_bottom:.0f} px (screen: 0-{height})")


# -- the tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("width,height", SIZES)
def test_the_start_page_does_not_shift_its_layout(browser, bff, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    # bff.js comes late, as on a slow phone network: the page is painted before the script runs.
    page.route(re.compile(r"/static/.*bff\.js"), lambda route: (time.sleep(0.6), route.continue_()))
    page.goto(bff.url + "/", wait_until="load")
    expect(page.get_by_role("button", name="Scan the code")).to_be_visible()
    shifts = page.evaluate(LAYOUT_SHIFT, 1000)
    context.close()
    assert shifts["sum"] == 0, f"layout shifts on / at {width} px: {shifts['entries']}"


def test_the_pages_of_a_new_person_and_the_claim_results(phone, bff, control, electron, new_devices, tag):
    page, checks = phone, CustomerChecks(phone)
    services = bff.services
    online, offline, theirs = new_devices(3)
    control.power(offline, False)
    bob = services.accounts.user_for_phone(OTHER_PHONE)
    assert services.claims.request_claim(bob.id, theirs, channel="test", operator=True).state == "claimed"

    go(page, bff, "/")
    checks("/")
    go(page, bff, "/nowhere", 404)
    checks("404 page")
    go(page, bff, f"/d/{online}?k=wrongwrongwrongw", 404)
    checks("/d/<id> with a wrong tag (404)")
    page.goto(bff.claim_url(online))
    checks("/d/<id> signed out")

    sign_in(page, bff, checks=checks)
    page.goto(bff.claim_url(online))
    expect(page.get_by_role("button", name=re.compile(r"^Claim"))).to_be_visible()
    checks("/d/<id> signed in")

    for device_id, state, pulse in ((online, "claimed", False), (offline, "waiting_for_device", True),
                                    (theirs, "refused", False)):
        page.set_viewport_size({"width": 320, "height": 640})  # the smallest screen: the card shows first
        claim_in_page(page, bff, device_id)
        expect(page.locator("#result")).to_have_attribute("data-claim-state", state)
        card_and_result_on_screen(page, checks.problems, f"/d/<id> {state} at 320 px")
        page.set_viewport_size({"width": PHONE_WIDTH, "height": PHONE_HEIGHT})
        checks(f"/d/<id> {state}", pulse=pulse)
    checks.assert_none()


def test_my_devices_the_account_and_an_offer(phone, bff, control, new_devices):
    page, checks = phone, CustomerChecks(phone)
    services, lifecycle = bff.services, bff.services.lifecycle
    alice, bob = services.accounts.user_for_phone(PHONE), services.accounts.user_for_phone(OTHER_PHONE)
    mine, bobs, offered, waiting = new_devices(4)
    control.power(waiting, False)
    for person, device_id in ((alice, mine), (bob, bobs), (bob, offered)):
        assert services.claims.request_claim(person.id, device_id, channel="test", operator=True).state == "claimed"
    assert services.claims.request_claim(alice.id, waiting, channel="test",
                                         operator=True).state == "waiting_for_device"
    lifecycle.accept(alice, lifecycle.share(bob, bobs, PHONE, channel="web").id, channel="web")
    lifecycle.share(alice, mine, OTHER_PHONE, channel="web")
    question = lifecycle.give(bob, offered, PHONE, channel="web")

    sign_in(page, bff)
    go(page, bff, "/devices")
    expect(page.get_by_role("heading", name="Questions for you")).to_be_visible()
    expect(page.locator(f"#device-{bobs}")).to_contain_text("Shared with you")
    expect(page.locator(".state.wait")).to_be_visible()
    checks("/devices", pulse=True)
    go(page, bff, "/account")
    checks("/account")
    go(page, bff, f"/offers/{question.id}")
    checks("/offers/<id>")
    go(page, bff, f"/devices/{bobs}/remove", 403)  # shared with alice, not hers to remove
    checks("403 page (not the owner)")
    checks.assert_none()


def test_the_wifi_setup_pages(phone, bff):
    page, checks = phone, CustomerChecks(phone)
    sign_in(page, bff)
    go(page, bff, "/setup")
    checks("/setup")
    page.get_by_role("button", name="Get my setup code").click()
    page.wait_for_url(re.compile(r"/setup/codes/\d+$"))
    code_id = int(page.url.rsplit("/", 1)[1])
    page.set_viewport_size({"width": PHONE_WIDTH, "height": PHONE_HEIGHT})
    page.evaluate("window.scrollTo(0, 0)")
    main_button = page.get_by_role("link", name=re.compile("^I did the steps"))
    _, bottom = main_button.evaluate(PLACE)
    if bottom > PHONE_HEIGHT:
        checks.problems.append(f"the setup code page's main button ends at {bottom:.0f} px, "
                               f"below the first screen ({PHONE_HEIGHT} px)")
    expect(page.locator(".time-left")).to_have_text(re.compile(r"^\d+ minutes? \d+ seconds?$"))
    checks("/setup/codes/<id>")

    main_button.click()
    page.wait_for_url(re.compile(r"/wait$"))
    checks("/setup/codes/<id>/wait, waiting")

    device_id = "0123456789abcdef01234567"
    assert bff.services.store.mark_claim_code_arrived(code_id, device_id)
    page.reload()
    expect(page.get_by_role("link", name="Set up another device")).to_be_visible()
    checks("/setup/codes/<id>/wait, arrived")
    checks.assert_none()
