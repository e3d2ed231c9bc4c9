"""bff/sms/inbox.py when something breaks: a command that raises, a message the worker cannot
finish, a message that keeps failing until the inbox gives up. Each failure is logged and stays
with its own message; the other messages are answered as usual."""
from __future__ import annotations

import pytest

from bff.sms import texts
from bff.sms.inbox import LEASE_SECONDS, MAX_ATTEMPTS, SmsInbox

from tests.sms.sms_support import new_sid
from tests.support import OTHER_PHONE, PHONE
from tests.support.fake_twilio import OUR_NUMBER, SMS_APP_SETTINGS

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS)


def errors_logged(caplog, words: str) -> list:
    """The error records (with their traceback) whose message has `words`."""
    return [r for r in caplog.records if r.levelname == "ERROR" and words in r.getMessage() and r.exc_info]


def only_for(target: str, method):
    """`method`, except that it raises for `target` (its first argument)."""
    def call(first, *args, **kwargs):
        if first == target:
            raise RuntimeError("injected failure")
        return method(first, *args, **kwargs)
    return call


def only_for_device(device_id: str, request_claim):
    """`ClaimsService.request_claim`, except that it raises for one device."""
    def call(user_id, device, *args, **kwargs):
        if device == device_id:
            raise RuntimeError("injected failure")
        return request_claim(user_id, device, *args, **kwargs)
    return call


# -- the webhook: a command that raises ------------------------------------------------------------


def test_a_claim_that_raises_says_sorry_and_the_next_text_is_answered(phone, services, control, electron,
                                                                      label_code, monkeypatch, caplog):
    broken, fine = [d["id"] for d in control.demo_devices(electron["id"], online=True)[:2]]
    monkeypatch.setattr(services.claims, "request_claim",
                        only_for_device(broken, services.claims.request_claim))

    sid = new_sid()
    assert phone.text(f"CLAIM {label_code(broken)}", sid=sid).text == texts.SORRY
    row = services.store.inbound_sms(sid)
    assert (row["status"], row["reply"]) == ("replied", texts.SORRY)
    assert errors_logged(caplog, "SMS claim failed")

    assert phone.text(f"CLAIM {label_code(fine)}").text.startswith("Done:")
    assert control.device(fine)["owner"] and not control.device(broken)["owner"]


def test_a_failure_before_the_command_says_sorry_and_the_next_text_is_answered(phone, services, monkeypatch,
                                                                               caplog):
    """Outside the command (here: the rate limit's counter), the webhook still answers."""
    hit_rate_limit = services.accounts.hit_rate_limit
    monkeypatch.setattr(services.accounts, "hit_rate_limit", only_for(f"sms:phone:{PHONE}", hit_rate_limit))

    sid = new_sid()
    assert phone.text("MENU", sid=sid).text == texts.SORRY
    assert services.store.inbound_sms(sid)["status"] == "replied"
    assert errors_logged(caplog, f"SMS {sid}: answering failed")
    assert phone.text("MENU", phone=OTHER_PHONE).text == texts.MENU
    assert phone.text("MENU", sid=sid).text == texts.SORRY  # a redelivery: the same reply, not run again


# -- the worker: messages a crash left half done ----------------------------------------------------


@pytest.fixture
def inbox(services, clock) -> SmsInbox:
    """The worker's inbox (no reply deadline), on the test's clock."""
    return SmsInbox(services, deadline=0, clock=clock)


def left_by_a_crash(services, clock, body: str, phone: str) -> str:
    """A message a webhook recorded, then died on: its hold has run out."""
    sid = new_sid()
    assert services.store.claim_inbound_sms(sid, from_phone=phone, to_phone=OUR_NUMBER, body=body,
                                            lease_until=clock.now - 1, now=clock.now)
    clock.advance(0.001)  # the next one is newer (they are finished oldest first)
    return sid


def test_one_message_that_cannot_be_finished_does_not_stop_the_others(inbox, services, clock, outbox,
                                                                      monkeypatch, caplog):
    bad = left_by_a_crash(services, clock, "STATUS", OTHER_PHONE)  # the oldest: finished first
    good = left_by_a_crash(services, clock, "STATUS", PHONE)
    monkeypatch.setattr(services.accounts, "user_for_phone", only_for(OTHER_PHONE, services.accounts.user_for_phone))

    assert inbox.finish_stuck() == 1

    assert services.store.inbound_sms(good)["status"] == "done" and outbox(PHONE) == [texts.STATUS_NONE]
    row = services.store.inbound_sms(bad)
    assert row["status"] == "received" and row["attempts"] == 2 and outbox(OTHER_PHONE) == []
    assert errors_logged(caplog, f"SMS {bad}: finishing failed")
    assert inbox.finish_stuck() == 0  # held for its lease: not tried again at once
    assert services.store.inbound_sms(bad)["attempts"] == 2

    monkeypatch.undo()  # the trouble is over: after the lease it is finished
    clock.advance(LEASE_SECONDS)
    assert inbox.finish_stuck() == 1
    assert services.store.inbound_sms(bad)["status"] == "done" and outbox(OTHER_PHONE) == [texts.STATUS_NONE]
    assert outbox(PHONE) == [texts.STATUS_NONE]  # the other one once


def test_a_message_that_keeps_failing_gets_one_sorry_after_the_last_attempt(inbox, services, clock, outbox,
                                                                            monkeypatch, caplog):
    sid = left_by_a_crash(services, clock, "STATUS", PHONE)  # attempt 1 was the webhook's
    failures = []

    def always_fails(*args, **kwargs):
        failures.append(args)
        raise RuntimeError("injected failure")

    monkeypatch.setattr(services.accounts, "user_for_phone", always_fails)

    for attempt in range(2, MAX_ATTEMPTS + 1):  # the worker's take-overs, one per lease
        assert inbox.finish_stuck() == 0
        assert services.store.inbound_sms(sid)["attempts"] == attempt and outbox(PHONE) == []
        clock.advance(LEASE_SECONDS)
    assert len(failures) == MAX_ATTEMPTS - 1
    assert len(errors_logged(caplog, f"SMS {sid}: finishing failed")) == MAX_ATTEMPTS - 1

    assert inbox.finish_stuck() == 1  # past MAX_ATTEMPTS: given up, politely
    assert len(failures) == MAX_ATTEMPTS - 1  # not run again
    assert services.store.inbound_sms(sid)["status"] == "done" and outbox(PHONE) == [texts.SORRY]
    clock.advance(LEASE_SECONDS)
    assert inbox.finish_stuck() == 0 and outbox(PHONE) == [texts.SORRY]
