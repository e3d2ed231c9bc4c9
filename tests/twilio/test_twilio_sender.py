"""The SMS sender: outbox without Twilio; with (a local fake) Twilio: sent, retried after outages, failed."""
from __future__ import annotations

import socket
import sqlite3
import threading

from bff.twilio.sender import SmsSender

from tests.support import PHONE
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, LocalTwilioHttpClient

BODY = "Your device is ready. Reply STATUS to see it."


def row(store, sms_id):
    return store.outbound_sms(sms_id)


# -- no Twilio: the outbox ----------------------------------------------------------------------


def test_not_configured_keeps_messages(sms, store):
    assert not sms.configured
    sms_id = sms.send(PHONE, BODY, purpose="claim", claim_id=None)
    assert row(store, sms_id)["status"] == "kept"
    assert sms.deliver_due() == 0


def test_outbox_newest_first(sms, clock):
    first = sms.send(PHONE, "one", purpose="claim")
    clock.advance(1)
    second = sms.send("+12015550199", "two", purpose="sign_in")
    assert [m["id"] for m in sms.outbox()] == [second, first]
    assert sms.outbox(to=PHONE) == [
        {"id": first, "to": PHONE, "body": "one", "purpose": "claim", "status": "kept",
         "created_at": clock.now - 1}]
    assert len(sms.outbox(limit=1)) == 1


def test_kept_sign_in_codes_stay_readable(sms):
    """In the sandbox the outbox IS the phone: the code must be there to read."""
    sms.send(PHONE, "Your sign-in code is 123456.", purpose="sign_in")
    assert sms.outbox()[0]["body"] == "Your sign-in code is 123456."


def test_bodies_become_one_plain_segment(sms):
    sms.send(PHONE, "\u201cClaimed\u201d \u2014 it\u2019s yours \u2705 " + "x" * 200, purpose="claim")
    body = sms.outbox()[0]["body"]
    assert body.startswith('"Claimed" - it\'s yours x') and len(body) <= 160 and body.isascii()


def test_partial_credentials_are_not_configured(store):
    assert not SmsSender(store, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN).configured
    assert AUTH_TOKEN not in repr(SmsSender(store, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN,
                                                   from_number=OUR_NUMBER))


# -- Twilio -----------------------------------------------------------------------------------------


def test_sent_through_twilio(twilio_sender, fake_twilio, store, clock):
    assert twilio_sender.configured
    sms_id = twilio_sender.send(PHONE, BODY, purpose="claim", claim_id=None)
    assert fake_twilio.received == [{"To": PHONE, "From": OUR_NUMBER, "Body": BODY}]
    message = row(store, sms_id)
    assert (message["status"], message["attempts"], message["sent_at"]) == ("sent", 1, clock.now)
    assert message["provider_sid"].startswith("SM") and message["last_error"] is None
    assert twilio_sender.deliver_due() == 0 and len(fake_twilio.received) == 1  # never twice


def test_outage_then_retry(twilio_sender, fake_twilio, store, clock):
    fake_twilio.fail_next(500, 20500)
    sms_id = twilio_sender.send(PHONE, BODY, purpose="claim")  # does not raise
    message = row(store, sms_id)
    assert (message["status"], message["attempts"]) == ("queued", 1)
    assert message["next_attempt_at"] == clock.now + 5
    assert "500" in message["last_error"]
    clock.advance(4)
    assert twilio_sender.deliver_due() == 0 and len(fake_twilio.received) == 1  # not due yet
    clock.advance(1)
    assert twilio_sender.deliver_due() == 1
    message = row(store, sms_id)
    assert (message["status"], message["attempts"], message["last_error"]) == ("sent", 2, None)
    assert len(fake_twilio.received) == 2


def test_backoff_grows_then_gives_up(twilio_sender, fake_twilio, store, clock):
    fake_twilio.fail_next(503, 20503, times=6)
    sms_id = twilio_sender.send(PHONE, BODY, purpose="claim")
    delays = []
    while row(store, sms_id)["status"] == "queued":
        delay = row(store, sms_id)["next_attempt_at"] - clock.now
        delays.append(delay)
        clock.advance(delay)
        twilio_sender.deliver_due()
    assert delays == [5, 15, 45, 135, 405]
    message = row(store, sms_id)
    assert (message["status"], message["attempts"]) == ("failed", 6)
    assert len(fake_twilio.received) == 6


def test_rate_limited_by_twilio_is_retried(twilio_sender, fake_twilio, store):
    fake_twilio.fail_next(429, 20429)
    assert row(store, twilio_sender.send(PHONE, BODY, purpose="claim"))["status"] == "queued"


def test_refused_number_fails_at_once(twilio_sender, fake_twilio, store, clock):
    fake_twilio.fail_next(400, 21211)
    sms_id = twilio_sender.send(PHONE, BODY, purpose="claim")
    message = row(store, sms_id)
    assert message["status"] == "failed" and "21211" in message["last_error"]
    clock.advance(3600)
    assert twilio_sender.deliver_due() == 0 and len(fake_twilio.received) == 1


def test_twilio_unreachable(store, clock):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = SmsSender(store, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=OUR_NUMBER,
                       http_client=LocalTwilioHttpClient(f"http://127.0.0.1:{port}"), clock=clock)
    sms_id = sender.send(PHONE, BODY, purpose="claim")
    message = row(store, sms_id)
    assert message["status"] == "queued" and "ConnectionError" in message["last_error"]


def test_messages_queued_by_a_crashed_process_are_sent(store, twilio_sender, fake_twilio, clock):
    """A row queued (and leased) by a process that died is retried once its lease runs out."""
    sms_id = store.add_outbound_sms(PHONE, BODY, purpose="claim", status="queued", now=clock.now)
    assert store.lease_outbound_sms(sms_id, now=clock.now, until=clock.now + 60)  # then: kill -9
    assert twilio_sender.deliver_due() == 0
    clock.advance(60)
    assert twilio_sender.deliver_due() == 1 and row(store, sms_id)["status"] == "sent"


def test_two_workers_never_send_one_message_twice(store, twilio_sender, fake_twilio, clock):
    fake_twilio.fail_next(500, 20500)
    sms_id = twilio_sender.send(PHONE, BODY, purpose="claim")
    clock.advance(5)
    fake_twilio.delay = 0.3
    barrier = threading.Barrier(3)
    results, failures = [], []

    def work():
        try:
            barrier.wait(timeout=10)
            results.append(twilio_sender.deliver_due())
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(3)]
    [thread.start() for thread in threads]
    [thread.join(timeout=30) for thread in threads]
    assert failures == [] and sorted(results) == [0, 0, 1]
    assert len(fake_twilio.received) == 2 and row(store, sms_id)["status"] == "sent"


def test_sign_in_codes_are_masked_once_sent(twilio_sender, fake_twilio, store):
    sms_id = twilio_sender.send(PHONE, "Your sign-in code is 123456. It works for 10 minutes.",
                                purpose="sign_in")
    assert fake_twilio.received[0]["Body"].startswith("Your sign-in code is 123456.")
    assert row(store, sms_id)["body"] == "Your sign-in code is ******. It works for 10 minutes."


def test_sign_in_codes_are_masked_when_given_up(twilio_sender, fake_twilio, store):
    fake_twilio.fail_next(400, 21610)
    sms_id = twilio_sender.send(PHONE, "Your sign-in code is 123456.", purpose="sign_in")
    assert row(store, sms_id)["status"] == "failed" and "123456" not in row(store, sms_id)["body"]


def test_status_callbacks_move_forward_only(twilio_sender, store):
    sms_id = twilio_sender.send(PHONE, BODY, purpose="claim")
    sid = row(store, sms_id)["provider_sid"]
    twilio_sender.record_status(sid, "sending")
    assert row(store, sms_id)["status"] == "sent"
    twilio_sender.record_status(sid, "delivered")
    assert row(store, sms_id)["status"] == "delivered"
    twilio_sender.record_status(sid, "sent")  # late and out of order
    assert row(store, sms_id)["status"] == "delivered"
    twilio_sender.record_status("SM" + "f" * 32, "failed")  # someone else's: ignored
    twilio_sender.record_status("", "failed")


def test_undelivered_callback(twilio_sender, store):
    sms_id = twilio_sender.send(PHONE, BODY, purpose="claim")
    twilio_sender.record_status(row(store, sms_id)["provider_sid"], "Undelivered")
    assert row(store, sms_id)["status"] == "undelivered"


def test_wrong_credentials_are_retried_not_lost(store, fake_twilio, clock):
    sender = SmsSender(store, account_sid=ACCOUNT_SID, auth_token="wrong", from_number=OUR_NUMBER,
                       http_client=LocalTwilioHttpClient(fake_twilio.base_url), clock=clock)
    sms_id = sender.send(PHONE, BODY, purpose="claim")
    assert row(store, sms_id)["status"] == "queued" and "401" in row(store, sms_id)["last_error"]


def test_claim_id_is_kept(store, sms):
    sms_id = sms.send(PHONE, BODY, purpose="claim", claim_id=77)
    assert row(store, sms_id)["claim_id"] == 77


# -- one message's trouble stays with it: the others are sent ----------------------------------------


def queued(store, clock, count: int) -> list[int]:
    """`count` messages queued (due now), oldest first: the order the sender takes them."""
    ids = [store.add_outbound_sms(PHONE, f"Text {n}.", purpose="claim", status="queued", now=clock.now)
           for n in range(count)]
    clock.advance(1)
    return ids


def test_a_refusal_and_an_outage_on_two_messages_do_not_stop_the_others(twilio_sender, fake_twilio, store,
                                                                        clock):
    refused, unlucky, *others = queued(store, clock, 4)
    fake_twilio.fail_next(400, 21211)  # the first request: a number Twilio refuses for good
    fake_twilio.fail_next(503, 20503)  # the second: Twilio is having a moment

    assert twilio_sender.deliver_due() == 2

    assert [row(store, sms_id)["status"] for sms_id in others] == ["sent", "sent"]
    assert row(store, refused)["status"] == "failed" and "21211" in row(store, refused)["last_error"]
    message = row(store, unlucky)
    assert (message["status"], message["attempts"]) == ("queued", 1) and "503" in message["last_error"]
    assert message["next_attempt_at"] == clock.now + SmsSender.BACKOFF_SECONDS[0]
    clock.advance(SmsSender.BACKOFF_SECONDS[0] - 1)
    assert twilio_sender.deliver_due() == 0  # backing off
    clock.advance(1)
    assert twilio_sender.deliver_due() == 1 and row(store, unlucky)["status"] == "sent"
    clock.advance(3600)
    assert twilio_sender.deliver_due() == 0  # the refused one is never tried again
    assert [m["Body"] for m in fake_twilio.received] == ["Text 0.", "Text 1.", "Text 2.", "Text 3.", "Text 1."]


def test_a_bug_with_one_message_is_recorded_on_it_and_the_others_are_sent(twilio_sender, fake_twilio, store,
                                                                          clock, monkeypatch):
    broken, *others = queued(store, clock, 3)
    create_params = twilio_sender._create_params

    def broken_for_one(message):
        if message["id"] == broken:
            raise KeyError("injected failure")
        return create_params(message)

    monkeypatch.setattr(twilio_sender, "_create_params", broken_for_one)

    assert twilio_sender.deliver_due() == 2

    assert [row(store, sms_id)["status"] for sms_id in others] == ["sent", "sent"]
    message = row(store, broken)
    assert message["status"] == "queued" and "KeyError" in message["last_error"]
    monkeypatch.undo()
    clock.advance(SmsSender.BACKOFF_SECONDS[0])
    assert twilio_sender.deliver_due() == 1 and row(store, broken)["status"] == "sent"


def test_a_crash_on_one_message_is_logged_and_the_others_are_sent(twilio_sender, fake_twilio, store, clock,
                                                                  monkeypatch, caplog):
    crashing, *others = queued(store, clock, 3)
    lease = store.lease_outbound_sms

    def crashes_for_one(sms_id, **kwargs):
        if sms_id == crashing:
            raise sqlite3.OperationalError("disk I/O error")
        return lease(sms_id, **kwargs)

    monkeypatch.setattr(store, "lease_outbound_sms", crashes_for_one)

    assert twilio_sender.deliver_due() == 2

    assert [row(store, sms_id)["status"] for sms_id in others] == ["sent", "sent"]
    assert row(store, crashing)["status"] == "queued" and len(fake_twilio.received) == 2
    assert [r for r in caplog.records if f"SMS {crashing}: delivery attempt crashed" in r.getMessage()
            and r.exc_info]
    monkeypatch.undo()
    assert twilio_sender.deliver_due() == 1 and row(store, crashing)["status"] == "sent"
