"""The caps on sign-in codes, as a browser meets them: 429 with Retry-After, the plain words, and
nothing sent. The app's accounts run on a FakeClock one minute into every window, so the waits are
exact and no test depends on when it runs.
"""
from __future__ import annotations

import html

import pytest

from tests.support import PHONE
from tests.support.clock import FakeClock
from tests.support.pages import csrf_token
from tests.web.sign_in import NEXT, ask_for_code, read_code, send_code

HOUR_START = 1_699_923_600.0  # 2023-11-14 01:00:00 UTC: a quarter-hour, hour and (+1 h) day boundary
IP = "203.0.113.7"
OTHER_IP = "198.51.100.1"


@pytest.fixture
def app_clock(services) -> FakeClock:
    """The app's accounts clock, at 01:01:00 UTC."""
    clock = FakeClock(start=HOUR_START + 60)
    services.accounts.clock = clock
    return clock


def from_address(client, ip: str):
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def resend(client):
    page = client.get("/login/code", query_string={"next": NEXT})
    return client.post("/login/resend", data={"csrf_token": csrf_token(page), "next": NEXT})


def test_resending_past_the_cap_is_refused_and_sends_nothing(client, services, app_clock):
    assert ask_for_code(client).status_code == 303
    for _ in range(2):
        assert resend(client).status_code == 303
    newest = read_code(services)
    refused = resend(client)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(14 * 60)  # the quarter hour ends at 01:15
    text = html.unescape(refused.text)
    assert "We sent too many codes in a short time." in text and "Please wait 14 minutes" in text
    assert 'id="code"' in text  # still the code form: the codes sent still work
    assert len(services.sms.outbox(to=PHONE)) == 3
    assert send_code(client, newest).headers["Location"] == NEXT


def test_resending_works_again_when_the_window_ends(client, services, app_clock):
    ask_for_code(client)
    for _ in range(2):
        resend(client)
    assert resend(client).status_code == 429
    app_clock.advance(14 * 60)
    assert resend(client).status_code == 303
    assert len(services.sms.outbox(to=PHONE)) == 4


def test_one_address_may_ask_for_twenty_codes_an_hour(app, services, app_clock):
    browser = from_address(app.test_client(), IP)
    for n in range(20):
        assert ask_for_code(browser, phone=f"+1201555{n:04d}").status_code == 303
    refused = ask_for_code(browser, phone="+12015559999")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(59 * 60)  # the hour ends at 02:00
    text = html.unescape(refused.text)
    assert "We sent too many codes in a short time." in text and 'value="+12015559999"' in text
    assert services.sms.outbox(to="+12015559999") == []
    elsewhere = from_address(app.test_client(), OTHER_IP)
    assert ask_for_code(elsewhere, phone="+12015559999").status_code == 303
    assert len(services.sms.outbox(to="+12015559999")) == 1


def test_the_address_cap_counts_resends_too(app, services, app_clock):
    browser = from_address(app.test_client(), IP)
    for n in range(19):
        ask_for_code(browser, phone=f"+1201555{n:04d}")
    assert resend(browser).status_code == 303  # the 20th code from this address
    refused = resend(browser)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == str(59 * 60)
    assert len(services.sms.outbox()) == 20
