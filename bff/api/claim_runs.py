"""`POST /api/v1/claims` under a reply deadline, as SMS answers (bff/sms/inbox.py).

The claim row is stored first (`requested`, `ClaimsService.request_claim(attempt=False)`); its first
cloud attempt runs on a small thread pool and the request waits for it at most `deadline` seconds
(`API_REPLY_DEADLINE`). In time: the reply carries the result. Too slow (a hanging cloud): the reply
is the claim still `requested`, 202, with its status URL; the attempt goes on and finishes the
claim. The claim's lease (bff/claims/service.py) lets one attempt run at a time: if this process
dies mid-attempt, the worker's retry takes the claim over when the lease runs out.

As SMS does (bff/claims/cloud_wait.py): while the cloud is known to be slow (recent attempts ran
past the deadline: `CloudWait`, a circuit breaker) the request does not wait, it answers 202 at
once while the attempt runs; the pool has bounded room (`WorkPool`), and a claim that finds it
full is left `requested` for the worker's retry (it is due at once), never queued without bound.
"""
from __future__ import annotations

import logging
import threading
from flask import Flask

from bff.claims.cloud_wait import CloudWait, WorkPool

logger = logging.getLogger(__name__)

THREADS = 8  # the attempts wait on the cloud (I/O), not on the CPU
EXTENSION = "bff_api_claim_runs"
_lock = threading.Lock()


class ClaimRuns:
    """First attempts of API claims, each waited for at most `deadline` seconds."""

    def __init__(self, claims, *, deadline: float, threads: int = THREADS, room: int | None = None,
                 cloud_wait: CloudWait | None = None) -> None:
        self.claims = claims
        self.deadline = max(0.0, float(deadline))
        self.pool = WorkPool(threads, room=room, name="bff-api-claim")
        self.cloud_wait = cloud_wait or CloudWait(name="API claim attempts")

    def attempt_within_deadline(self, claim_id: int) -> bool:
        """Run the claim's first attempt; True when it ended within the deadline."""
        wait = self.cloud_wait.begin()
        future = self.pool.try_submit(self.claims.attempt, claim_id)
        if future is None:
            if wait is not None:
                self.cloud_wait.cancel(wait)
            logger.info("API claim %s: every claim thread is busy; answered 202, the worker tries it", claim_id)
            return False
        if wait is None:
            logger.info("API claim %s: the cloud is slow; answered 202 at once, the attempt runs", claim_id)
            return False
        future.add_done_callback(lambda _: wait.wake.set())
        try:
            self.cloud_wait.wait(wait, self.deadline)  # the attempt's end, the deadline, or "the cloud is slow"
        finally:
            self.cloud_wait.end(wait, in_time=future.done())
        if not future.done():
            logger.info("API claim %s: still running after %.2fs; answered 202", claim_id, self.deadline)
            return False
        future.result()  # an error of the attempt itself is the request's
        return True

    def close(self, *, wait: bool = False) -> None:
        """Stop taking attempts (`wait`: until the running ones have ended)."""
        self.pool.shutdown(wait=wait)


def claim_runs_for(app: Flask, services) -> ClaimRuns:
    """The app's ClaimRuns (built on first use, with `API_REPLY_DEADLINE`)."""
    with _lock:
        runs = app.extensions.get(EXTENSION)
        if runs is None:
            runs = app.extensions[EXTENSION] = ClaimRuns(services.claims, deadline=app.config["API_REPLY_DEADLINE"])
    return runs
