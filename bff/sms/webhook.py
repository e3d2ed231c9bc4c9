"""The Twilio webhooks: `POST /sms` (text commands, answered with TwiML) and `POST /sms/status`.

Both check `X-Twilio-Signature` with Twilio's own `RequestValidator` against `BFF_PUBLIC_URL` +
the path (+ the query string), over every form parameter, so they work behind a proxy that
terminates https. A missing or wrong signature gets 403 and nothing is stored or done.

The signing key is `BFF_TWILIO_AUTH_TOKEN`. In sandbox mode without one, a dev token generated
once and kept in the instance folder (`twilio_dev_auth_token`) is used, so the console's phone
simulator signs its requests exactly as Twilio would: there is no bypass. Outside sandbox mode
without a token, every request is refused (fail closed).

CSRF does not apply here (the signature replaces it): this blueprint is exempt, nothing else.
The answering itself (dedupe, deadline, late results) is bff/sms/inbox.py; the commands are
bff/sms/commands.py. Twilio never gets a 429 or a 500 from `/sms`: limits and errors are
answered in the reply text.
"""
from __future__ import annotations

import logging
import threading

from flask import Blueprint, Flask, Response, current_app, request

from bff.web.login import csrf
from bff.config import instance_secret
from bff.wiring import get_services
from bff.sms.inbox import Inbound, SmsInbox
from bff.twilio.webhooks import SIGNATURE_HEADER, twiml_message, valid_signature

logger = logging.getLogger(__name__)

bp = Blueprint("sms", __name__)
csrf.exempt(bp)

DEV_TOKEN_NAME = "twilio_dev_auth_token"
_inbox_lock = threading.Lock()


@bp.post("/sms")
def webhook():
    """An inbound SMS: answer the command in TwiML (one plain segment, or nothing)."""
    if not _trusted():
        return _forbidden()
    form = request.form
    message = Inbound(
        message_sid=form.get("MessageSid") or form.get("SmsMessageSid") or "",
        from_phone=form.get("From", ""), to_phone=form.get("To"), body=form.get("Body", ""),
        idempotency_token=request.headers.get("I-Twilio-Idempotency-Token"),
    )
    if not message.message_sid:
        return twiml("")  # nothing to deduplicate on: do nothing rather than act twice
    return twiml(inbox_for(current_app._get_current_object()).answer(message))


@bp.post("/sms/status")
def status_callback():
    """Twilio's status callback for an SMS bff sent: move its record forward."""
    if not _trusted():
        return _forbidden()
    get_services().sms.record_status(request.form.get("MessageSid", ""), request.form.get("MessageStatus", ""))
    return Response(status=204)


def twiml(text: str) -> Response:
    """A TwiML reply: `<Response><Message>text</Message></Response>`, or an empty `<Response/>`."""
    return Response(twiml_message(text), mimetype="text/xml")


# -- signature -------------------------------------------------------------------------------------


def webhook_auth_token(app: Flask) -> str | None:
    """The key Twilio signs with: the configured auth token, the sandbox dev token, or None."""
    token = app.config.get("TWILIO_AUTH_TOKEN")
    if token:
        return str(token)
    if app.config.get("SANDBOX_MODE"):
        return instance_secret(app.instance_path, DEV_TOKEN_NAME)
    return None


def public_url(app: Flask, path: str, query_string: bytes = b"") -> str:
    """The URL Twilio requested: BFF_PUBLIC_URL + path (+ "?" + the query, when there is one)."""
    url = app.config["PUBLIC_URL"] + path
    return f"{url}?{query_string.decode('latin-1')}" if query_string else url


def _trusted() -> bool:
    """Whether this request carries a valid Twilio signature (and our account, when configured)."""
    token = webhook_auth_token(current_app)
    if not token:
        logger.warning("Twilio webhook refused: BFF_TWILIO_AUTH_TOKEN is not set")
        return False
    signature = request.headers.get(SIGNATURE_HEADER, "")
    url = public_url(current_app, request.path, request.query_string)
    if not valid_signature(token, url, request.form, signature):
        logger.warning("Twilio webhook refused: missing or wrong signature for %s", url)
        return False
    return _our_account(request.form.get("AccountSid"))


def _our_account(account_sid: str | None) -> bool:
    """A signed request from another Twilio account (when ours is configured) is refused too."""
    ours = current_app.config.get("TWILIO_ACCOUNT_SID")
    if ours and account_sid and account_sid != ours:
        logger.warning("Twilio webhook refused: AccountSid is not ours")
        return False
    return True


def _forbidden() -> Response:
    return Response("Forbidden: no valid Twilio signature.\n", status=403, mimetype="text/plain")


# -- the inbox of this app ---------------------------------------------------------------------------


def inbox_for(app: Flask) -> SmsInbox:
    """The app's SmsInbox (built on first use, with its reply deadline and thread pool)."""
    with _inbox_lock:
        inbox = app.extensions.get("bff_sms_inbox")
        if inbox is None:
            inbox = app.extensions["bff_sms_inbox"] = SmsInbox(
                get_services(app), deadline=app.config["SMS_REPLY_DEADLINE"],
                threads=app.config["SMS_THREADS"], app=app)
    return inbox
