"""`/ops/webhooks`: each endpoint's recent deliveries (state, attempts, last answer, next attempt),
filters, and "send again now" (asked first, audited, refused while the delivery is being sent);
support and admins only."""
from __future__ import annotations

import pytest

from bff.webhooks.service import LEASE_SECONDS

from tests.support.pages import csrf_token, page_text


@pytest.fixture
def app(events_app):
    """bff sending its events to the test receiver."""
    return events_app


@pytest.fixture
def emitted(services, clock):
    """Emits an event (as a service does, in a transaction); returns its id. The outbox and the
    delivery run on the test's clock."""
    services.events.clock = services.webhooks.clock = clock

    def emit(event_type="device.claimed", device_id="0123456789abcdef01234567"):
        with services.store.transaction():
            return services.events.emit(event_type, {"device_id": device_id, "product": "p", "person": 1})
    return emit


def delivery_of(services, event_id):
    [line] = services.webhooks.deliveries(event_id=event_id)
    return line


def test_desk_sees_each_endpoint_with_its_recent_deliveries(desk, services, receiver, emitted):
    delivered = emitted("device.claimed")
    services.webhooks.deliver_due()
    failing = emitted("claim.failed")
    receiver.fail_next(500)
    services.webhooks.deliver_due()

    page = desk.get("/ops/webhooks")
    text = page_text(page)
    assert page.status_code == 200
    assert receiver.url in text and "Delivered: 1 · waiting: 1 · failed: 0" in text
    assert f"device.claimed {delivered}" in text and f"claim.failed {failing}" in text
    assert "HTTP 500" in text and "in 30 s" in text
    assert 'href="/ops/webhooks"' in page.text  # in the console's menu

    only_waiting = page_text(desk.get("/ops/webhooks?state=pending"))
    assert failing in only_waiting and delivered not in only_waiting


def test_send_again_now_asks_first_then_sends_once_and_is_audited(desk, services, receiver, emitted):
    event_id = emitted()
    receiver.fail_next(503)
    services.webhooks.deliver_due()
    line = delivery_of(services, event_id)
    page = desk.get("/ops/webhooks")
    form = {"csrf_token": csrf_token(page), "delivery_id": line.id}

    asked = desk.post("/ops/webhooks/resend", data=form)
    assert asked.status_code == 200 and f"Send device.claimed {event_id} to {receiver.url} again now?" in page_text(asked)
    assert len(receiver.received()) == 1  # nothing sent before the yes

    done = desk.post("/ops/webhooks/resend", data={**form, "confirmed": "yes"}, follow_redirects=True)
    assert "Sent: " in page_text(done) and "answered 200" in page_text(done)
    assert len(receiver.received()) == 2 and list(receiver.events) == [event_id]
    after = delivery_of(services, event_id)
    assert (after.state, after.attempts) == ("delivered", 2)
    [entry] = services.audit.entries(action="webhook.resend")
    assert (entry.actor_login, entry.result) == ("desk", "ok")
    assert event_id in entry.detail and receiver.url in entry.detail
    assert "sent an event to an endpoint again" in page_text(desk.get("/ops/audit"))


def test_a_delivery_being_sent_is_not_sent_again_and_the_refusal_is_audited(desk, services, receiver, emitted):
    line = delivery_of(services, emitted())
    assert services.store.lease_webhook_delivery(line.id, seconds=LEASE_SECONDS)
    form = {"csrf_token": csrf_token(desk.get("/ops/webhooks")), "delivery_id": line.id, "confirmed": "yes"}

    done = desk.post("/ops/webhooks/resend", data=form, follow_redirects=True)

    assert "This event is being sent right now." in page_text(done)
    assert receiver.received() == []
    [entry] = services.audit.entries(action="webhook.resend")
    assert entry.result == "refused"


def test_a_failed_delivery_that_fails_again_stays_failed_and_says_so(desk, services, receiver, emitted, clock):
    event_id = emitted()
    receiver.always["/bff-events"] = 500
    line = delivery_of(services, event_id)
    clock.now = line.created_at + 4 * 24 * 3600
    services.webhooks.deliver_due()
    assert delivery_of(services, event_id).state == "failed"
    failed_page = page_text(desk.get("/ops/webhooks?state=failed"))
    assert event_id in failed_page

    form = {"csrf_token": csrf_token(desk.get("/ops/webhooks")), "delivery_id": line.id, "confirmed": "yes"}
    done = page_text(desk.post("/ops/webhooks/resend", data=form, follow_redirects=True))

    assert "Not delivered: HTTP 500" in done and "bff gave up on it" in done
    assert delivery_of(services, event_id).state == "failed"
    assert services.audit.entries(action="webhook.resend")[0].result == "failed"


def test_admins_see_it_and_field_crews_get_403(boss, crew, services, emitted):
    event_id = emitted()
    assert event_id in page_text(boss.get("/ops/webhooks"))
    assert crew.get("/ops/webhooks").status_code == 403
    token = csrf_token(crew.get("/ops/field"))
    assert crew.post("/ops/webhooks/resend", data={"csrf_token": token, "delivery_id": 1}).status_code == 403


def test_an_unknown_delivery_says_so(desk):
    token = csrf_token(desk.get("/ops/webhooks"))
    done = desk.post("/ops/webhooks/resend", data={"csrf_token": token, "delivery_id": 999}, follow_redirects=True)
    assert "No such delivery" in page_text(done)
