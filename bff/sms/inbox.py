"""Answering one inbound SMS: once per MessageSid, within a short deadline, the result later if slow.

The steps for a message whose signature bff/sms/webhook.py has already checked:

1. Claim-first INSERT of its `MessageSid` (bff/db/messages.py). A message seen before is not
   acted on again: it gets the reply it got the first time (nothing while that first delivery
   is still being answered).
2. The sender's `From` number is their user (a new number becomes a new customer); per-phone
   rate limits are applied in the reply text (Twilio never gets a 429).
3. The command is parsed and prepared (SQLite only, bff/sms/commands.py); what it will do is
   recorded now (a CLAIM's claim row, so STATUS lists it at once). Cloud work runs on a thread
   pool (`SMS_THREADS`) with bounded room (bff/claims/cloud_wait.py: `WorkPool`); the request
   waits for it at most `deadline` seconds (`SMS_REPLY_DEADLINE`). In time: the reply carries the
   result. Too slow: the reply says "working on it" and the result follows as an outbound SMS
   (recorded first, then sent) the moment the work ends.
4. The request does not wait at all, and says "working on it" at once, while the cloud is known
   to be slow (`CloudWait`, a circuit breaker: recent waits ran out their deadline, or several
   waited half of it together with no answer; after a cool-down one request tries again). The work still starts on the pool. When the pool has no
   room, the message is left to the worker instead (its hold ends at once): nothing waits in an
   unbounded queue, nothing is lost.
5. A crash can leave a message half done. Each message is held (`leased_until`) by whoever
   works on it; the worker takes over messages whose hold ran out,
   runs them again (a CLAIM finds its own claim) and texts the result (`SmsInbox.finish_stuck`,
   a job of bff/worker.py's tick). Only the first one to
   finish a message texts its result (an atomic UPDATE decides), so nothing goes out twice; a
   claim's end is texted once, by this inbox or by the claims service (`ClaimsService.take_notice`).

A reply or result that carries a secret (`Reply.secret`: a Wi-Fi claim code) is stored sealed
(bff/sealing.py, `BFF_TOKEN_KEY`): a redelivery opens it and gets the very same reply.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, replace

from bff import errors
from bff.claims.cloud_wait import CloudWait, Wait, WorkPool
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
STUCK_PER_ROUND = 50  # messages the worker finishes per round (a claim's result costs no cloud call)


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

    def __init__(self, wake: threading.Event | None = None) -> None:
        self.lock = threading.Lock()
        self.wake = wake or threading.Event()  # set when the work is done (the waiting request wakes)
        self.done = False
        self.reply: Reply | None = None
        self.late = False


class SmsInbox:
    """Answers inbound SMS over the services (store, accounts, claims, sms, particle, setup)."""

    def __init__(self, services, *, deadline: float, threads: int = 8, room: int | None = None, app=None,
                 clock=time.time, cloud_wait: CloudWait | None = None) -> None:
        self.services = services
        self.store = services.store
        self.sealer = getattr(services, "sealer", None) or Sealer.of_this_process()
        self.deadline = max(0.0, float(deadline))
        self.threads = max(1, int(threads))
        self.pool = WorkPool(self.threads, room=room, name="bff-sms")  # room: 2 jobs a thread by default
        self.cloud_wait = cloud_wait or CloudWait(name="SMS cloud work")
        self.app = app  # work on the pool runs in this app's context (if given)
        self.clock = clock
        # SQLite has one writer at a time, and a connection that finds the write lock taken sleeps
        # 1, 2, 5, ... 100 ms before it tries again: under a burst, webhook threads of one process
        # spent most of their time so. They take this lock for their few short writes instead (and
        # never while they wait for the cloud), so they queue here and go on the moment it is free.
        self._writing = threading.Lock()

    # -- the webhook ----------------------------------------------------------------------------

    def answer(self, message: Inbound) -> str:
        """The reply text for a message ("" for none). Never raises."""
        sid = message.message_sid
        with self._writing:  # this process's webhooks write one at a time (see __init__)
            try:
                if not self.store.claim_inbound_sms(
                        sid, from_phone=message.from_phone, to_phone=message.to_phone, body=message.body,
                        idempotency_token=message.idempotency_token, lease_until=self.clock() + LEASE_SECONDS,
                        now=self.clock()):
                    return self._replay(sid)
            except Exception:
                logger.exception("SMS %s: could not record the message", sid)
                return texts.SORRY
            try:
                step = self._first_step(message)
                if not isinstance(step, Later):
                    return self._reply_now(sid, step.text, secret=step.secret)
                started = self._start(sid, step, message.from_phone)
            except Exception:  # the database, a bug: say sorry, never a server error
                logger.exception("SMS %s: answering failed", sid)
                return self._reply_now(sid, texts.SORRY, quiet=True)
        if isinstance(started, str):
            return started  # answered without waiting
        return self._wait_for(sid, step, *started)

    def _replay(self, message_sid: str) -> str:
        """A redelivered message: the reply it got before ("" while the first is being answered)."""
        row = self.store.inbound_sms(message_sid) or {}
        logger.info("SMS %s redelivered (status %s): same reply", message_sid, row.get("status"))
        return self.sealer.reveal(row.get("reply")) or ""

    def _first_step(self, message: Inbound) -> Reply | Later:
        """Parse, identify the sender, apply the rate limit, prepare the command."""
        command = parse_command(message.body)
        if command.verb == SILENT:
            self.store.set_inbound_command(message.message_sid, user_id=None, command=command.verb)
            return Reply("")
        sender = self._sender(message.from_phone, message.message_sid)
        if sender is None:
            return Reply("")  # not a phone number we can answer (e.g. a short code)
        self.store.set_inbound_command(message.message_sid, user_id=sender.user.id, command=command.verb)
        limited = self._rate_limited(sender)
        if limited is not None:
            return limited
        return prepare(sender, command)

    def _sender(self, phone: str, message_sid: str) -> Sender | None:
        try:
            user = self.services.accounts.user_for_phone(phone)
        except errors.InvalidPhoneNumber:
            logger.info("SMS from an unusable number ignored")
            return None
        return Sender(self.services, user, user.phone or phone, message_sid=message_sid)

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

    def _start(self, sid: str, later: Later, phone: str) -> str | tuple[Wait, _Handoff]:
        """Start the cloud work: (the wait, the handoff) when the request may wait for it, else the
        reply at once ("working on it": the cloud is known to be slow, or the pool has no room)."""
        wait = self.cloud_wait.begin()
        if wait is None:  # the cloud is known to be slow: do not wait for it
            return self._start_without_waiting(sid, later, phone)
        handoff = _Handoff(wait.wake)
        if self.pool.try_submit(self._work, sid, later, phone, handoff) is None:
            self.cloud_wait.cancel(wait)  # nothing learned about the cloud
            return self._leave_for_worker(sid, later, "every SMS thread is busy")
        return wait, handoff

    def _wait_for(self, sid: str, later: Later, wait: Wait, handoff: _Handoff) -> str:
        """Wait for the work until the deadline (or "the cloud is slow"); its reply, or "working on it"."""
        in_time = False
        try:
            self.cloud_wait.wait(wait, self.deadline)  # the work's end, the deadline, or "the cloud is slow"
            with self._writing, handoff.lock:  # the work cannot finish between the check and the promise
                in_time = handoff.done
                if in_time:
                    return self._reply_now(sid, handoff.reply.text, secret=handoff.reply.secret, quiet=True)
                self.store.mark_inbound_working(sid, texts.WORKING, now=self.clock())
                handoff.late = True
        except Exception:  # the database: the worker finishes the message when its hold ends
            logger.exception("SMS %s: answering failed while %s ran", sid, later.what)
            return texts.WORKING
        finally:
            self.cloud_wait.end(wait, in_time=in_time)
        logger.info("SMS %s: %s still running after %.2fs; the result follows by SMS", sid, later.what,
                    self.deadline)
        return texts.WORKING

    def _start_without_waiting(self, sid: str, later: Later, phone: str) -> str:
        """Say "working on it" now; the work starts on the pool (or the worker does it) and texts."""
        self.store.mark_inbound_working(sid, texts.WORKING, now=self.clock())
        handoff = _Handoff()
        handoff.late = True
        if self.pool.try_submit(self._work, sid, later, phone, handoff) is None:
            return self._leave_for_worker(sid, later, "the cloud is slow and every SMS thread is busy")
        logger.info("SMS %s: the cloud is slow; %s runs without a wait, the result follows by SMS", sid, later.what)
        return texts.WORKING

    def _leave_for_worker(self, sid: str, later: Later, why: str) -> str:
        """Say "working on it"; the message (and what it recorded, e.g. its claim) waits for the
        worker's next round, which runs it and texts the result."""
        self.store.leave_inbound_for_worker(sid, texts.WORKING, now=self.clock())
        logger.info("SMS %s: %s: %s left to the worker", sid, why, later.what)
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
            handoff.done = True
            late = handoff.late
        handoff.wake.set()
        if late:
            try:
                self._send_result(sid, phone, reply)
            except Exception:  # the worker finishes the message when its lease runs out
                logger.exception("SMS %s: the late result could not be recorded", sid)

    def _send_result(self, sid: str, phone: str, reply: Reply) -> bool:
        """Text a late result, if nobody has finished this message yet (recorded first). A claim's
        end is texted once: not when the claims service has told the person already."""
        text = to_gsm_segment(reply.text) if reply.text else ""
        if reply.final and self.services.claims.was_told(reply.claim_id):
            text = ""
        if not self.store.finish_inbound(sid, self._kept(text, reply.secret), now=self.clock()):
            return False  # someone else finished it
        if text and reply.final and not self.services.claims.take_notice(reply.claim_id):
            return True  # the claims service told the person in the meantime
        if text:
            secret = {"secret": reply.secret} if reply.secret else {}
            self.services.sms.send(phone, text, purpose=REPLY_PURPOSE, claim_id=reply.claim_id, **secret)
        return True

    def _kept(self, text: str, secret: str | None) -> str:
        """A reply as it is stored: sealed when it carries a secret."""
        return self.sealer.seal(text) if secret and text else text

    def close(self, *, wait: bool = False, cancel: bool = False) -> None:
        """Stop taking work; running work finishes (`wait`: block until it has). `cancel` drops
        queued work (its messages stay `working`; the worker finishes them after their lease)."""
        self.pool.shutdown(wait=wait, cancel=cancel)

    # -- the worker: messages a crash left half done ----------------------------------------------

    def finish_stuck(self, *, limit: int = STUCK_PER_ROUND) -> int:
        """Finish messages whose holder's lease ran out (a crash), or that a webhook left to the
        worker (no room on the pool); returns how many were finished."""
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
        sender = self._sender(row["from_phone"], row["message_sid"])
        if sender is None:
            return Reply("")
        step = prepare(replace(sender, asked_at=row["created_at"]), command)
        return step.run() if isinstance(step, Later) else step


__all__ = ["Inbound", "SmsInbox"]
