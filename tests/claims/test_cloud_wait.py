"""bff/claims/cloud_wait.py: the breaker over reply-deadline waits, and the pool with bounded room.

The SMS and API behaviour built on them is in tests/sms/test_sms_burst.py and
tests/api/test_api_claim_deadline.py.
"""
from __future__ import annotations

import threading
import time

from bff.claims.cloud_wait import CloudWait, WorkPool


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def tripped(breaker: CloudWait, times: int) -> None:
    for _ in range(times):
        breaker.end(breaker.begin(), in_time=False)


def test_it_opens_after_late_waits_in_a_row_only():
    breaker = CloudWait(trip_after=3, cool_down=5, clock=Clock())
    tripped(breaker, 2)
    breaker.end(breaker.begin(), in_time=True)  # an answer in time: the count starts again
    tripped(breaker, 2)
    assert breaker.state == "closed" and breaker.begin() is not None
    tripped(breaker, 1)
    assert breaker.state == "open" and breaker.begin() is None


def test_after_the_cool_down_one_request_probes_and_an_answer_in_time_closes_it():
    clock = Clock()
    breaker = CloudWait(trip_after=1, cool_down=5, clock=clock)
    tripped(breaker, 1)
    clock.now += 4.9
    assert breaker.begin() is None
    clock.now += 0.2
    assert breaker.state == "half-open"
    probe = breaker.begin()
    assert probe is not None and probe.probe
    assert breaker.begin() is None  # one probe at a time
    breaker.end(probe, in_time=True)
    assert breaker.state == "closed"
    assert breaker.begin() is not None and not breaker.begin().probe


def test_a_late_probe_opens_it_for_another_cool_down():
    clock = Clock()
    breaker = CloudWait(trip_after=1, cool_down=5, clock=clock)
    tripped(breaker, 1)
    clock.now += 5
    breaker.end(breaker.begin(), in_time=False)
    assert breaker.state == "open"
    clock.now += 4
    assert breaker.begin() is None
    clock.now += 1
    assert breaker.begin().probe


def test_waits_begun_before_it_opened_do_not_close_it():
    breaker = CloudWait(trip_after=2, cool_down=5, clock=Clock())
    early = [breaker.begin() for _ in range(3)]
    breaker.end(early[0], in_time=False)
    breaker.end(early[1], in_time=False)
    breaker.end(early[2], in_time=True)  # began while closed, ended after it opened
    assert breaker.state == "open"


def test_a_probe_that_did_not_wait_or_never_reports_gives_way():
    clock = Clock()
    breaker = CloudWait(trip_after=1, cool_down=5, clock=clock)
    tripped(breaker, 1)
    clock.now += 5
    breaker.cancel(breaker.begin())  # e.g. no thread was free: another request may probe
    lost = breaker.begin()
    assert lost.probe and breaker.begin() is None
    clock.now += 5  # the probe never reported
    assert breaker.begin().probe


def test_the_pool_refuses_work_beyond_its_room_and_frees_it_when_work_ends():
    pool = WorkPool(1, room=2)
    release = threading.Event()
    running = [pool.try_submit(release.wait, 10), pool.try_submit(release.wait, 10)]
    assert all(running)
    assert pool.try_submit(lambda: None) is None  # one running, one waiting for the thread: full
    release.set()
    for future in running:
        future.result(timeout=10)
    assert pool.try_submit(lambda: "ran").result(timeout=10) == "ran"
    pool.shutdown(wait=True)


def test_cancelled_waiting_work_frees_its_room():
    pool = WorkPool(1, room=2)
    release = threading.Event()
    pool.try_submit(release.wait, 10)
    waiting = pool.try_submit(lambda: "never")
    pool.shutdown(cancel=True)
    assert waiting.cancelled()
    release.set()
    assert pool.try_submit(lambda: "new pool").result(timeout=10) == "new pool"
    assert pool.try_submit(lambda: "again").result(timeout=10) == "again"
    pool.shutdown(wait=True)


def waited(breaker: CloudWait, waits: list, deadline: float) -> list[float]:
    """Each wait waited in its own thread (as requests do): the seconds each took."""
    took = [0.0] * len(waits)

    def one(index: int) -> None:
        started = time.monotonic()
        breaker.wait(waits[index], deadline)
        took[index] = time.monotonic() - started
    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(waits))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return took


def test_waits_stalled_together_open_it_half_way_and_stop_waiting():
    """A burst meets a hanging cloud: three waits, no answer in time since they began: half way
    through the deadline the breaker opens and every one of them stops waiting."""
    breaker = CloudWait(trip_after=3, cool_down=5)
    waits = [breaker.begin() for _ in range(3)]
    took = waited(breaker, waits, deadline=1.0)
    assert breaker.state == "open"
    assert all(0.4 <= seconds < 0.9 for seconds in took), took
    for wait in waits:
        breaker.end(wait, in_time=False)
    assert breaker.begin() is None


def test_waits_are_not_stalled_while_answers_come_in_time():
    breaker = CloudWait(trip_after=3, cool_down=5)
    waits = [breaker.begin() for _ in range(3)]
    answered = breaker.begin()
    breaker.end(answered, in_time=True)  # the cloud answered after they began: not stalled
    took = waited(breaker, waits, deadline=0.4)
    assert breaker.state == "closed" and all(seconds >= 0.35 for seconds in took), took


def test_fewer_waits_than_the_trip_count_wait_their_whole_deadline():
    breaker = CloudWait(trip_after=3, cool_down=5)
    waits = [breaker.begin() for _ in range(2)]
    took = waited(breaker, waits, deadline=0.4)
    assert breaker.state == "closed" and all(seconds >= 0.35 for seconds in took), took


def test_a_wait_wakes_when_its_work_ends():
    breaker = CloudWait()
    wait = breaker.begin()
    threading.Timer(0.05, wait.wake.set).start()
    started = time.monotonic()
    breaker.wait(wait, 5.0)
    assert time.monotonic() - started < 2.0
