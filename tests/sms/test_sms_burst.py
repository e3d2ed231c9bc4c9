"""SMS under a burst with the cloud hanging (issue 14, item 2): bounded work, a breaker, nothing lost.

- A CLAIM text stores its claim before its cloud work is queued, so STATUS lists it while it waits
  ("Working on adding: ...") and the worker's retry finishes it after a crash.
- The work pool has bounded room: a text that finds it full is answered "working on it" at once
  and left to the worker, which claims the device and texts the result, once.
- The breaker (bff/claims/cloud_wait.py): after waits in a row ran out the deadline, texts are
  answered at once without waiting; after the cool-down one text tries again, and once the cloud
  answers in time, texts get their real answer again.
"""
from __future__ import annotations

import time

import pytest

from bff.claims.cloud_wait import CloudWait
from bff.sms import texts
from bff.sms.webhook import inbox_for, webhook_auth_token
from bff.wiring import get_services
from bff.worker import Worker

from tests.sms.sms_support import TwilioPhone, new_sid
from tests.support import OTHER_PHONE, PHONE
from tests.support.fake_twilio import SMS_APP_SETTINGS
from tests.support.polling import wait_for

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS)

HANG = 3.0  # seconds a hanging claim call takes
DEADLINE = 1.0  # the reply deadline here: long enough that "at once" is told apart on a busy machine
AT_ONCE = DEADLINE / 2
CLAIM_CALL = {"path": "/v1/devices", "method": "POST"}


@pytest.fixture
def burst_app(app_factory):
    """One SMS thread (room for 2 jobs: one running, one waiting for the thread), a 1 s deadline."""
    return app_factory(SMS_REPLY_DEADLINE=DEADLINE, SMS_THREADS=1)


@pytest.fixture
def burst_services(burst_app):
    return get_services(burst_app)


@pytest.fixture
def burst_phone(burst_app):
    return TwilioPhone(burst_app.test_client(), webhook_auth_token(burst_app))


@pytest.fixture
def three(new_devices, burst_services, control):
    """Three online devices bff knows: (device ID, label code, name) each."""
    return [(device, burst_services.devices.find(device).label_code, burst_services.devices.short_name(device))
            for device in new_devices(3)]


def outbox_of(services, phone=PHONE) -> list[str]:
    return [m["body"] for m in reversed(services.sms.outbox(to=phone))]


def claims_of(services, phone=PHONE):
    return services.claims.claims_of(services.store.user_by_phone(phone)["id"])


# -- a saturated pool: STATUS lists every text, the worker finishes what had no room -----------------


def test_status_lists_claim_texts_still_queued_and_the_worker_finishes_the_one_without_room(
        burst_app, burst_phone, burst_services, control, three):
    (a, code_a, name_a), (b, code_b, name_b), (c, code_c, name_c) = three
    control.add_fault(path="/v1/devices*", method="POST", latency=HANG, times=1)  # A's claim call hangs

    first = burst_phone.text(f"CLAIM {code_a}")  # the one thread: hangs in the cloud
    second = burst_phone.text(f"CLAIM {code_b}")  # waits for the thread (the pool's room)
    third = burst_phone.text(f"CLAIM {code_c}")  # no room: answered at once, left to the worker
    assert [first.text, second.text, third.text] == [texts.WORKING] * 3
    assert third.seconds < AT_ONCE  # did not wait for the deadline

    status = burst_phone.text("STATUS").text  # every text is a stored claim, listed while it waits
    assert status == f"Working on adding: {name_c}, {name_b}, {name_a}."  # the newest first
    assert [claim.state for claim in claims_of(burst_services)] == ["requested"] * 3
    third_row = burst_services.store.inbound_messages(from_phone=PHONE)[1]
    assert (third_row["status"], third_row["reply"]) == ("working", texts.WORKING)
    assert third_row["leased_until"] <= time.time()  # the worker may take it at once

    Worker(burst_services).tick()  # claims B and C (A is held by its attempt), texts C's result
    assert outbox_of(burst_services) == [texts.CLAIMED.format(device=name_c)]
    assert burst_services.store.inbound_messages(from_phone=PHONE)[1]["status"] == "done"

    results = wait_for(lambda: (lambda sent: sent if len(sent) == 3 else None)(outbox_of(burst_services)),
                       timeout=HANG + 10)  # A when its call returns, then B (claimed by the worker)
    assert sorted(results) == sorted(texts.CLAIMED.format(device=name) for name in (name_a, name_b, name_c))
    inbox_for(burst_app).close(wait=True)
    Worker(burst_services).tick()
    assert len(outbox_of(burst_services)) == 3  # each result once
    assert all(control.device(device)["owner"] for device in (a, b, c))
    assert [claim.state for claim in claims_of(burst_services)] == ["claimed"] * 3
    assert len(control.requests(**CLAIM_CALL)) == 3  # each device claimed in the cloud once
    assert burst_phone.text("STATUS").text.startswith("Your devices: ")


def test_queued_texts_survive_a_crash_through_the_worker(burst_app, burst_phone, burst_services, control, three):
    """The process dies with a text waiting for a thread: its claim is stored, so STATUS shows it,
    the worker's retry claims the device, and the message's result goes out once its hold ends."""
    (a, code_a, name_a), (b, code_b, name_b), _ = three
    control.add_fault(path="/v1/devices*", method="POST", latency=HANG, times=1)
    first = new_sid()
    assert burst_phone.text(f"CLAIM {code_a}", sid=first).text == texts.WORKING
    sid = new_sid()
    assert burst_phone.text(f"CLAIM {code_b}", sid=sid).text == texts.WORKING
    inbox_for(burst_app).close(cancel=True)  # "the crash": the waiting job is dropped, not run

    assert name_b in burst_phone.text("STATUS").text
    worker = Worker(burst_services)
    assert burst_services.claims.retry_due() == 1  # B (A is held by its running attempt)
    assert control.device(b)["owner"]
    burst_services.store.db.execute("UPDATE inbound_sms SET leased_until = ? WHERE message_sid = ?",
                                    [time.time() - 1, sid])  # its hold ran out
    worker.tick()
    assert texts.CLAIMED.format(device=name_b) in outbox_of(burst_services)
    assert burst_services.store.inbound_sms(sid)["status"] == "done"
    wait_for(lambda: texts.CLAIMED.format(device=name_a) in outbox_of(burst_services), timeout=HANG + 10)
    assert control.device(a)["owner"] and burst_services.store.inbound_sms(first)["status"] == "done"


def test_a_claim_left_to_the_worker_is_tried_once_and_its_end_texted_once(burst_app, burst_phone, burst_services,
                                                                         control, three, monkeypatch):
    """Left to the worker: its retry refuses the claim (someone else's device); the message then
    reports that claim, and does not make and try a second one."""
    (device, code, _), _, _ = three
    other = burst_services.accounts.user_for_phone(OTHER_PHONE)
    burst_services.claims.request_claim(other.id, device, channel="web", label_code=code)
    assert control.device(device)["owner"]
    control.clear_requests()
    monkeypatch.setattr(inbox_for(burst_app).pool, "try_submit", lambda *args: None)  # no room

    assert burst_phone.text(f"CLAIM {code}").text == texts.WORKING
    Worker(burst_services).tick()
    Worker(burst_services).tick()
    [claim] = claims_of(burst_services)
    assert claim.state == "refused"
    assert len(control.requests(**CLAIM_CALL)) == 1
    [result] = outbox_of(burst_services)
    assert result.startswith("This device is on someone else's account. Text ASK")


def test_trouble_then_success_texts_the_wait_then_the_end_once(burst_app, burst_phone, burst_services, control,
                                                               three, monkeypatch):
    """The worker's first try meets cloud trouble: the message's result says we keep trying; the
    claims service texts the end when a later try succeeds, and nobody texts it twice."""
    (device, code, name), _, _ = three
    monkeypatch.setattr(inbox_for(burst_app).pool, "try_submit", lambda *args: None)
    control.add_fault(path="/v1/devices*", method="POST", status=503, times=1)
    assert burst_phone.text(f"CLAIM {code}").text == texts.WORKING
    Worker(burst_services).tick()
    assert outbox_of(burst_services) == [texts.TRYING.format(device=name)]

    [claim] = claims_of(burst_services)
    burst_services.store.db.execute("UPDATE claims SET next_attempt_at = 0 WHERE id = ?", [claim.id])  # due now
    Worker(burst_services).tick()
    Worker(burst_services).tick()
    sent = outbox_of(burst_services)
    assert sent[0] == texts.TRYING.format(device=name) and len(sent) == 2
    assert sent[1].startswith("Good news:") and name in sent[1]
    assert control.device(device)["owner"]


# -- the breaker --------------------------------------------------------------------------------------


@pytest.fixture
def breaker_app(app_factory):
    return app_factory(SMS_REPLY_DEADLINE=DEADLINE)


def test_the_breaker_opens_under_a_hanging_cloud_answers_at_once_and_closes_after_recovery(
        breaker_app, control, new_devices):
    services = get_services(breaker_app)
    phone = TwilioPhone(breaker_app.test_client(), webhook_auth_token(breaker_app))
    breaker = inbox_for(breaker_app).cloud_wait = CloudWait(trip_after=2, cool_down=1.0)
    devices = new_devices(6)
    codes = [services.devices.find(device).label_code for device in devices]
    names = [services.devices.short_name(device) for device in devices]
    control.add_fault(path="/v1/devices*", method="POST", latency=HANG)  # every claim call hangs

    slow = [phone.text(f"CLAIM {code}") for code in codes[:2]]  # each waits out the deadline
    assert [r.text for r in slow] == [texts.WORKING] * 2 and all(r.seconds >= DEADLINE for r in slow)
    assert breaker.state == "open"
    fast = phone.text(f"CLAIM {codes[2]}")  # the cloud is known slow: no wait
    assert fast.text == texts.WORKING and fast.seconds < AT_ONCE
    assert phone.text("STATUS").text == f"Working on adding: {names[2]}, {names[1]}, {names[0]}."

    wait_for(lambda: breaker.state == "half-open", timeout=5)
    probe = phone.text(f"CLAIM {codes[3]}")  # one text tries again: still hanging, open again
    assert probe.text == texts.WORKING and probe.seconds >= DEADLINE and breaker.state == "open"

    control.clear_faults()  # the cloud recovers
    wait_for(lambda: breaker.state == "half-open", timeout=5)
    assert phone.text(f"CLAIM {codes[4]}").text == texts.CLAIMED.format(device=names[4])  # the probe: in time
    assert breaker.state == "closed"
    assert phone.text(f"CLAIM {codes[5]}").text == texts.CLAIMED.format(device=names[5])

    results = wait_for(lambda: (lambda sent: sent if len(sent) == 4 else None)(outbox_of(services)),
                       timeout=HANG + 10)  # the four answered "working on it", each once
    assert sorted(results) == sorted(texts.CLAIMED.format(device=name) for name in names[:4])
    inbox_for(breaker_app).close(wait=True)
    assert len(outbox_of(services)) == 4
    assert all(control.device(device)["owner"] for device in devices)


def test_a_healthy_cloud_keeps_the_breaker_closed(breaker_app, control, new_devices):
    services = get_services(breaker_app)
    phone = TwilioPhone(breaker_app.test_client(), webhook_auth_token(breaker_app))
    breaker = inbox_for(breaker_app).cloud_wait = CloudWait(trip_after=1, cool_down=60)
    for device in new_devices(3):
        code, name = services.devices.find(device).label_code, services.devices.short_name(device)
        assert phone.text(f"CLAIM {code}").text == texts.CLAIMED.format(device=name)
    assert breaker.state == "closed"
    assert outbox_of(services) == []


def test_a_repeated_claim_text_of_my_device_is_answered_at_once(burst_phone, burst_services, control, three):
    """Already mine: answered from bff's records, even with the cloud hanging."""
    (device, code, name), _, _ = three
    assert burst_phone.text(f"CLAIM {code}").text == texts.CLAIMED.format(device=name)
    control.add_fault(path="*", latency=HANG)
    again = burst_phone.text(f"CLAIM {code}")
    assert again.text == texts.ALREADY_YOURS.format(device=name) and again.seconds < AT_ONCE
    control.clear_faults()


def test_texts_without_room_teach_the_breaker_nothing(burst_app, burst_phone, burst_services, three, monkeypatch):
    """No thread free says nothing about the cloud: the breaker stays closed."""
    inbox = inbox_for(burst_app)
    monkeypatch.setattr(inbox.pool, "try_submit", lambda *args: None)
    for _, code, _ in three:
        reply = burst_phone.text(f"CLAIM {code}")
        assert reply.text == texts.WORKING and reply.seconds < AT_ONCE
    assert inbox.cloud_wait.state == "closed"
    assert inbox.cloud_wait.waiting == 0  # each begun wait was given back, none left to count as stalled
    assert [claim.state for claim in claims_of(burst_services)] == ["requested"] * 3
