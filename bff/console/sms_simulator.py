"""The sandbox console's phone-SMS simulator: text bff as a chosen phone, exactly as Twilio would.

`text_as_phone` builds the form Twilio posts for an inbound SMS, signs it with the webhook's
key (`BFF_TWILIO_AUTH_TOKEN`, or the sandbox dev token) over BFF_PUBLIC_URL + "/sms" with the
twilio library (bff/twilio/webhooks.py), and posts it to our own `/sms` through the app's test
client. So the message takes the real path: signature check, dedupe, commands, TwiML. Nothing
here skips a check. `conversation` is what that phone sees: its texts, bff's replies, and the
later texts bff sent it, oldest first.
"""
from __future__ import annotations

import uuid
from xml.etree import ElementTree
from dataclasses import dataclass

from flask import Flask

from bff.accounts.phones import e164_or_normalized
from bff.sms.webhook import public_url, webhook_auth_token
from bff.twilio.webhooks import SIGNATURE_HEADER, signature

SANDBOX_ACCOUNT_SID = "AC" + "0" * 32  # used when no Twilio account is configured
SANDBOX_NUMBER = "+15005550006"  # Twilio's magic test number: our number when none is configured
DEFAULT_PHONE = "+12015550123"
BODY_LIMIT = 1600  # Twilio's longest inbound message


@dataclass(frozen=True)
class SimulatedReply:
    """What came back from /sms: the HTTP status and the reply text ("" for none)."""

    status: int
    text: str


def phone_number(accounts, typed: str) -> str:
    """The phone as E.164; fictional numbers like +12015550123 are kept as typed. Raises InvalidPhoneNumber."""
    return e164_or_normalized(typed)


def twilio_form(app: Flask, phone: str, body: str) -> dict:
    """The parameters Twilio posts for an inbound SMS from `phone`."""
    sid = "SM" + uuid.uuid4().hex
    return {
        "ToCountry": "US", "SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid, "SmsStatus": "received",
        "Body": body[:BODY_LIMIT], "To": app.config.get("TWILIO_FROM") or SANDBOX_NUMBER, "NumSegments": "1",
        "MessageSid": sid, "AccountSid": app.config.get("TWILIO_ACCOUNT_SID") or SANDBOX_ACCOUNT_SID,
        "From": phone, "FromCountry": "US", "ApiVersion": "2010-04-01",
    }


def text_as_phone(app: Flask, phone: str, body: str) -> SimulatedReply:
    """Post a signed inbound SMS to /sms, as Twilio would; bff's reply."""
    token = webhook_auth_token(app)
    if not token:  # only outside sandbox mode without BFF_TWILIO_AUTH_TOKEN (no console there)
        raise RuntimeError("no Twilio auth token to sign with")
    form = twilio_form(app, phone, body)
    signed = signature(token, public_url(app, "/sms"), form)
    with app.app_context():  # a fresh context: nothing of the console's request leaks in
        response = app.test_client().post("/sms", data=form, headers={SIGNATURE_HEADER: signed})
    return SimulatedReply(response.status_code, _reply_text(response))


def _reply_text(response) -> str:
    if response.status_code != 200:
        return ""
    root = ElementTree.fromstring(response.get_data(as_text=True))
    return " ".join(message.text or "" for message in root.findall("./Message"))


def conversation(store, phone: str, *, limit: int = 30, reveal=lambda text: text) -> list[dict]:
    """What the phone sees, oldest first: {"who": "phone"|"bff", "text", "at", "note"}; `reveal`
    opens replies kept sealed (a claim code: `services.sealer.reveal`)."""
    entries = []
    for row in store.inbound_messages(from_phone=phone, limit=limit):
        entries.append({"who": "phone", "text": row["body"], "at": row["created_at"], "note": ""})
        if row["reply"]:
            entries.append({"who": "bff", "text": reveal(row["reply"]) or "", "at": row["replied_at"] or row["created_at"],
                            "note": "reply"})
    for row in store.outbound_messages(to_phone=phone, limit=limit):
        entries.append({"who": "bff", "text": row["body"], "at": row["created_at"],
                        "note": f"text, {row['purpose']}"})
    entries.sort(key=lambda entry: entry["at"] or 0)
    return entries[-limit:]
