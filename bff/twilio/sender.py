"""The outbound SMS sender and its outbox (Twilio's REST API, or nothing sent without credentials).

Every message is recorded in `outbound_sms` before anything is sent (bff/db/messages.py), then
handed to Twilio once at once; a failure leaves it queued with a backoff and the worker retries
it (`deliver_due`). Without Twilio credentials nothing is sent: messages are `kept` in the
outbox, which the sandbox console shows (`outbox()`).

Bodies are made one plain GSM-7 segment (`to_gsm_segment`), so every text costs one SMS and no
phone shows boxes. A message that carries a one-time secret (a purpose of `SECRET_PURPOSES`: sign-in,
number-change and operators' second-factor codes; or a `secret` given to `send`, e.g. a Wi-Fi claim
code) is never stored readable: while it waits for Twilio its body is sealed (bff/sealing.py,
`BFF_TOKEN_KEY`), and the UPDATE that records it sent (or failed for good) stores it masked. Only the
sandbox's outbox (`readable_outbox`: sandbox mode without Twilio, where the outbox IS the phone)
keeps such texts readable.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time

from bff.sealing import Sealer, is_sealed
from bff.twilio.gsm import SMS_SEGMENT, to_gsm_segment

logger = logging.getLogger(__name__)

# Purposes whose messages carry a one-time secret, and what of the body is the secret.
SIGN_IN_PURPOSE = "sign_in"
SECRET_PURPOSES = {SIGN_IN_PURPOSE: re.compile(r"\b\d{4,10}\b")}

QUEUED, KEPT, SENT, FAILED = "queued", "kept", "sent", "failed"
# Twilio status callbacks only move a message forward: sent -> delivered | undelivered | failed | read.
_CALLBACK_STATUSES = {"sent": [QUEUED], "delivered": [QUEUED, SENT], "undelivered": [QUEUED, SENT],
                      "failed": [QUEUED, SENT], "read": [QUEUED, SENT, "delivered"]}


UNREADABLE = "(a text with a code, sealed with a key bff no longer has)"


def mask_secrets(purpose: str, text: str | None, secret: str | None = None) -> str | None:
    """`text` with the one-time secret of a `purpose` message (and `secret`) replaced by asterisks."""
    if text is None:
        return text
    if secret:
        text = text.replace(secret, "*" * 8)
    pattern = SECRET_PURPOSES.get(purpose)
    return pattern.sub(lambda match: "*" * len(match.group()), text) if pattern else text


class SmsSender:
    """Sends SMS through Twilio when configured; otherwise keeps them in the outbox.

    `send` never raises because of Twilio: a failure is recorded and retried by `deliver_due`
    with a backoff (`BACKOFF_SECONDS`), up to `MAX_ATTEMPTS`, then the message is `failed`.
    Twilio's 4xx refusals (bad number, opted out) fail at once; 401/403/408/429/5xx and broken
    connections are retried.
    """

    MAX_ATTEMPTS = 6
    BACKOFF_SECONDS = (5, 15, 45, 135, 405)  # after attempt 1, 2, ...: about 10 minutes in all
    LEASE_SECONDS = 60.0  # one attempt's hold on a message; longer than the HTTP timeout
    HTTP_TIMEOUT = 10.0
    DUE_BATCH = 50

    def __init__(self, store, *, account_sid: str | None = None, auth_token: str | None = None,
                 from_number: str | None = None, http_client=None, status_callback: str | None = None,
                 clock=time.time, sealer: Sealer | None = None, readable_outbox: bool = False) -> None:
        self.store = store
        self.sealer = sealer or Sealer.of_this_process()
        self.readable_outbox = readable_outbox  # sandbox mode: kept texts with codes stay readable
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.from_number = from_number
        self.status_callback = status_callback
        self.configured = bool(account_sid and auth_token and from_number)
        self._http_client = http_client
        self._clock = clock
        self._local = threading.local()  # one default Twilio client per thread

    def __repr__(self) -> str:
        return f"SmsSender(configured={self.configured}, from_number={self.from_number!r})"

    # -- sending -----------------------------------------------------------------------------

    def send(self, to: str, body: str, *, purpose: str, claim_id: int | None = None,
             secret: str | None = None) -> int:
        """Record the message (queued, or kept without Twilio), try to deliver it once; its id.
        `secret`: a one-time secret in `body` beyond what its purpose masks (e.g. a claim code)."""
        now = self._clock()
        status = QUEUED if self.configured else KEPT
        stored = self._stored_body(to_gsm_segment(body), purpose, secret, status)
        sms_id = self.store.add_outbound_sms(to, stored, purpose=purpose,
                                             status=status, claim_id=claim_id, now=now)
        if self.configured:
            self._attempt_safely(sms_id, now)
        else:
            logger.info("SMS %s (%s) kept in the outbox: Twilio is not configured", sms_id, purpose)
        return sms_id

    def _stored_body(self, text: str, purpose: str, secret: str | None, status: str) -> str:
        """The text as it may be stored: plain, or sealed with its masked form when it has a secret."""
        masked = mask_secrets(purpose, text, secret)
        if masked == text or (status == KEPT and self.readable_outbox):
            return text
        return self.sealer.seal(json.dumps({"text": text, "masked": masked}))

    def _texts(self, row: dict) -> tuple[str | None, str]:
        """(the text to send, None if no key opens it; the text as kept once sent)."""
        body = row["body"]
        if not is_sealed(body):
            return body, mask_secrets(row["purpose"], body)
        opened = self.sealer.open(body)
        if opened is None:
            return None, UNREADABLE
        kept = json.loads(opened)
        return kept["text"], kept["masked"]

    def deliver_due(self, *, now: float | None = None) -> int:
        """Retry every queued message that is due; returns how many Twilio accepted."""
        if not self.configured:
            return 0
        now = self._clock() if now is None else now
        return sum(self._attempt_safely(sms_id, now)
                   for sms_id in self.store.due_outbound_sms(now=now, limit=self.DUE_BATCH))

    def _attempt_safely(self, sms_id: int, now: float) -> bool:
        try:
            return self._attempt(sms_id, now)
        except Exception:  # a bug or the database: log it, the message stays queued for later
            logger.exception("SMS %s: delivery attempt crashed", sms_id)
            return False

    def _attempt(self, sms_id: int, now: float) -> bool:
        """Hand one leased message to Twilio; record the outcome. True when Twilio took it."""
        row = self.store.lease_outbound_sms(sms_id, now=now, until=now + self.LEASE_SECONDS)
        if row is None:
            return False  # not due, or another thread or process has it right now
        text, masked = self._texts(row)
        if text is None:  # sealed under a retired key: it cannot be sent, say so
            self.store.mark_outbound_failed(sms_id, error="sealed with an unknown key", body=masked, now=now)
            return False
        try:
            message = self._twilio().messages.create(**self._create_params({**row, "body": text}))
        except Exception as exc:  # TwilioRestException, connection errors, timeouts
            self._record_failure(row, exc, now, masked)
            return False
        self.store.mark_outbound_sent(sms_id, provider_sid=message.sid, body=masked, now=self._clock())
        logger.info("SMS %s (%s) accepted by Twilio as %s", sms_id, row["purpose"], message.sid)
        return True

    def _create_params(self, row: dict) -> dict:
        params = {"to": row["to_phone"], "from_": self.from_number, "body": row["body"]}
        if self.status_callback:
            params["status_callback"] = self.status_callback
        return params

    def _record_failure(self, row: dict, exc: Exception, now: float, masked: str) -> None:
        """Queue the message again with a backoff, or give up (permanent refusal, max attempts)."""
        error = mask_secrets(row["purpose"], _describe(exc))
        if _is_permanent(exc) or row["attempts"] >= self.MAX_ATTEMPTS:
            self.store.mark_outbound_failed(row["id"], error=error, body=masked, now=now)
            logger.warning("SMS %s (%s) failed for good after %s attempt(s): %s",
                           row["id"], row["purpose"], row["attempts"], error)
            return
        delay = self.BACKOFF_SECONDS[min(row["attempts"], len(self.BACKOFF_SECONDS)) - 1]
        self.store.mark_outbound_retry(row["id"], error=error, next_attempt_at=now + delay, now=now)
        logger.warning("SMS %s (%s) not sent (attempt %s), retry in %ss: %s",
                       row["id"], row["purpose"], row["attempts"], delay, error)

    def _twilio(self):
        """The Twilio REST client (built on first use; one per thread unless one was injected)."""
        client = getattr(self._local, "client", None)
        if client is None:
            from twilio.http.http_client import TwilioHttpClient
            from twilio.rest import Client

            http_client = self._http_client or TwilioHttpClient(timeout=self.HTTP_TIMEOUT)
            client = self._local.client = Client(self.account_sid, self._auth_token,
                                                 http_client=http_client)
        return client

    # -- reading and status ------------------------------------------------------------------

    def outbox(self, *, to: str | None = None, limit: int = 50) -> list[dict]:
        """The newest messages first: id, to, body, purpose, status, created_at."""
        return [
            {"id": row["id"], "to": row["to_phone"], "body": self._texts(row)[1] if is_sealed(row["body"])
             else row["body"], "purpose": row["purpose"],
             "status": row["status"], "created_at": row["created_at"]}
            for row in self.store.outbound_messages(to_phone=to, limit=limit)
        ]

    def record_status(self, provider_sid: str, status: str) -> None:
        """A Twilio status callback: move the message forward (never back; repeats are harmless)."""
        status = (status or "").strip().lower()
        allowed_from = _CALLBACK_STATUSES.get(status)
        if not provider_sid or allowed_from is None:
            return  # queued/sending/accepted/...: nothing we track beyond "sent"
        self.store.advance_outbound_status(provider_sid, status, from_statuses=allowed_from,
                                           now=self._clock())


def _is_permanent(exc: Exception) -> bool:
    """Twilio refused this message for good (bad or opted-out number, malformed request)."""
    status = getattr(exc, "status", None)
    return isinstance(status, int) and 400 <= status < 500 and status not in (401, 403, 408, 429)


def _describe(exc: Exception) -> str:
    """An operator's one-line account of a failed attempt (never the credentials)."""
    status = getattr(exc, "status", None)
    if status is None:
        return f"{type(exc).__name__}: {exc}"
    code = getattr(exc, "code", None)
    message = getattr(exc, "msg", "") or ""
    text = f"Twilio HTTP {status}" + (f" error {code}" if code else "")
    return f"{text}: {message}" if message else text
