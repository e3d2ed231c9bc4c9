"""The SMS sender: outbox without Twilio; with (a local fake) Twilio: sent, retried after outages, failed."""
from __future__ import annotations

import socket
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

    def work():
        barrier.wait()
        twilio_sender.deliver_due()

    threads = [threading.Thread(target=work) for _ in range(3)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
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
