"""Field mode in a real browser on a phone: a crew claims box after box for one customer, one scan
each, with a fake camera that films several box labels in turn (tests/browser/field_video.py);
axe-core finds nothing at 390 and 1280 px; a scan without signal is sent when it is back; the form
path works with JavaScript off."""
from __future__ import annotations

import re

import pytest

from bff import labels

from tests.browser.conftest import PHONE_HEIGHT, PHONE_WIDTH, WAIT_MS
from tests.browser.field_video import field_browser, field_devices, field_video  # noqa: F401 (fixtures)
from tests.support import cheap_hasher
from tests.support.ops import PASSWORD, make_operator

from tests.browser.needs import axe_sync, expect, pytestmark, sync_api  # noqa: F401 (pytestmark skips without them)

CUSTOMER_TYPED, CUSTOMER, CUSTOMER_SHOWN = "(201) 555-0177", "+12015550177", "+1 201-555-0177"

# Every vibration and every tone the page makes, recorded before the page's own script runs.
RECORD_FEEDBACK = """
window.feedback = { vibrations: [], tones: [] };
Object.defineProperty(Navigator.prototype, "vibrate", { configurable: true, value: function (pattern) {
  window.feedback.vibrations.push([].concat(pattern)); return true; } });
const realStart = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function () {
  window.feedback.tones.push(this.frequency.value); return realStart.apply(this, arguments); };
"""


@pytest.fixture
def crew(bff):
    """A field crew member of the served bff (password sign-in, no second factor)."""
    bff.services.accounts.hasher = cheap_hasher()
    return make_operator(bff.services, "crew", "field")


@pytest.fixture
def field_page(field_browser):
    """A phone-sized page, JavaScript on, whose camera films the field video."""
    context = field_browser.new_context(viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
                                        device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(RECORD_FEEDBACK)
    page = context.new_page()
    yield page
    context.close()


def sign_in_and_choose(page, bff, phone_typed: str = CUSTOMER_TYPED) -> None:
    page.goto(bff.url + "/ops/login")
    page.locator("#login").fill("crew")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(re.compile(r"/ops/field$"))
    expect(page.get_by_role("heading", name="Whom are the boxes for?")).to_be_visible()
    page.locator("#phone").fill(phone_typed)
    page.get_by_role("button", name="Boxes are for this customer").click()
    expect(page.locator(".for-person")).to_have_text(CUSTOMER_SHOWN)


def assert_accessible(page) -> None:
    results = axe_sync.Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


# Field mode's buttons and the box-code field: at least 64 CSS px tall (gloves).
SMALL_BUTTONS = """
() => Array.from(document.querySelectorAll('.field-mode button, .field-mode .button, .field-mode input:not([type=hidden])'))
  .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 64)
  .map(el => `${el.tagName} "${(el.textContent || el.name).trim()}" ${Math.round(el.getBoundingClientRect().height)}`)
"""


def lines(page):
    return page.locator("[data-field-lines] > li")


def feedback(page) -> dict:
    return page.evaluate("window.feedback")


def test_the_camera_claims_box_after_box_for_the_customer(field_page, bff, crew, field_devices):
    page = field_page
    sign_in_and_choose(page, bff)
    assert_accessible(page)

    page.get_by_role("button", name="Start scanning").click()
    claimed = page.locator("[data-field-lines] > li.claimed")
    expect(claimed).to_have_count(3)
    page.wait_for_timeout(3000)  # the video goes on looping: no label is sent a second time
    expect(lines(page)).to_have_count(3)
    assert page.evaluate(SMALL_BUTTONS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.get_by_role("button", name="Stop the camera").click()

    customer = bff.services.accounts.user_for_phone(CUSTOMER, create=False)
    assert all(bff.services.devices.owned_by(device_id, customer.id) for device_id in field_devices)
    rows = bff.services.store.field_claims_by(crew.id)
    assert sorted(row["device_id"] for row in rows) == sorted(field_devices)
    codes = [labels.format_label_code(row["label_code"]) for row in reversed(rows)]  # in scan order
    shown = lines(page).all_inner_texts()  # newest first
    for line, code in zip(reversed(shown), codes):
        assert f"Claimed for {CUSTOMER_SHOWN}" in line and code in line
    made = feedback(page)
    assert made["vibrations"] == [[150]] * 3 and made["tones"] == [1320] * 3  # one high tone each
    assert len(bff.outbox()) == 3 and {m["to"] for m in bff.outbox()} == {CUSTOMER}

    page.reload()  # the list is the claims table's: it survives a reload
    expect(lines(page)).to_have_count(3)
    expect(page.locator("[data-field-lines] > li.claimed")).to_have_count(3)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(page)


def test_a_scan_without_signal_is_sent_when_the_signal_is_back(field_page, bff, crew, online_device,
                                                               offline_device):
    page = field_page
    sign_in_and_choose(page, bff)
    code = bff.services.devices.find(online_device).label_code

    page.context.set_offline(True)
    page.locator("#code").fill(code)
    page.get_by_role("button", name=f"Claim for {CUSTOMER_SHOWN}").click()
    saved = lines(page).first
    expect(saved).to_contain_text("Saved, will send when you have signal")
    assert bff.services.store.field_claims_by(crew.id) == []

    page.context.set_offline(False)
    expect(saved).to_have_class(re.compile(r"\bclaimed\b"))
    expect(saved).to_contain_text(f"Claimed for {CUSTOMER_SHOWN}")
    assert len(bff.services.store.field_claims_by(crew.id)) == 1

    # the other results, each with its own sound: two tones waiting, a low buzz refused
    page.locator("#code").fill(bff.services.devices.find(offline_device).label_code)
    page.locator("#code").press("Enter")
    expect(lines(page).first).to_contain_text("Waiting for the device")
    page.locator("#code").fill("K7Q2-M9XA-3F4Q")
    page.locator("#code").press("Enter")
    expect(lines(page).first).to_have_class(re.compile(r"\brefused\b"))
    expect(lines(page).first).to_contain_text("That code has a mistake in it")
    expect(lines(page)).to_have_count(3)
    made = feedback(page)
    assert made["tones"][-3:] == [990, 990, 140] and made["vibrations"][-2:] == [[120, 100, 120], [600]]


def test_field_mode_works_without_javascript(phone_page_without_js, bff, crew, online_device):
    page = phone_page_without_js
    sign_in_and_choose(page, bff)
    expect(page.get_by_role("button", name="Start scanning")).to_be_hidden()
    link = bff.claim_url(online_device)  # the QR link's text, typed or pasted
    page.locator("#code").fill(link)
    page.get_by_role("button", name=f"Claim for {CUSTOMER_SHOWN}").click()
    expect(page.locator("#result")).to_contain_text(f"Claimed for {CUSTOMER_SHOWN}")
    expect(lines(page)).to_have_count(1)
    page.locator("#code").fill("nonsense")
    page.get_by_role("button", name=f"Claim for {CUSTOMER_SHOWN}").click()
    expect(page.locator("#result")).to_contain_text("Not claimed")
    expect(lines(page)).to_have_count(1)
    customer = bff.services.accounts.user_for_phone(CUSTOMER, create=False)
    assert bff.services.devices.owned_by(online_device, customer.id)
    assert page.outside_requests == []
