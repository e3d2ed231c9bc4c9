"""In a real browser: no page trips the Content-Security-Policy; static files come compressed, once,
and a second visit asks for none of them; the start page fetches the scanner while idle."""
from __future__ import annotations

import re

from tests.support import PHONE
from tests.support.pages import signed_in_client

from tests.browser.needs import expect, pytestmark, sync_api  # noqa: F401 (pytestmark skips without them)

CSP_WORDS = re.compile(r"Content Security Policy|Content-Security-Policy|Refused to", re.I)
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || ""));
});
"""


def watched(page):
    """The page, with a list of what the console says and of the CSP violations the page reports."""
    page.console_lines = []
    page.on("console", lambda message: page.console_lines.append(message.text))
    page.on("pageerror", lambda error: page.console_lines.append(str(error)))
    page.add_init_script(WATCH_CSP)
    return page


def sign_in(page, bff) -> None:
    """A live session for PHONE in the browser's cookie (the sign-in pages have tests of their own)."""
    person = bff.services.accounts.user_for_phone(PHONE)
    client = signed_in_client(bff.app, person)
    name = bff.app.config.get("SESSION_COOKIE_NAME", "session")
    page.context.add_cookies([{"name": name, "value": client.get_cookie(name).value, "url": bff.url}])


def server_paths(bff) -> list[str]:
    """Every path the browser asks bff for from now on (read on the server: the browser's cache
    answers without a request)."""
    seen: list[str] = []
    inner = bff.app.wsgi_app

    def spy(environ, start_response):
        seen.append(environ.get("PATH_INFO", ""))
        return inner(environ, start_response)

    bff.app.wsgi_app = spy
    return seen


def assert_no_csp_trouble(page, where: str) -> None:
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__csp || []")
    assert violations == [], (where, violations)
    said = [line for line in page.console_lines if CSP_WORDS.search(line)]
    assert said == [], (where, said)


def test_customer_pages_and_the_console_trip_no_csp(phone_page, bff, online_device, offline_device):
    page = watched(phone_page)
    visits = [("start", bff.url + "/"), ("landing", bff.claim_url(online_device)),
              ("sign-in", bff.url + "/login"), ("console", bff.url + "/console")]
    for where, url in visits:
        response = page.goto(url)
        assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), where
        assert_no_csp_trouble(page, where)
    sign_in(page, bff)
    for where, url in [("landing, signed in", bff.claim_url(online_device)), ("my devices", bff.url + "/devices"),
                       ("account", bff.url + "/account"), ("setup", bff.url + "/setup"),
                       ("waiting claim", bff.claim_url(offline_device))]:
        page.goto(url)
        assert_no_csp_trouble(page, where)
    page.goto(bff.claim_url(offline_device))
    claim = page.get_by_role("button", name=re.compile(r"^Claim")).first
    if claim.count():
        claim.click()
        page.wait_for_load_state("load")
        assert_no_csp_trouble(page, "after Claim")
    assert page.outside_requests == []


def test_the_watch_sees_a_violation(phone_page, bff):
    """The check above can fail: an inline style on a bff page is refused and reported."""
    page = watched(phone_page)
    page.goto(bff.url + "/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    expect(page.locator("body")).to_contain_text("x")
    page.wait_for_function("() => window.__csp.length > 0")


def test_a_second_visit_asks_for_no_static_file(phone_page, bff, online_device):
    page = phone_page
    paths = server_paths(bff)
    page.goto(bff.claim_url(online_device))
    page.wait_for_load_state("load")
    first = [p for p in paths if p.startswith("/static/")]
    assert any(p.endswith("bff.css") for p in first) and any(p.endswith("bff.js") for p in first)
    assert not any("jsQR" in p for p in first)  # the landing never loads the scanner
    paths.clear()
    page.goto(bff.url + "/")
    page.wait_for_load_state("load")
    expect(page.get_by_role("button", name="Scan the code")).to_be_visible()
    page.wait_for_function("() => !!document.querySelector('link[rel=prefetch]')")
    page.wait_for_timeout(500)
    assert [p for p in paths if p.startswith("/static/")] == ["/static/vendor/jsQR.min.js"]  # fetched while idle
    paths.clear()
    page.goto(bff.claim_url(online_device))
    page.wait_for_load_state("load")
    page.goto(bff.url + "/")
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Scan the code").click()  # the decoder comes from the cache
    page.wait_for_function("() => !!window.jsQR")
    assert paths and not [p for p in paths if p.startswith("/static/")], paths
