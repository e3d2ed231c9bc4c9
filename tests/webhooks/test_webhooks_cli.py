"""`flask bff webhooks [--failed] [--url U]` lists the deliveries; `webhooks resend EVENT_ID` sends an
event again now (audited as the system)."""
from __future__ import annotations

import pytest


@pytest.fixture
def cli(app, services, clock):
    services.events.clock = services.webhooks.clock = clock
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["bff", "webhooks", *args])


def emit(services, event_type="device.claimed"):
    with services.store.transaction():
        return services.events.emit(event_type, {"device_id": "0123456789abcdef01234567", "product": "p",
                                                 "person": 1})


def test_the_list_shows_each_delivery_and_failed_narrows_it(cli, services, receiver, clock):
    delivered = emit(services)
    services.webhooks.deliver_due()
    given_up = emit(services, "claim.failed")
    receiver.fail_next(500)
    clock.advance(3 * 24 * 3600)
    services.webhooks.deliver_due()

    everything = cli()
    assert everything.exit_code == 0, everything.output
    lines = everything.output.splitlines()
    assert len(lines) == 3 and lines[-1] == "2 deliveries."
    assert given_up in lines[0] and "claim.failed" in lines[0] and "\tfailed\t" in lines[0]
    assert "attempts 1" in lines[0] and "HTTP 500" in lines[0] and receiver.url in lines[0]
    assert delivered in lines[1] and "\tdelivered\t" in lines[1] and "HTTP 200" in lines[1]

    failed_only = cli("--failed").output
    assert given_up in failed_only and delivered not in failed_only
    assert cli("--url", "https://elsewhere.example/x").output.strip() == "No deliveries match."


def test_resend_sends_the_event_again_and_audits_it(cli, services, receiver):
    event_id = emit(services)
    services.webhooks.deliver_due()

    result = cli("resend", event_id)

    assert result.exit_code == 0, result.output
    assert event_id in result.output and "delivered" in result.output
    assert len(receiver.received()) == 2 and list(receiver.events) == [event_id]
    [entry] = services.audit.entries(action="webhook.resend")
    assert entry.actor == "system" and entry.result == "ok"


def test_resend_of_an_unknown_event_says_so(cli):
    result = cli("resend", "evt_nope")
    assert result.exit_code != 0 and "No delivery of event evt_nope" in result.output


def test_without_endpoints_the_list_says_events_go_nowhere(app_factory):
    result = app_factory().test_cli_runner().invoke(args=["bff", "webhooks"])
    assert "No endpoint is configured" in result.output and "No deliveries match." in result.output
