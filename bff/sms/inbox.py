"""Answering one inbound SMS: once per MessageSid, within a short deadline, the result later if slow.

The steps for a message whose signature bff/sms/webhook.py has already checked:

1. Claim-first INSERT of its `MessageSid` (bff/db/messages.py). A message seen before is not
   acted on again: it gets the reply it got the first time (nothing while that first delivery
   is still being answered).
2. The sender's `From` number is their user (a new number becomes a new customer); per-phone
   rate limits are applied in the reply text (Twilio never gets a 429).
3. The command is parsed and prepared (SQLite only, bff/sms/commands.py). Cloud work runs on
   a small thread pool; the request waits for it at most `deadline` seconds
   (`SMS_REPLY_DEADLINE`). In time: the reply carries the result. Too slow: the reply says
   "working on it" and the result follows as an outbound SMS (recorded first, then sent) the
   moment the work ends.
4. A crash can leave a message half done. Each message is held (`leased_until`) by whoever
   works on it; the worker takes over messages whose hold ran out,
   runs them again (claims are idempotent) and texts the result (`SmsInbox.finish_stuck`,
   a job of bff/worker.py's tick). Only the first one to
   finish a message texts its result (an atomic UPDATE decides), so nothing goes out twice.

A reply or result that carries a secret (`Reply.secret`: a Wi-Fi claim code) is stored sealed
(bff/sealing.py, `BFF_TOKEN_KEY`): a redelivery opens it and gets the very same reply.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass

from bff import errors
from bff.sealing import Sealer
from bff.sms import texts
from bff.sms.commands import REPLY_PURPOSE, Later, Reply, Sender, prepare
from bff.sms.parse import SILENT, parse_command
from bff.twilio.gsm import to_gsm_segment

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120.0  # longer than a command's cloud calls with their time-outs
MAX_ATTEMPTS = 3  # runs of one message (first answer + worker take-overs) before we give up
# (messages, window seconds) per phone; operators (field crews) get more.
PHONE_LIMITS = ((20, 600), (200, 86400))
OPERATOR_LIMITS = ((200, 600), (2000, 86400))
LIMIT_NOTICE_WINDOW = 600  # an over-limit phone is told once per window, then gets no reply


@dataclass(frozen=True)
class Inbound:
    """The parts of Twilio's webhook request bff uses."""

    message_sid: str
    from_phone: str
    to_phone: str | None
    body: str
    idempotency_token: str | None = None


class _Handoff:
    """Who reports the result of cloud work: the waiting request (in time) or the work (late)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.reply: Reply | None = None
        self.late = False


class SmsInbox:
    """Answers inbound SMS over the services (store, accounts, claims, sms, particle, setup)."""

    def __init__(self, services, *, deadline: float, threads: int = 4, app=None,
                 clock=time.time) -> None:
        self.services = services
        self.store = services.store
        self.sealer = getattr(services, "sealer", None) or Sealer.of_this_process()
        self.deadline = max(0.0, float(deadline))
        self.threads = max(1, int(threads))
        self.app = app  # work on the pool runs in this app's context (if given)
        self.clock = clock
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # -- the webhook ----------------------------------------------------------------------------

    def answer(self, message: Inbound) -> str:
        """The reply text for a message ("" for none). Never raises."""
        try:
            if not self.store.claim_inbound_sms(
                    message.message_sid, from_phone=message.from_phone, to_phone=message.to_phone,
                    body=message.body, idempotency_token=message.idempotency_token,
                    lease_until=self.clock() + LEASE_SECONDS, now=self.clock()):
                return self._replay(message.message_sid)
        except Exception:
            logger.exception("SMS %s: could not record the message", message.message_sid)
            return texts.SORRY
        return self._answer_new(message)

    def _replay(self, message_sid: str) -> str:
        """A redelivered message: the reply it got before ("" while the first is being answered)."""
        row = self.store.inbound_sms(message_sid) or {}
        logger.info("SMS %s redelivered (status %s): same reply", message_sid, row.get("status"))
        return self.sealer.reveal(row.get("reply")) or ""

    def _answer_new(self, message: Inbound) -> str:
        sid = message.message_sid
        try:
            step = self._first_step(message)
            if isinstance(step, Later):
                return self._run_with_deadline(sid, step, message.from_phone)
            return self._reply_now(sid, step.text, secret=step.secret)
        except Exception:  # the database, a bug: say sorry, never a server error
            logger.exception("SMS %s: answering failed", sid)
            return self._reply_now(sid, texts.SORRY, quiet=True)

    def _first_step(self, message: Inbound) -> Reply | Later:
        """Parse, identify the sender, apply the rate limit, prepare the command."""
        command = parse_command(message.body)
        if command.verb == SILENT:
            self.store.set_inbound_command(message.message_sid, user_id=None, command=command.verb)
            return Reply("")
        sender = self._sender(message.from_phone)
        if sender is None:
            return Reply("")  # not a phone number we can answer (e.g. a short code)
        self.store.set_inbound_command(message.message_sid, user_id=sender.user.id, command=command.verb)
        limited = self._rate_limited(sender)
        if limited is not None:
            return limited
        return prepare(sender, command)

    def _sender(self, phone: str) -> Sender | None:
        try:
            user = self.services.accounts.user_for_phone(phone)
        except errors.InvalidPhoneNumber:
            logger.info("SMS from an unusable number ignored")
            return None
        return Sender(self.services, user, user.phone or phone)

    def _rate_limited(self, sender: Sender) -> Reply | None:
        """None when the phone may go on; else the notice (once per window) or no reply."""
        hit = self.services.accounts.hit_rate_limit
        limits = OPERATOR_LIMITS if sender.operator else PHONE_LIMITS
        key = f"sms:phone:{sender.phone}"
        over = [hit(key, limit=limit, window_seconds=window) for limit, window in limits]  # count each
        if not any(over):
            return None
        told = hit(f"sms:phone-told:{sender.phone}", limit=1, window_seconds=LIMIT_NOTICE_WINDOW)
        return Reply("" if told else texts.TOO_MANY_TEXTS)

    def _reply_now(self, sid: str, text: str, *, quiet: bool = False, secret: str | None = None) -> str:
        """Record the reply (sealed when it carries a secret) and return it, made one plain segment."""
        reply = to_gsm_segment(text) if text else ""
        try:
            self.store.mark_inbound_replied(sid, self._kept(reply, secret), now=self.clock())
        except Exception:
            if not quiet:
                raise
            logger.exception("SMS %s: could not record the reply", sid)
        return reply

    # -- cloud work under a deadline ------------------------------------------------------------

    def _run_with_deadline(self, sid: str, later: Later, phone: str) -> str:
        handoff = _Handoff()
        self._pool_executor().submit(self._work, sid, later, phone, handoff)
        handoff.done.wait(self.deadline)
        with handoff.lock:  # the work cannot finish between the check and the promise
            if handoff.done.is_set():
                return self._reply_now(sid, handoff.reply.text, secret=handoff.reply.secret)
            self.store.mark_inbound_working(sid, texts.WORKING, now=self.clock())
            handoff.late = True
        logger.info("SMS %s: %s still running after %.2fs; the result follows by SMS", sid, later.what,
                    self.deadline)
        return texts.WORKING

    def _work(self, sid: str, later: Later, phone: str, handoff: _Handoff) -> None:
        """On the pool: run the cloud work; if the request stopped waiting, text the result."""
        try:
            with self.app.app_context() if self.app is not None else nullcontext():
                reply = later.run()
        except Exception:  # outside the command itself (the app context): still hand back
            logger.exception("SMS %s: %s could not run", sid, later.what)
            reply = Reply(texts.SORRY)
        with handoff.lock:
            handoff.reply = reply
            handoff.done.set()
            late = handoff.late
        if late:
            try:
                self._send_result(sid, phone, reply)
            except Exception:  # the worker finishes the message when its lease runs out
                logger.exception("SMS %s: the late result could not be recorded", sid)

    def _send_result(self, sid: str, phone: str, reply: Reply) -> bool:
        """Text a late result, if nobody has finished this message yet (recorded first)."""
        text = to_gsm_segment(reply.text) if reply.text else ""
        if not self.store.finish_inbound(sid, self._kept(text, reply.secret), now=self.clock()):
            return False  # someone else finished it
        if text:
            secret = {"secret": reply.secret} if reply.secret else {}
            self.services.sms.send(phone, text, purpose=REPLY_PURPOSE, claim_id=reply.claim_id, **secret)
        return True

    def _kept(self, text: str, secret: str | None) -> str:
        """A reply as it is stored: sealed when it carries a secret."""
        return self.sealer.seal(text) if secret and text else text

    def _pool_executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="bff-sms")
            return self._pool

    def close(self, *, wait: bool = False, cancel: bool = False) -> None:
        """Stop taking work; running work finishes (`wait`: block until it has). `cancel` drops
        queued work (its messages stay `working`; the worker finishes them after their lease)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=cancel)

    # -- the worker: messages a crash left half done ----------------------------------------------

    def finish_stuck(self, *, limit: int = 20) -> int:
        """Finish messages whose holder's lease ran out; returns how many were finished."""
        now = self.clock()
        rows = self.store.lease_stuck_inbound(now=now, until=now + LEASE_SECONDS, limit=limit)
        return sum(self._finish_row(row) for row in rows)

    def _finish_row(self, row: dict) -> bool:
        sid = row["message_sid"]
        try:
            reply = self._rerun(row) if row["attempts"] <= MAX_ATTEMPTS else Reply(texts.SORRY)
            return self._send_result(sid, row["from_phone"], reply)
        except Exception:
            logger.exception("SMS %s: finishing failed (attempt %s)", sid, row["attempts"])
            return False

    def _rerun(self, row: dict) -> Reply:
        """The message's command again, from the start, without the rate limit (it passed)."""
        command = parse_command(row["body"])
        if command.verb == SILENT:
            return Reply("")
        sender = self._sender(row["from_phone"])
        if sender is None:
            return Reply("")
        step = prepare(sender, command)
        return step.run() if isinstance(step, Later) else step


__all__ = ["Inbound", "SmsInbox"]
