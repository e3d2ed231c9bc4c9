"""The operators' console in a real browser: every page (field mode aside: test_browser_field.py)
at 390x844 and at 1280x800, signed in as the role that uses it, with the data that fills it.

On each page: axe-core finds nothing; at 390 px the page does not scroll sideways (a table may
scroll inside its `.table-box`); every main action (buttons, button-like links, navigation links)
is at least 44 px tall. Each test visits several pages and reports every page's problems at once.

And one support person's errand from end to end: sign in (both steps), find a device by its label
code, read the doctor's "waiting" problem, cancel the claim with a reason, confirm, read the flash,
find the cancel in the audit log.
"""
from __future__ import annotations

import re
import time

import pytest

from bff.labels import format_label_code

from tests.browser.conftest import PHONE_HEIGHT, PHONE_WIDTH, WAIT_MS
from tests.support import OTHER_PHONE, PHONE, cheap_hasher
from tests.support.imports import loose_devices
from tests.support.ops import PASSWORD, make_operator

from tests.browser.page_checks import PageChecks
from tests.browser.needs import axe_sync, expect, pytestmark, sync_api  # noqa: F401 (pytestmark skips without them)

SIZES = ((PHONE_WIDTH, PHONE_HEIGHT), (1280, 800))
PREFIX_TWINS = ("5ea5c0ffee0000000000aaaa", "5ea5c0ffee0000000000bbbb")
REFUSED_ERROR = "DeviceOwnedByOther (HTTP 403) from POST /v1/devices: That belongs to someone else."

# The main actions: buttons, links that look like buttons, and navigation links (the top bar's and
# any other <nav>'s). Links inside sentences and table cells are not main actions.
MAIN_ACTIONS = "button, input[type=submit], a.button, nav a, header a"


def ops_checks(page) -> PageChecks:
    """The console's checks: phone and desk sizes, main actions tappable, no sideways scroll on a phone."""
    return PageChecks(page, sizes=SIZES, targets=MAIN_ACTIONS, sideways_widths=(PHONE_WIDTH,))


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def desk_page(browser):
    """A phone-sized page, JavaScript on (resized by the checks)."""
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def operators(bff):
    """An admin, a support person and a field crew member of the served bff."""
    bff.services.accounts.hasher = cheap_hasher()
    return {role: make_operator(bff.services, login, role)
            for role, login in (("admin", "boss"), ("support", "desk"), ("field", "crew"))}


@pytest.fixture
def troubled(bff, control, electron, online_device, offline_device, tag):
    """Devices with problems: one whose claim waits (offline, after a refused claim), one whose
    claim was refused because it belongs to someone else; people; a failed call with its reply."""
    services = bff.services
    store, claims = services.store, services.claims
    alice = services.accounts.user_for_phone(PHONE)
    bob = services.accounts.user_for_phone(OTHER_PHONE)

    # The waiting device: a refused claim for bob first, then alice's claim, waiting.
    services.devices.find(offline_device)  # bff keeps it (and gives it a label code)
    earlier = store.insert_claim(device_id=offline_device, product_key=electron["slug"], user_id=bob.id,
                                 channel="web", actor_user_id=None, now=time.time() - 3600)
    store.update_claim(earlier, state="refused", outcome="refused", last_error=REFUSED_ERROR,
                       now=time.time() - 3590)
    waiting = claims.request_claim(alice.id, offline_device, channel="web", tag=tag(offline_device))
    assert waiting.state == "waiting_for_device"

    # The refused device: alice owns it in the cloud; bob's claim is refused.
    owner = services.particle.ensure_customer(electron["slug"], alice.id)
    services.particle.claim_device(electron["slug"], owner, online_device)
    refused = claims.request_claim(bob.id, online_device, channel="web", tag=tag(online_device))
    assert refused.state in ("refused", "failed")

    # A call that failed with the cloud's raw reply, and a rate-limited one.
    store.log_cloud_call(method="GET", path=f"/v1/products/{electron['slug']}/devices/{offline_device}",
                         status=503, ms=12.5, error="CloudUnavailable (HTTP 503) from GET", device_id=offline_device,
                         product_key=electron["slug"], reply='{"error": "service unavailable", "ok": false}')
    store.log_cloud_call(method="GET", path=f"/v1/products/{electron['slug']}/devices", status=429, ms=3.0,
                         error="RateLimited (HTTP 429)", product_key=electron["slug"], reply='{"error": "slow down"}')
    for device_id in PREFIX_TWINS:  # two devices one search finds
        store.upsert_device(device_id, product_key=electron["slug"])
    return {"waiting": offline_device, "refused": online_device, "alice": alice, "bob": bob,
            "code": services.devices.find(offline_device).label_code}


# -- helpers -------------------------------------------------------------------------------------


def sign_in(page, bff, login: str, *, checks: PageChecks | None = None) -> None:
    """Both steps (the second one for admins and support), as a person does, code from the outbox."""
    page.goto(bff.url + "/ops/login")
    expect(page.get_by_role("heading", name="Operator sign in")).to_be_visible()
    if checks:
        checks("/ops/login")
    page.locator("#login").fill(login)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    operator = bff.services.accounts.store.user_by_login(login)
    if operator["phone"]:
        page.wait_for_url(re.compile(r"/ops/login/code"))
        if checks:
            checks("/ops/login/code")
        text = bff.services.sms.outbox(to=operator["phone"])[0]["body"]
        page.locator("#code").fill(re.search(r"\b(\d{6})\b", text).group(1))
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/ops(/field)?$"))


def go(page, bff, path: str) -> None:
    response = page.goto(bff.url + path)
    assert response.ok, f"{path}: {response.status}"


def flash(page):
    return page.locator("main .flash")


# -- every page ----------------------------------------------------------------------------------


def test_the_sign_in_pages_with_and_without_mistakes(desk_page, bff, operators):
    page, checks = desk_page, ops_checks(desk_page)
    page.goto(bff.url + "/ops/login")
    checks("/ops/login")
    page.locator("#login").fill("desk")
    page.locator("#password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#form-error")).to_be_visible()
    checks("/ops/login with a wrong password")

    page.locator("#login").fill("desk")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/ops/login/code"))
    checks("/ops/login/code")
    page.locator("#code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#form-error")).to_be_visible()
    checks("/ops/login/code with a wrong code")
    checks.assert_none()


def test_the_support_desk_pages(desk_page, bff, operators, troubled):
    page, checks = desk_page, ops_checks(desk_page)
    sign_in(page, bff, "desk")
    expect(page.get_by_role("heading", name="Operators' home")).to_be_visible()
    checks("/ops")

    go(page, bff, "/ops/search?q=5EA5C0FFEE")
    expect(page.get_by_role("heading", name=re.compile("2 matches"))).to_be_visible()
    checks("/ops/search with two matches")
    go(page, bff, "/ops/search?q=nothing-like-this")
    expect(page.locator("main [role=status]")).to_contain_text("Nothing found")
    checks("/ops/search with no match")

    go(page, bff, f"/ops/devices/{troubled['waiting']}")
    expect(page.get_by_role("heading", name="The claim waits for the device to come online")).to_be_visible()
    page.locator("main details summary").first.click()
    expect(page.locator("main details[open] pre.raw").first).to_be_visible()
    checks("/ops/devices/<waiting> with a raw reply open")

    go(page, bff, f"/ops/devices/{troubled['refused']}")
    expect(page.get_by_role("heading", name=re.compile("The claim was refused"))).to_be_visible()
    page.locator("main details summary").first.click()
    checks("/ops/devices/<refused>")
    give = page.locator("main form[action$='/give']").first
    give.get_by_label("The new owner's phone number").fill("+1 201 555 0177")
    give.get_by_role("button").click()
    expect(page.get_by_role("heading", name=re.compile("Give this device to"))).to_be_visible()
    checks("confirmation of a fix (give)")
    page.get_by_role("link", name="No, go back").click()

    go(page, bff, f"/ops/devices/{troubled['waiting']}")
    page.locator("main form[action$='/retry']").first.get_by_role("button").click()
    expect(page.get_by_role("heading", name="Try this claim now?")).to_be_visible()
    checks("confirmation of a fix (retry)")
    page.get_by_role("button", name="Yes, try now").click()
    expect(flash(page)).to_contain_text("Tried again")
    checks("/ops/devices/<waiting> with a flash")

    go(page, bff, f"/ops/people/{troubled['alice'].id}")
    checks("/ops/people/<id> (a customer)")
    go(page, bff, f"/ops/people/{bff.services.store.user_by_login('desk')['id']}")
    expect(page.get_by_role("heading", name="Sign-ins")).to_be_visible()
    checks("/ops/people/<id> (an operator, with sign-ins)")

    go(page, bff, "/ops/claims?state=")  # every state
    expect(page.locator("main tbody tr").first).to_be_visible()
    checks("/ops/claims")

    go(page, bff, "/ops/calls")
    expect(page.locator("main tbody tr").first).to_be_visible()
    page.locator("main details summary").first.click()
    checks("/ops/calls")

    go(page, bff, "/ops/audit")
    expect(page.locator("main tbody tr").first).to_be_visible()
    checks("/ops/audit")
    checks.assert_none()


def test_the_admin_pages(desk_page, bff, operators, sandbox):
    page, checks = desk_page, ops_checks(desk_page)
    ids = loose_devices(sandbox, 3)
    sign_in(page, bff, "boss")

    go(page, bff, "/ops/import")
    checks("/ops/import (no imports yet)")
    page.get_by_label("Paste device IDs").fill("\n".join([*ids, "not-a-device-id"]))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/ops/batches/\d+$"))
    batch_id = int(page.url.rsplit("/", 1)[1])
    checks("/ops/batches/<id> just started")
    # the worker imports it; the page then shows it done
    deadline = time.monotonic() + WAIT_MS / 1000
    while bff.services.imports.batch(batch_id).open and time.monotonic() < deadline:
        time.sleep(0.2)
    go(page, bff, f"/ops/batches/{batch_id}")
    expect(page.locator("main .state").first).to_have_text("done")
    checks("/ops/batches/<id> done")
    go(page, bff, f"/ops/batches/{batch_id}?show=problems")
    checks("/ops/batches/<id> problems only")

    go(page, bff, f"/ops/batches/{batch_id}/labels")
    expect(page.locator(".label")).to_have_count(3)
    checks("/ops/batches/<id>/labels", sideways_ok=True)  # sheets of paper: 210 mm wide

    go(page, bff, "/ops/import")
    checks("/ops/import (with an import)")
    go(page, bff, "/ops/operators")
    checks("/ops/operators")
    checks.assert_none()


def test_a_field_crew_member_gets_a_plain_403(desk_page, bff, operators):
    page, checks = desk_page, ops_checks(desk_page)
    sign_in(page, bff, "crew")
    response = page.goto(bff.url + "/ops/audit")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Your role does not allow this.")).to_be_visible()
    checks("403 (field crew on /ops/audit)")
    page.get_by_role("link", name="Go to your start page").click()
    page.wait_for_url(re.compile(r"/ops/field$"))
    checks.assert_none()


# -- a support person's errand ----------------------------------------------------------------------


def test_support_cancels_a_waiting_claim_found_by_its_label_code(desk_page, bff, operators, troubled):
    page = desk_page
    device, code = troubled["waiting"], format_label_code(troubled["code"])
    sign_in(page, bff, "desk")

    page.get_by_label("Find a device or a person").fill(code.lower())
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(rf"/ops/devices/{device}$"))
    problem = page.locator("main section.problem", has=page.get_by_role(
        "heading", name="The claim waits for the device to come online"))
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("offline")

    problem.get_by_label("Why (the person reads it in a text)").select_option(index=1)
    reason = problem.get_by_label("Why (the person reads it in a text)").locator("option:checked").inner_text()
    problem.get_by_role("button", name="Cancel the claim").click()
    expect(page.get_by_role("heading", name="Cancel this claim?")).to_be_visible()
    expect(page.locator("main")).to_contain_text(reason)
    page.get_by_role("button", name="Yes, cancel the claim").click()

    page.wait_for_url(re.compile(rf"/ops/devices/{device}$"))
    expect(flash(page)).to_contain_text("Claim cancelled: the person got a text saying why")
    expect(page.locator("main")).to_contain_text("No claim of this device is waiting.")
    assert any(reason in message["body"] for message in bff.services.sms.outbox(to=PHONE))

    page.get_by_role("link", name="Audit", exact=True).click()
    row = page.locator("main tbody tr", has_text="claim.cancel").first
    expect(row).to_contain_text("desk")
    expect(row).to_contain_text(device)
    expect(row).to_contain_text("ok")
