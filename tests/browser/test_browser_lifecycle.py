"""After the first claim, in a real browser at 390 px (see conftest.py): My devices with a device
the person owns, one shared with them and an open question passes axe-core, as do the pages
around it; a give from one phone is accepted on the texted offer page from another."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHONE_HEIGHT, PHONE_WIDTH, WAIT_MS
from tests.support import OTHER_PHONE, PHONE

from tests.browser.needs import axe_sync, expect, pytestmark, sync_api  # noqa: F401 (pytestmark skips without them)

THIRD_PHONE = "+12015550166"
MIN_TAP = 44
SMALL_ACTIONS = """
(min) => Array.from(document.querySelectorAll('main button, main a.button, input[type=submit], header a'))
  .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < min)
  .map(el => `${el.tagName.toLowerCase()} "${el.textContent.trim()}" ${Math.round(el.getBoundingClientRect().height)} px`)
"""


def open_context(browser):
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT}, device_scale_factor=1,
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(WAIT_MS)
    return context


@pytest.fixture
def two_phones(browser):
    """Two people's phones: two browser contexts (cookies of their own), 390 px wide."""
    contexts = [open_context(browser), open_context(browser)]
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def sign_in_at(page, bff, path: str, phone: str) -> None:
    """Open a page that needs signing in, sign in with the texted code, land back on it."""
    page.goto(bff.url + path)
    page.wait_for_url(re.compile(r"/login"))
    page.locator("#phone").fill(phone)
    page.locator("#phone").press("Enter")
    page.wait_for_url(re.compile(r"/login/code"))
    text = bff.wait_for_text(phone, r"\b\d{6}\b")
    page.locator("#code").fill(re.search(r"\b(\d{6})\b", text["body"]).group(1))
    page.locator("#code").press("Enter")
    page.wait_for_url(re.compile(re.escape(path) + r"(#.*)?$"))


def check_page(page, name: str) -> list[str]:
    """axe-core's violations, small main actions and sideways scrolling of the page, in words."""
    problems = []
    results = axe_sync.Axe().run(page)
    if results.violations_count:
        problems.append(f"{name}: axe-core\n{results.generate_report()}")
    small = page.evaluate(SMALL_ACTIONS, MIN_TAP)
    if small:
        problems.append(f"{name}: main actions under {MIN_TAP} px: {small}")
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width > inner_width:
        problems.append(f"{name}: scrolls sideways ({scroll_width} > {inner_width})")
    return problems


def test_my_devices_with_owned_shared_and_a_question_passes_axe(two_phones, bff, new_devices):
    page = two_phones[0]
    services, lifecycle = bff.services, bff.services.lifecycle
    alice, bob = services.accounts.user_for_phone(PHONE), services.accounts.user_for_phone(OTHER_PHONE)
    mine, bobs, offered = new_devices(3)
    for person, device_id in ((alice, mine), (bob, bobs), (bob, offered)):
        assert services.claims.request_claim(person.id, device_id, channel="test", operator=True).state == "claimed"
    invite = lifecycle.share(bob, bobs, PHONE, channel="web")
    lifecycle.accept(alice, invite.id, channel="web")
    lifecycle.share(alice, mine, OTHER_PHONE, channel="web")
    lifecycle.accept(bob, lifecycle.open_questions(bob)[0].offer.id, channel="web")
    question = lifecycle.give(bob, offered, PHONE, channel="web")

    sign_in_at(page, bff, "/devices", PHONE)
    expect(page.get_by_role("heading", name="Questions for you")).to_be_visible()
    shared = page.locator(f"#device-{bobs}")
    expect(shared).to_contain_text("Shared with you by their owner")
    expect(shared.get_by_role("button", name=re.compile("^Leave"))).to_be_visible()
    expect(shared.get_by_role("link", name=re.compile("^Remove"))).to_have_count(0)
    owned = page.locator(f"#device-{mine}")
    expect(owned).to_contain_text("Shared with ••• 0124")
    for action in ("Remove", "Give to someone", "Share"):
        expect(owned.get_by_role("link", name=re.compile(f"^{action}"))).to_be_visible()
    problems = check_page(page, "/devices")

    for path, heading in ((f"/offers/{question.id}", "Someone wants to give you a device"),
                          (f"/devices/{mine}/remove", re.compile("^Remove")),
                          (f"/devices/{mine}/give", re.compile("^Give")),
                          (f"/devices/{mine}/share", re.compile("^Share"))):
        page.goto(bff.url + path)
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        problems += check_page(page, path)
    assert not problems, "\n\n".join(problems)


def test_give_on_one_phone_accept_on_the_other(two_phones, bff, control, new_devices):
    giver, receiver = two_phones
    services = bff.services
    [device_id] = new_devices(1)
    alice = services.accounts.user_for_phone(PHONE)
    assert services.claims.request_claim(alice.id, device_id, channel="test", operator=True).state == "claimed"

    sign_in_at(giver, bff, "/devices", PHONE)
    giver.locator(f"#device-{device_id}").get_by_role("link", name=re.compile("^Give to someone")).click()
    giver.get_by_label("Their phone number").fill("(201) 555-0166")
    giver.get_by_role("button", name="Next").click()
    expect(giver.get_by_role("heading", level=1)).to_contain_text("+1 201-555-0166")
    giver.get_by_role("button", name=re.compile("^Yes, offer it")).click()
    expect(giver.locator(".flash")).to_contain_text("It stays yours until they accept")
    expect(giver.locator(f"#device-{device_id}")).to_contain_text("Offered to another number")

    link = re.search(r"https?://\S+/offers/\d+", bff.wait_for_text(THIRD_PHONE, r"/offers/\d+")["body"]).group(0)
    path = link[link.index("/offers/"):]
    sign_in_at(receiver, bff, path, THIRD_PHONE)
    expect(receiver.get_by_role("heading", level=1)).to_have_text("Someone wants to give you a device")
    receiver.get_by_role("button", name="Accept").click()
    expect(receiver.get_by_role("heading", level=1)).to_contain_text("is yours now")
    receiver.get_by_role("link", name="See my devices").click()
    expect(receiver.locator(f"#device-{device_id}")).to_be_visible()

    bob = services.accounts.user_for_phone(THIRD_PHONE)
    product_key = services.store.device(device_id)["product_key"]
    assert control.device(device_id)["owner"] == services.store.shadow_customer(bob.id, product_key)["username"]
    giver.reload()
    expect(giver.locator(f"#device-{device_id}")).to_have_count(0)
