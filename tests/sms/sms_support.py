"""Helpers of the SMS tests: a phone that texts bff exactly as Twilio would, and TwiML reading.

`TwilioPhone.text()` builds the form Twilio posts (the shape of a real captured request), signs
it with the twilio library's own `RequestValidator.compute_signature` over BFF_PUBLIC_URL + path
and every parameter, and posts it to `/sms` with the Flask test client.
"""
from __future__ import annotations

import time
import uuid
from xml.etree import ElementTree
from dataclasses import dataclass

from twilio.request_validator import RequestValidator

from bff.twilio.gsm import GSM_BASIC

from tests.support import PHONE
from tests.support.fake_twilio import ACCOUNT_SID, OUR_NUMBER, PUBLIC_URL

GSM = frozenset(GSM_BASIC)


def new_sid() -> str:
    """A fresh MessageSid (SM + 32 hex digits, as Twilio makes them)."""
    return "SM" + uuid.uuid4().hex


def left_by_a_crash(store, body: str, phone: str) -> str:
    """A text a webhook recorded (now, real time), then died on, its hold run out: the worker's
    `SmsInbox.finish_stuck` finishes it. What the test does next comes after the message."""
    sid = new_sid()
    asked_at = time.time()
    assert store.claim_inbound_sms(sid, from_phone=phone, to_phone=OUR_NUMBER, body=body,
                                   lease_until=asked_at - 1, now=asked_at)
    time.sleep(0.01)
    return sid


def twilio_form(body: str, *, phone: str = PHONE, sid: str | None = None, **extra) -> dict:
    """The form Twilio posts for an inbound SMS."""
    sid = sid or new_sid()
    return {
        "ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
        "FromZip": "", "SmsSid": sid, "FromState": "NJ", "SmsStatus": "received", "FromCity": "",
        "Body": body, "FromCountry": "US", "To": OUR_NUMBER, "ToZip": "94105", "NumSegments": "1",
        "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": phone, "ApiVersion": "2010-04-01",
        **extra,
    }


def sign(token: str, url: str, form: dict) -> str:
    """The X-Twilio-Signature Twilio would send (computed by the twilio library)."""
    return RequestValidator(token).compute_signature(url, form)


@dataclass
class SmsReply:
    """What bff answered: HTTP status, the raw body, the <Message> texts."""

    status: int
    body: str
    messages: list[str]
    seconds: float

    @property
    def text(self) -> str:
        """The one reply text ("" when bff answered nothing)."""
        assert len(self.messages) <= 1, self.messages
        return self.messages[0] if self.messages else ""


def read_twiml(body: str) -> list[str]:
    """The texts of the <Message> elements of a TwiML <Response>."""
    root = ElementTree.fromstring(body)
    assert root.tag == "Response"
    return [(message.text or "") for message in root.findall("./Message")]


class TwilioPhone:
    """Texts bff as Twilio delivers messages: signed form posts to /sms."""

    def __init__(self, client, token: str, public_url: str = PUBLIC_URL) -> None:
        self.client = client
        self.token = token
        self.public_url = public_url

    def post(self, form: dict, *, path: str = "/sms", signature: str | None = None,
             sign_url: str | None = None, headers: dict | None = None):
        """Post `form` signed for `sign_url` (default: public URL + path) unless a signature is given."""
        if signature is None:
            signature = sign(self.token, sign_url or self.public_url + path, form)
        all_headers = {"X-Twilio-Signature": signature, **(headers or {})}
        return self.client.post(path, data=form, headers=all_headers)

    def text(self, body: str, *, phone: str = PHONE, sid: str | None = None) -> SmsReply:
        """Send one SMS; the TwiML reply (checked to be well-formed)."""
        started = time.perf_counter()
        response = self.post(twilio_form(body, phone=phone, sid=sid))
        seconds = time.perf_counter() - started
        raw = response.get_data(as_text=True)
        messages = read_twiml(raw) if response.status_code == 200 else []
        return SmsReply(response.status_code, raw, messages, seconds)


def is_one_plain_segment(text: str) -> bool:
    """At most 160 characters, all from the GSM-7 basic set (no escapes, no UCS-2)."""
    return len(text) <= 160 and all(char in GSM for char in text)
