"""Delivery by the worker: at least once, signed, with backoff, leased; exactly once at the receiver
after deduplication by id, across failures, time-outs and a crash between the POST and its record."""
from __future__ import annotations

import logging

import pytest

from bff.db.store import Store
from bff.webhooks import WebhookOutbox
from bff.webhooks.delivery import HttpPoster, PostResult
from bff.webhooks.service import GIVE_UP_SECONDS, LEASE_SECONDS, WebhookDelivery, retry_delay

from tests.support.polling import wait_until
from tests.support.webhook_receiver import SECRET

DATA = {"claim_id": 1, "device_id": "0123456789abcdef01234567", "product": "sandbox-electron", "person": 7,
        "channel": "web"}


def emit(store, clock, urls, event_type="device.claimed", data=DATA) -> str:
    with store.transaction():
        return WebhookOutbox(store, urls, clock=clock).emit(event_type, data)


def only_delivery(store, event_id: str, url: str | None = None) -> dict:
    rows = store.webhook_deliveries(event_id=event_id, url=url)
    assert len(rows) == 1
    return rows[0]


def test_a_receiver_that_fails_twice_gets_the_event_exactly_once_after_dedup(store, clock, sender, receiver):
    event_id = emit(store, clock, [receiver.url])
    receiver.fail_next(500, "timeout")

    assert sender.deliver_due() == 1  # 500
    assert sender.deliver_due() == 0  # not due again yet
    clock.advance(30)
    assert sender.deliver_due() == 1  # the receiver is too slow: the sender gives up waiting
    clock.advance(59)
    assert sender.deliver_due() == 0
    clock.advance(1)
    assert sender.deliver_due() == 1  # 200

    assert wait_until(lambda: len(receiver.received()) == 3 and event_id in receiver.events, timeout=5)
    requests = receiver.received()
    assert all(r["verified"] and r["id_matches"] for r in requests)
    assert [r["headers"]["Bff-Event-Id"] for r in requests] == [event_id] * 3
    assert [r["headers"]["Content-Type"] for r in requests] == ["application/json"] * 3
    assert len({r["body"] for r in requests}) == 1  # the stored body, byte for byte, every time
    assert [event["id"] for event in receiver.event_list()] == [event_id]
    assert receiver.events[event_id]["type"] == "device.claimed" and receiver.events[event_id]["data"] == DATA
    row = only_delivery(store, event_id)
    assert (row["state"], row["attempts"], row["last_status"], row["last_error"]) == ("delivered", 3, 200, None)
    assert row["delivered_at"] == clock.now and row["leased_until"] is None


def test_retries_back_off_from_30_seconds_doubling_to_an_hour_then_fail_after_3_days(store, clock, sender, receiver):
    event_id = emit(store, clock, [receiver.url])
    receiver.always["/bff-events"] = 503
    delays = []
    for _ in range(9):
        assert sender.deliver_due() == 1
        row = only_delivery(store, event_id)
        delays.append(row["next_attempt_at"] - clock.now)
        clock.now = row["next_attempt_at"]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert row["state"] == "pending" and row["last_status"] == 503 and row["last_error"].startswith("HTTP 503")

    clock.now = row["created_at"] + GIVE_UP_SECONDS - 1
    sender.deliver_due()
    assert only_delivery(store, event_id)["state"] == "pending"  # just under 3 days: still tried
    clock.now = only_delivery(store, event_id)["next_attempt_at"]
    sender.deliver_due()
    row = only_delivery(store, event_id)
    assert (row["state"], row["next_attempt_at"]) == ("failed", None)
    tried = len(receiver.received())
    clock.advance(7 * 24 * 3600)
    assert sender.deliver_due() == 0 and len(receiver.received()) == tried


def test_the_delay_rule():
    assert [retry_delay(n) for n in (1, 2, 3, 7, 8, 9, 50)] == [30, 60, 120, 1920, 3600, 3600, 3600]


class Crash(BaseException):
    """The process dies (kill -9) right after the POST, before the result is written."""


def test_a_crash_between_the_post_and_its_record_sends_again_and_the_receiver_dedups(
        store, clock, sender, receiver, monkeypatch):
    event_id = emit(store, clock, [receiver.url])

    def crash(*args, **kwargs):
        raise Crash()
    monkeypatch.setattr(store, "finish_webhook_attempt", crash)
    with pytest.raises(Crash):
        sender.deliver_due()
    assert len(receiver.received()) == 1 and event_id in receiver.events  # the receiver has it already

    restarted = WebhookDelivery(Store(store.path), urls=[receiver.url], secret=SECRET, clock=clock)
    assert restarted.deliver_due() == 0  # the dead process's lease still holds
    clock.advance(LEASE_SECONDS)
    assert restarted.deliver_due() == 1

    assert len(receiver.received()) == 2
    assert [event["id"] for event in receiver.event_list()] == [event_id]
    row = restarted.store.webhook_delivery(only_delivery(store, event_id)["id"])
    assert (row["state"], row["attempts"]) == ("delivered", 2)


def test_one_failing_endpoint_does_not_hold_up_the_others(store, clock, sender, receiver):
    ids = [emit(store, clock, [receiver.url, receiver.other_url]) for _ in range(3)]
    receiver.always["/other-events"] = "timeout"

    assert sender.deliver_due() == 4  # 3 to the good endpoint; 1 to the slow one, then it waits its turn

    assert [only_delivery(store, i, receiver.url)["state"] for i in ids] == ["delivered"] * 3
    others = [only_delivery(store, i, receiver.other_url) for i in ids]
    assert [(row["state"], row["attempts"]) for row in others] == [("pending", 1), ("pending", 0), ("pending", 0)]
    assert len(receiver.received("/other-events")) == 1
    assert others[0]["last_error"] == "timed out"


def test_a_redirect_is_not_followed_and_counts_as_a_failure(store, clock, sender, receiver):
    event_id = emit(store, clock, [receiver.url])
    receiver.fail_next(302)
    sender.deliver_due()
    row = only_delivery(store, event_id)
    assert (row["state"], row["last_status"]) == ("pending", 302)
    assert [r["path"] for r in receiver.received()] == ["/bff-events"]


def test_an_endpoint_that_refuses_connections_is_retried(store, clock, receiver):
    dead = "http://127.0.0.1:9/nobody"  # the discard port: nothing listens
    event_id = emit(store, clock, [dead])
    sender = WebhookDelivery(store, urls=[dead], secret=SECRET, clock=clock, poster=HttpPoster(timeout=(1, 1)))
    assert sender.deliver_due() == 1
    row = only_delivery(store, event_id)
    assert row["state"] == "pending" and row["last_status"] is None and "ConnectionError" in row["last_error"]


def test_an_unexpected_error_is_recorded_and_the_delivery_is_not_left_leased(store, clock, receiver, caplog):
    class Broken:
        def post(self, url, body, headers):
            raise RuntimeError("bug")
    event_id = emit(store, clock, [receiver.url])
    sender = WebhookDelivery(store, urls=[receiver.url], secret=SECRET, clock=clock, poster=Broken())
    sender.deliver_due()
    row = only_delivery(store, event_id)
    assert (row["state"], row["leased_until"], row["last_error"]) == ("pending", None, "unexpected: RuntimeError")


def test_a_leased_delivery_is_not_sent_by_a_second_sender(store, clock, sender, receiver):
    event_id = emit(store, clock, [receiver.url])
    delivery_id = only_delivery(store, event_id)["id"]
    assert store.lease_webhook_delivery(delivery_id, seconds=LEASE_SECONDS, now=clock.now)
    assert sender.attempt(delivery_id) is None and sender.deliver_due() == 0
    assert receiver.received() == []


def test_nothing_is_sent_without_a_secret_nor_to_an_endpoint_no_longer_configured(store, clock, receiver):
    emit(store, clock, [receiver.url, receiver.other_url])
    unsigned = WebhookDelivery(store, urls=[receiver.url], secret=None, clock=clock)
    assert unsigned.deliver_due() == 0
    only_first = WebhookDelivery(store, urls=[receiver.url], secret=SECRET, clock=clock)
    assert only_first.deliver_due() == 1
    assert [r["path"] for r in receiver.received()] == ["/bff-events"]
    assert only_first.endpoints() == [receiver.url, receiver.other_url]  # still listed


def test_the_secret_is_never_logged_nor_in_the_repr(store, clock, sender, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    event_id = emit(store, clock, [receiver.url])
    receiver.always["/bff-events"] = 500
    sender.deliver_due()
    clock.now = only_delivery(store, event_id)["created_at"] + GIVE_UP_SECONDS
    sender.deliver_due()  # gives up: logged
    assert "failed for good" in caplog.text
    assert SECRET not in caplog.text and SECRET not in repr(sender)
    assert SECRET not in str(only_delivery(store, event_id))


def test_a_post_result_is_ok_only_for_2xx():
    assert PostResult(200).ok and PostResult(204).ok
    assert not PostResult(302).ok and not PostResult(500).ok and not PostResult(None, "timed out").ok
