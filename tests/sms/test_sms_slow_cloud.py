"""A slow cloud never keeps Twilio waiting: the reply comes at once, the result follows by SMS.

The sandbox's latency fault makes the claim call (`POST /v1/devices`) hang for a few seconds;
the app's reply deadline is the default 0.25 s. Also: the worker finishes messages a crash
left half done, exactly once; and a late result goes out through the real twilio client (to a
local fake of Twilio's REST API) and its status callback updates the record.
"""
from __future__ import annotations

import time

import pytest

from bff.sms import texts
from bff.wiring import get_services
from bff.sms.webhook import inbox_for, webhook_auth_token
from bff.twilio.sender import SmsSender
from bff.worker import Worker

from tests.sms.sms_support import TwilioPhone, new_sid
from tests.support import PHONE
from tests.support.fake_twilio import (
    ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, PUBLIC_URL, SMS_APP_SETTINGS, LocalTwilioHttpClient,
)
from tests.support.polling import wait_for

pytestmark = pytest.mark.app_settings(**SMS_APP_SETTINGS)

HANG = 3.0  # seconds the cloud takes to answer the claim


@pytest.fixture
def slow_app(app_factory):
    app = app_factory(SMS_REPLY_DEADLINE=0.25)
    return app


@pytest.fixture
def slow_services(slow_app):
    return get_services(slow_app)


@pytest.fixture
def slow_phone(slow_app):
    return TwilioPhone(slow_app.test_client(), webhook_auth_token(slow_app))


@pytest.fixture
def hanging_claims(control):
    """The next claim request hangs for HANG seconds (then succeeds)."""
    return lambda: control.add_fault(path="/v1/devices*", method="POST", latency=HANG, times=1)


def outbox_of(services, phone=PHONE) -> list[str]:
    return [m["body"] for m in reversed(services.sms.outbox(to=phone))]


def test_the_default_deadline_is_short(tmp_path):
    from bff import create_app

    app = create_app({"TESTING": True}, instance_path=str(tmp_path / "instance"))
    assert app.config["SMS_REPLY_DEADLINE"] == 0.25


def test_slow_claim_replies_at_once_and_the_result_follows(slow_phone, slow_services, control, online_device,
                                                           hanging_claims):
    code = slow_services.devices.find(online_device).label_code
    name = control.device(online_device)["name"]
    hanging_claims()
    reply = slow_phone.text(f"CLAIM {code}")
    assert reply.text == texts.WORKING
    assert reply.seconds < HANG - 1  # did not wait for the cloud
    assert outbox_of(slow_services) == []  # the result is not known yet
    result = wait_for(lambda: outbox_of(slow_services), timeout=HANG + 10)
    assert result == [texts.CLAIMED.format(device=name)]
    assert control.device(online_device)["owner"]
    rows = slow_services.store.inbound_messages(from_phone=PHONE)
    assert (rows[0]["status"], rows[0]["reply"], rows[0]["result"]) == ("done", texts.WORKING, result[0])
    message = slow_services.sms.outbox(to=PHONE)[0]
    assert message["purpose"] == "sms_reply"


def test_a_redelivery_while_working_gets_the_same_reply_and_acts_once(slow_app, slow_phone, slow_services, control,
                                                                     online_device, hanging_claims):
    code = slow_services.devices.find(online_device).label_code
    hanging_claims()
    sid = new_sid()
    first = slow_phone.text(f"CLAIM {code}", sid=sid)
    again = slow_phone.text(f"CLAIM {code}", sid=sid)
    assert again.body == first.body and first.text == texts.WORKING
    wait_for(lambda: outbox_of(slow_services), timeout=HANG + 10)
    after = slow_phone.text(f"CLAIM {code}", sid=sid)
    assert after.body == first.body
    inbox_for(slow_app).close(wait=True)  # every piece of SMS work has ended: nothing more can come
    assert len(outbox_of(slow_services)) == 1
    user_id = slow_services.store.user_by_phone(PHONE)["id"]
    assert len(slow_services.claims.claims_of(user_id)) == 1
    assert len(control.requests(path="/v1/devices", method="POST")) == 1


def test_commands_without_cloud_work_answer_even_when_the_cloud_hangs(slow_phone, slow_services, control,
                                                                     online_device):
    code = slow_services.devices.find(online_device).label_code
    control.add_fault(path="*", latency=HANG)  # every cloud call hangs
    for body, expected in (("STATUS", texts.STATUS_NONE), ("MENU", texts.MENU),
                           (f"CLAIM {code[:-1]}", "A box code has 12 letters")):
        reply = slow_phone.text(body)
        assert reply.text.startswith(expected) and reply.seconds < HANG - 1
    control.clear_faults()


def test_a_fast_cloud_answers_in_the_reply(app, phone, services, control, online_device):
    """With a cloud that answers within the deadline the result is in the reply itself: no second
    SMS. (The deadline is this module's generous one, so a busy machine cannot make it "working
    on it"; the short default is for the slow cloud above.)"""
    code = services.devices.find(online_device).label_code
    name = control.device(online_device)["name"]
    reply = phone.text(f"CLAIM {code}")
    assert reply.text == texts.CLAIMED.format(device=name)
    assert control.device(online_device)["owner"]
    inbox_for(app).close(wait=True)  # every piece of SMS work has ended
    assert outbox_of(services) == []
    row = services.store.inbound_messages(from_phone=PHONE)[0]
    assert (row["status"], row["reply"], row["result"]) == ("replied", reply.text, None)


def test_an_offline_device_behind_a_slow_cloud(slow_phone, slow_services, control, offline_device,
                                               hanging_claims, electron):
    code = slow_services.devices.find(offline_device).label_code
    name = control.device(offline_device)["name"]
    hanging_claims()
    assert slow_phone.text(f"CLAIM {code}").text == texts.WORKING
    later = wait_for(lambda: outbox_of(slow_services), timeout=HANG + 10)
    assert later == [texts.WAITING.format(device=name)]
    control.power(offline_device, True)
    slow_services.claims.device_online(electron["slug"], offline_device)
    assert outbox_of(slow_services)[-1].startswith("Good news:")


# -- a crash: the worker finishes the message, once ---------------------------------------------------


def _left_by_a_crash(services, body: str, *, working: bool = False, attempts: int = 1) -> str:
    """A message recorded by a webhook that died before it answered (its hold ran out)."""
    sid = new_sid()
    services.store.claim_inbound_sms(sid, from_phone=PHONE, to_phone=OUR_NUMBER, body=body,
                                     lease_until=time.time() - 1)
    if working:
        services.store.mark_inbound_working(sid, texts.WORKING)
    if attempts > 1:
        services.store.db.execute("UPDATE inbound_sms SET attempts = ? WHERE message_sid = ?", [attempts, sid])
    return sid


@pytest.mark.parametrize("working", [False, True])
def test_the_worker_finishes_a_message_left_by_a_crash(services, control, online_device, label_code, working):
    code = label_code(online_device)
    sid = _left_by_a_crash(services, f"CLAIM {code}", working=working)
    worker = Worker(services)
    worker.tick()
    name = control.device(online_device)["name"]
    assert outbox_of(services) == [texts.CLAIMED.format(device=name)]
    assert services.store.inbound_sms(sid)["status"] == "done"
    worker.tick()
    assert len(outbox_of(services)) == 1  # finished once


def test_the_worker_leaves_messages_that_are_still_held(services, online_device, label_code):
    sid = new_sid()
    services.store.claim_inbound_sms(sid, from_phone=PHONE, to_phone=OUR_NUMBER,
                                     body=f"CLAIM {label_code(online_device)}", lease_until=time.time() + 60)
    assert Worker(services).sms_inbox.finish_stuck() == 0
    assert outbox_of(services) == [] and services.store.inbound_sms(sid)["status"] == "received"


def test_the_worker_gives_up_politely(services):
    sid = _left_by_a_crash(services, "STATUS", attempts=3)
    assert Worker(services).sms_inbox.finish_stuck() == 1
    assert outbox_of(services) == [texts.SORRY]
    assert services.store.inbound_sms(sid)["status"] == "done"


def test_a_stuck_keyword_is_finished_without_a_text(services):
    sid = _left_by_a_crash(services, "STOP")
    assert Worker(services).sms_inbox.finish_stuck() == 1
    assert outbox_of(services) == [] and services.store.inbound_sms(sid)["status"] == "done"


def test_only_the_first_finisher_texts(services, app):
    from bff.sms.webhook import inbox_for
    from bff.sms.commands import Reply

    sid = _left_by_a_crash(services, "STATUS", working=True)
    inbox = inbox_for(app)
    assert inbox._send_result(sid, PHONE, Reply("first")) is True
    assert inbox._send_result(sid, PHONE, Reply("second")) is False
    assert outbox_of(services) == ["first"]


# -- through Twilio's REST API (a local fake), then its status callback --------------------------------


def test_a_late_result_goes_through_twilio_and_its_status_callback_lands(app_factory, control, online_device,
                                                                         hanging_claims, fake_twilio):
    app = app_factory(SMS_REPLY_DEADLINE=0.25, TWILIO_FROM=OUR_NUMBER)
    services = get_services(app)
    phone = TwilioPhone(app.test_client(), AUTH_TOKEN)
    sender = SmsSender(services.store, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=OUR_NUMBER,
                       http_client=LocalTwilioHttpClient(fake_twilio.base_url),
                       status_callback=PUBLIC_URL + "/sms/status")
    services.sms = services.claims.sms = sender
    code = services.devices.find(online_device).label_code
    hanging_claims()
    assert phone.text(f"CLAIM {code}").text == texts.WORKING
    sent = wait_for(lambda: fake_twilio.received, timeout=HANG + 10)
    name = control.device(online_device)["name"]
    assert [(m["To"], m["From"], m["Body"]) for m in sent] == [(PHONE, OUR_NUMBER, texts.CLAIMED.format(device=name))]
    assert sent[0]["StatusCallback"] == PUBLIC_URL + "/sms/status"
    # Twilio has the message before bff marks it sent: wait for bff's record, not the fake's
    record = wait_for(lambda: next((m for m in services.sms.outbox(to=PHONE) if m["status"] == "sent"), None),
                      timeout=10)
    assert record is not None and record["status"] == "sent"
    message_sid = services.store.outbound_sms(record["id"])["provider_sid"]  # what Twilio answered
    form = {"MessageSid": message_sid, "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID}
    assert phone.post(form, path="/sms/status").status_code == 204
    assert services.sms.outbox(to=PHONE)[0]["status"] == "delivered"
