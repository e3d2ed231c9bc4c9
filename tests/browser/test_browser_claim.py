"""A customer's whole claim, in a real browser on a phone-sized screen (see conftest.py)."""
from __future__ import annotations

import re


from tests.support import OTHER_PHONE, PHONE

from tests.browser.needs import expect, pytestmark, sync_api  # noqa: F401 (pytestmark skips without them)


def claim_with_phone(page, bff, phone_number: str = PHONE) -> dict:
    """On a device's landing, signed out: the phone number, tap; the code from the text, tap; back on
    the landing with the claim's result. Returns what it took: fields typed, taps, pages loaded."""
    landing = page.url.split("#")[0]
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    page.locator("#phone").fill(phone_number)
    page.get_by_role("button", name="Claim with your phone number").click()
    page.wait_for_url(re.compile(r"/login/code"))
    expect(page.locator("#code")).to_be_focused()
    text = bff.wait_for_text(phone_number, r"\b\d{6}\b")
    page.locator("#code").fill(re.search(r"\b(\d{6})\b", text["body"]).group(1))
    page.get_by_role("button", name="Sign in and claim the device").click()
    page.wait_for_url(re.compile(re.escape(landing) + r"(#result)?$"))
    page.wait_for_load_state()
    return {"typed": 2, "taps": 2, "pages": 1 + len(loads)}  # the landing, then each load after it


def test_qr_link_phone_code_yours(phone_page, bff, control, online_device):
    """A new person: scan, phone, code, done (2 typed fields, 2 taps, 3 page loads)."""
    phone_page.goto(bff.claim_url(online_device))
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Is this your device?")
    took = claim_with_phone(phone_page, bff)
    expect(phone_page.locator("#result h1")).to_have_text("This device is yours")
    expect(phone_page.get_by_role("link", name="See my devices")).to_be_visible()
    assert took == {"typed": 2, "taps": 2, "pages": 3}
    assert control.device(online_device)["owner"]
    phone_page.reload()  # a reload shows the result, and claims nothing again
    expect(phone_page.locator("#result h1")).to_have_text("This device is yours")
    phone_page.go_back()  # the code page again: sent on to the landing, signed in
    expect(phone_page.locator("#result h1")).to_have_text("This device is yours")
    user = bff.services.accounts.user_for_phone(PHONE)
    assert [c.state for c in bff.services.claims.claims_of(user.id)] == ["claimed"]
    assert phone_page.outside_requests == []


def test_the_sign_in_page_has_the_phone_field_focused(phone_page, bff):
    phone_page.goto(bff.url + "/login")
    expect(phone_page.locator("#phone")).to_be_focused()


def test_someone_elses_device_leads_to_the_owner_the_code_and_the_seller(phone_page, bff, online_device):
    services = bff.services
    owner = services.accounts.user_for_phone(OTHER_PHONE)
    assert services.claims.request_claim(owner.id, online_device, channel="test", operator=True).succeeded
    phone_page.goto(bff.claim_url(online_device))
    claim_with_phone(phone_page, bff)
    expect(phone_page.locator("#result h1")).to_have_text("We could not add this device")
    expect(phone_page.get_by_role("button", name="Try again")).to_have_count(0)
    expect(phone_page.get_by_role("button", name="Ask the owner to give it to you")).to_be_visible()
    expect(phone_page.get_by_role("link", name="Type the code from the box")).to_be_visible()
    expect(phone_page.locator("#seller")).to_contain_text("contact the seller")
    phone_page.get_by_role("link", name="Type the code from the box").click()
    expect(phone_page.locator("input[name=code]")).to_be_visible()  # the start page's code form


def test_offline_device_claim_finishes_by_itself(phone_page, bff, control, offline_device):
    phone_page.goto(bff.claim_url(offline_device))
    claim_with_phone(phone_page, bff)
    result = phone_page.locator("#result")
    expect(result).to_contain_text("Switch the device on. We will finish by ourselves and send you a text.")
    expect(result.locator("[data-live-checked]")).to_contain_text("Last checked")  # the page is polling

    control.power(offline_device, True)  # the customer switches the device on

    expect(phone_page.locator("#result h1")).to_have_text("This device is yours")
    text = bff.wait_for_text(PHONE, r"your account")
    assert text["purpose"].startswith("claim")
    assert phone_page.outside_requests == []


def test_in_page_scanner_reads_the_box_qr(phone_page, bff, scanned_device):
    phone_page.goto(bff.url + "/")
    phone_page.get_by_role("button", name="Scan the code").click()
    phone_page.wait_for_url(re.compile(rf"/d/{scanned_device}\?k=[a-z2-7]{{16}}$"))
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Is this your device?")
    assert phone_page.outside_requests == []


def test_whole_claim_works_without_javascript(phone_page_without_js, bff, control, online_device, offline_device,
                                             monkeypatch):
    monkeypatch.setattr("bff.web.responses.NO_JS_REFRESH_SECONDS", 1)  # the served app runs in this process
    page = phone_page_without_js
    page.goto(bff.url + "/")
    expect(page.get_by_role("button", name="Scan the code")).to_be_hidden()
    expect(page.get_by_text("camera app")).to_be_visible()

    page.goto(bff.claim_url(online_device))
    assert claim_with_phone(page, bff)["pages"] == 3
    expect(page.locator("#result h1")).to_have_text("This device is yours")

    # A waiting claim: the page refreshes itself (meta refresh) until the device is claimed.
    page.goto(bff.claim_url(offline_device))
    page.get_by_role("button", name="Claim", exact=True).click()
    expect(page.locator("#result")).to_contain_text("This page checks again every 1 seconds")
    control.power(offline_device, True)
    expect(page.locator("#result h1")).to_have_text("This device is yours")
    assert page.outside_requests == []


def test_pages_fit_a_320_px_screen_with_big_touch_targets(narrow_phone_page, bff, online_device, offline_device):
    page = narrow_phone_page
    checked = []

    def check(path_or_url: str) -> None:
        if path_or_url:
            page.goto(path_or_url if path_or_url.startswith("http") else bff.url + path_or_url)
        page.wait_for_load_state()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{page.url} is {width} px wide"
        small = page.evaluate(SMALL_TARGETS)
        assert small == [], f"{page.url}: touch targets under 44 px: {small}"
        checked.append(page.url)

    for path in ("/", "/no-such-page", "/console", "/login", bff.claim_url(online_device)):
        check(path)
    claim_with_phone(page, bff)
    check("")  # the claim's result
    check(bff.claim_url(offline_device))  # the Claim page
    page.get_by_role("button", name="Claim", exact=True).click()
    expect(page.locator("#result")).to_contain_text("Switch the device on")
    check("")  # the waiting page
    check("/devices")
    assert len(checked) == 9


# Visible buttons, button-like links and form fields smaller than 44 x 44 CSS px (text links inside
# sentences are exempt, as in WCAG 2.5.8).
SMALL_TARGETS = """
() => Array.from(document.querySelectorAll('button, .button, input:not([type=hidden]), select, .topbar a'))
  .filter(el => el.offsetParent !== null)
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, r]) => r.height < 44 || r.width < 44)
  .map(([el, r]) => `${el.tagName} "${(el.textContent || el.name || '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`)
"""
