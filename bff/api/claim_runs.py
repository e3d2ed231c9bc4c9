"""`POST /api/v1/claims` under a reply deadline, as SMS answers (bff/sms/inbox.py).

The claim row is stored first (`requested`, `ClaimsService.request_claim(attempt=False)`); its first
cloud attempt runs on a small thread pool and the request waits for it at most `deadline` seconds
(`API_REPLY_DEADLINE`). In time: the reply carries the result. Too slow (a hanging cloud): the reply
is the claim still `requested`, 202, with its status URL; the attempt goes on and finishes the
claim. The claim's lease (bff/claims/service.py) lets one attempt run at a time: if this process
dies mid-attempt, the worker's retry takes the claim over when the lease runs out.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout

from flask import Flask

logger = logging.getLogger(__name__)

THREADS = 4
EXTENSION = "bff_api_claim_runs"
_lock = threading.Lock()


class ClaimRuns:
    """First attempts of API claims, each waited for at most `deadline` seconds."""

    def __init__(self, claims, *, deadline: float, threads: int = THREADS) -> None:
        self.claims = claims
        self.deadline = max(0.0, float(deadline))
        self._pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="bff-api-claim")

    def attempt_within_deadline(self, claim_id: int) -> bool:
        """Run the claim's first attempt; True when it ended within the deadline."""
        future = self._pool.submit(self.claims.attempt, claim_id)
        try:
            future.result(timeout=self.deadline)
        except FutureTimeout:
            logger.info("API claim %s: still running after %.2fs; answered 202", claim_id, self.deadline)
            return False
        return True

    def close(self, *, wait: bool = False) -> None:
        """Stop taking attempts (`wait`: until the running ones have ended)."""
        self._pool.shutdown(wait=wait)


def claim_runs_for(app: Flask, services) -> ClaimRuns:
    """The app's ClaimRuns (built on first use, with `API_REPLY_DEADLINE`)."""
    with _lock:
        runs = app.extensions.get(EXTENSION)
        if runs is None:
            runs = app.extensions[EXTENSION] = ClaimRuns(services.claims, deadline=app.config["API_REPLY_DEADLINE"])
    return runs
