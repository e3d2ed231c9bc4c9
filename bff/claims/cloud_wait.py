"""Waiting for cloud work within a reply deadline: a circuit breaker and a bounded work pool.

Two kinds of request answer within a short deadline: an SMS reply (`SMS_REPLY_DEADLINE`,
bff/sms/inbox.py) and `POST /api/v1/claims` (`API_REPLY_DEADLINE`, bff/api/claim_runs.py). Each
records its work first (a claim row, an inbound SMS row), hands the cloud part to a small thread
pool and waits for it at most the deadline; what does not end in time ends later, on the pool or
through the worker, and the person is told so.

`CloudWait` is the circuit breaker over those waits, so that a cloud known to be slow does not hold
a server thread per request for the whole deadline:

- closed (the cloud answers in time): requests wait, each up to its deadline;
- open: after `TRIP_AFTER` waits in a row ran out their deadline, or as soon as `TRIP_AFTER` waits
  have each waited half their deadline (`STALL_FRACTION`) without a single wait ending in time
  since they began (a burst meets a hanging cloud: no need to wait the whole deadline to know),
  requests do not wait at all: they answer at once ("working on it", 202) and their work goes on
  without them. The waits still going on when it opens end at once too;
- half-open: `COOL_DOWN` seconds after it opened, one request waits again (the probe; the others
  still answer at once). In time: closed. Late: open for another cool-down.

`WorkPool` is a thread pool with room for a bounded number of jobs (running, or waiting for a
thread): `try_submit` returns None when it is full, and the caller leaves the recorded work to the
worker instead of queueing it without bound behind a slow cloud.

One of each per process and channel (no Flask, no I/O here): each process learns on its own.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

logger = logging.getLogger(__name__)

TRIP_AFTER = 3  # waits in a row past their deadline (or stalled together) that open the breaker
STALL_FRACTION = 0.5  # of the deadline: waits this far in with no answer in time since they began
COOL_DOWN = 3.0  # seconds the breaker stays open before one request tries again


@dataclass(eq=False)
class Wait:
    """A request's permission to wait for its work. `wake` is set when the work ends (by the
    caller) or when the breaker opens (stop waiting); `probe`: the one wait of the half-open state."""

    started: float
    probe: bool = False
    wake: threading.Event = field(default_factory=threading.Event)


class CloudWait:
    """Whether a request should wait for its cloud work now (closed, open, half-open)."""

    def __init__(self, *, trip_after: int = TRIP_AFTER, cool_down: float = COOL_DOWN,
                 clock: Callable[[], float] = time.monotonic, name: str = "cloud work") -> None:
        self.trip_after = max(1, int(trip_after))
        self.cool_down = max(0.0, float(cool_down))
        self.clock = clock
        self.name = name
        self._lock = threading.Lock()
        self._late_in_a_row = 0
        self._opened_at: float | None = None
        self._probe_until: float | None = None  # a probe is out (one that never reports gives way then)
        self._waits: set[Wait] = set()  # waits going on now
        self._last_in_time = float("-inf")  # when a wait last ended in time

    @property
    def waiting(self) -> int:
        """How many waits are going on now (each begun and not yet ended or cancelled)."""
        with self._lock:
            return len(self._waits)

    @property
    def state(self) -> str:
        """"closed", "open" or "half-open" (the cool-down has passed: the next request probes)."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "open" if self.clock() - self._opened_at < self.cool_down else "half-open"

    def begin(self) -> Wait | None:
        """A wait for this request, or None: do not wait, answer at once (the cloud is known slow)."""
        with self._lock:
            now = self.clock()
            if self._opened_at is None:
                wait = Wait(now)
            elif now - self._opened_at < self.cool_down:
                return None
            elif self._probe_until is not None and now < self._probe_until:
                return None  # another request is probing
            else:
                self._probe_until = now + max(self.cool_down, 1.0)
                wait = Wait(now, probe=True)
            self._waits.add(wait)
            return wait

    def wait(self, wait: Wait, deadline: float) -> None:
        """Block until `wait.wake` is set (the work ended, or the breaker opened) or `deadline`
        seconds have passed. Half way, a wait that is stalled with others opens the breaker."""
        checkpoint = deadline * STALL_FRACTION
        if wait.wake.wait(checkpoint):
            return
        if not wait.probe and self._stalled(wait):
            return
        wait.wake.wait(max(0.0, deadline - checkpoint))

    def _stalled(self, wait: Wait) -> bool:
        """Whether `TRIP_AFTER` waits (this one among them) have waited this long with no wait
        ending in time since the newest of them began; if so the breaker opens (and wakes them)."""
        with self._lock:
            if self._opened_at is not None:
                return True
            now = self.clock()  # waits begun after the last answer in time, and no later than this one
            stalled = [other for other in self._waits
                       if not other.probe and self._last_in_time < other.started <= wait.started]
            if len(stalled) < self.trip_after:
                return False
            self._open(now, f"{len(stalled)} waits got no answer in {now - wait.started:.2f} s")
            return True

    def end(self, wait: Wait, *, in_time: bool) -> None:
        """How a wait from `begin` ended: the work in time, or the deadline first."""
        with self._lock:
            self._waits.discard(wait)
            now = self.clock()
            if in_time:
                self._last_in_time = now
            if wait.probe:
                self._probe_until = None
                if in_time:
                    self._close()
                else:
                    self._opened_at = now
                    logger.info("%s still past its deadline: not waiting for another %.0f s", self.name,
                                self.cool_down)
                return
            if self._opened_at is not None:
                return  # waits begun before it opened: only the probe decides now
            if in_time:
                self._late_in_a_row = 0
                return
            self._late_in_a_row += 1
            if self._late_in_a_row >= self.trip_after:
                self._open(now, f"{self._late_in_a_row} waits in a row ran past their deadline")

    def cancel(self, wait: Wait) -> None:
        """The request did not wait after all (e.g. no thread was free): nothing learned."""
        with self._lock:
            self._waits.discard(wait)
            if wait.probe:
                self._probe_until = None

    def _open(self, now: float, why: str) -> None:
        """Open (under the lock): requests answer at once; the waits going on now stop."""
        self._opened_at = now
        for other in self._waits:
            other.wake.set()
        logger.warning("%s is slow (%s): requests answer at once for %.0f s, then one tries again",
                       self.name, why, self.cool_down)

    def _close(self) -> None:
        if self._opened_at is not None:
            logger.info("%s answers in time again: requests wait for it again", self.name)
        self._opened_at = None
        self._late_in_a_row = 0


class WorkPool:
    """A thread pool with room for `room` jobs at most (running or waiting for a thread)."""

    def __init__(self, threads: int, *, room: int | None = None, name: str = "bff-work") -> None:
        self.threads = max(1, int(threads))
        self.room = max(self.threads, int(room if room is not None else 2 * self.threads))
        self.name = name
        self._slots = threading.BoundedSemaphore(self.room)
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def try_submit(self, fn: Callable, *args) -> Future | None:
        """Run `fn(*args)` on the pool; None (and nothing runs) when the pool is full."""
        if not self._slots.acquire(blocking=False):
            return None
        try:
            future = self._pool().submit(fn, *args)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return future

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix=self.name)
            return self._executor

    def shutdown(self, *, wait: bool = False, cancel: bool = False) -> None:
        """Stop the running threads' pool (`wait`: until its jobs ended; `cancel`: drop the waiting
        ones). A later `try_submit` starts a new pool."""
        with self._lock:
            pool, self._executor = self._executor, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=cancel)


__all__ = ["COOL_DOWN", "TRIP_AFTER", "CloudWait", "Wait", "WorkPool"]
