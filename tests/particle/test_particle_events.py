"""The product event stream: events arrive, the stream survives drops, restarts, silence and 401s.

No timed assertions: every wait polls with a generous timeout. The sandbox is told to send
keep-alives every 0.2 s so that short silence timeouts do not end healthy streams.
"""
from __future__ import annotations

import threading

import pytest

from bff.errors import RateLimited
from bff.particle.events import Event, EventStream, _SseParser

from tests.support.clock import FakeClock
from tests.support.polling import wait_for

WAIT = 15.0  # seconds; generous, a passing run takes a fraction of it


class Inbox:
    """Collects the events a stream delivers (and the errors it reports)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.errors: list[Exception] = []
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)

    def statuses(self, device_id: str) -> list[str]:
        with self.lock:
            return [e.data for e in self.events if e.name == "spark/status" and e.coreid == device_id]


@pytest.fixture
def received() -> Inbox:
    return Inbox()


@pytest.fixture
def stream_factory(particle, electron, control, received):
    """Starts event streams on the Electron product (stopped at the end of the test)."""
    control.set_options(sse_keepalive=0.2)
    streams: list[EventStream] = []

    def start(**options) -> EventStream:
        options = {"silence_timeout": 3.0, "backoff_initial": 0.05, "backoff_max": 0.5,
                   "on_error": received.errors.append, **options}
        stream = particle.event_stream(electron["slug"], received, **options).start()
        streams.append(stream)
        return stream

    yield start
    for stream in streams:
        stream.stop()


def test_status_events_arrive(stream_factory, received, control, offline_device):
    stream = stream_factory()
    assert stream.wait_connected(WAIT)
    control.power(offline_device, True)
    control.power(offline_device, False)
    wait_for(lambda: received.statuses(offline_device) == ["online", "offline"])
    event = next(e for e in received.events if e.coreid == offline_device)
    assert event.published_at.endswith("Z") and event.ttl == 60
    assert stream.connections == 1


def test_a_prefix_filters_events(stream_factory, received, control, online_device, offline_device):
    stream = stream_factory(prefix="spark/status")
    assert stream.wait_connected(WAIT)
    control.publish(online_device, "temperature", "21")
    control.power(offline_device, True)
    wait_for(lambda: received.statuses(offline_device))
    assert {e.name for e in received.events} == {"spark/status"}
    assert control.requests(method="GET")[-1]["path"].endswith("/events/spark/status")


def test_the_stream_comes_back_after_the_cloud_restarts(stream_factory, received, control, sandbox,
                                                        offline_device):
    stream = stream_factory()
    assert stream.wait_connected(WAIT)
    host, port = sandbox.base_url.rsplit(":", 1)
    sandbox.stop()
    try:
        wait_for(lambda: not stream.connected.is_set())
    finally:
        sandbox.start(host=host.removeprefix("http://"), port=int(port))
    wait_for(lambda: stream.connections >= 2 and stream.connected.is_set())
    control.power(offline_device, True)
    wait_for(lambda: received.statuses(offline_device) == ["online"])
    assert received.errors  # the failed reconnects were reported


def test_silence_counts_as_a_dead_stream(stream_factory, control):
    control.set_options(sse_keepalive=30)  # the cloud goes quiet
    stream = stream_factory(silence_timeout=0.3)
    wait_for(lambda: stream.connections >= 3)


def test_a_401_on_reconnect_mints_a_new_product_token(stream_factory, electron, control, offline_device,
                                                      received):
    stream = stream_factory()
    assert stream.wait_connected(WAIT)
    control.advance_clock(7776000 + 60)  # the product token expires in the cloud
    control.clear_requests()
    control.end_streams()
    wait_for(lambda: stream.connections == 2 and stream.connected.is_set())
    path = f"/v1/products/{electron['slug']}/events"
    assert [(e["method"], e["path"], e["status"]) for e in control.requests()] == [
        ("GET", path, 401), ("POST", "/oauth/token", 200), ("GET", path, 200)]
    control.power(offline_device, True)
    wait_for(lambda: received.statuses(offline_device) == ["online"])


def test_a_rate_limited_stream_waits_and_connects(stream_factory, electron, control, received):
    control.add_fault(path=f"/v1/products/{electron['slug']}/events", status=429, retry_after=1, times=1)
    stream = stream_factory()
    assert stream.wait_connected(WAIT)
    (error,) = received.errors
    assert isinstance(error, RateLimited) and error.retry_after == 1.0


def test_a_failing_handler_does_not_end_the_stream(particle, electron, control, offline_device, received):
    control.set_options(sse_keepalive=0.2)

    def handler(event: Event) -> None:
        received(event)
        if len(received.events) == 1:
            raise RuntimeError("handler bug")

    stream = particle.event_stream(electron["slug"], handler, silence_timeout=3.0).start()
    try:
        assert stream.wait_connected(WAIT)
        control.power(offline_device, True)
        control.power(offline_device, False)
        wait_for(lambda: received.statuses(offline_device) == ["online", "offline"])
        assert stream.connections == 1
    finally:
        stream.stop()


def test_stop_ends_the_stream(stream_factory, control):
    stream = stream_factory()
    assert stream.wait_connected(WAIT)
    wait_for(lambda: control.state()["streams"] == 1)
    stream.stop()
    assert not stream.running
    wait_for(lambda: control.state()["streams"] == 0)
    with pytest.raises(RuntimeError):
        stream.start()


def test_backoff_grows_with_jitter_up_to_the_cap(particle, electron):
    stream = particle.event_stream(electron["slug"], print, backoff_initial=1.0, backoff_max=8.0)
    for attempt, step in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (10, 8.0), (500, 8.0)]:
        delays = [stream._backoff(attempt) for _ in range(50)]
        assert all(step / 2 <= d <= step for d in delays)
        assert len(set(delays)) > 1


def test_the_parser_reads_the_wire_format():
    parser = _SseParser()
    wire = (b":ok\n\n"
            b"event: spark/status\r\ndata: {\"data\":\"online\",\"ttl\":\"60\",\"published_at\":\"2026-01-01T00:00:00.000Z\","
            b"\"coreid\":\"0123456789abcdef01234567\"}\r\n\r\n"
            b"\n"  # keep-alive
            b"data: {\"data\":\"no name: dropped\"}\n\n"
            b"event: broken\ndata: not json\n\n"
            b"event: multi\ndata: {\"data\":\n"
            b"data: \"two lines\", \"coreid\": \"api\", \"ttl\": 5}\n\n")
    events = []
    for index in range(0, len(wire), 7):  # chunks split anywhere
        events += parser.feed(wire[index:index + 7])
    assert events == [
        Event(name="spark/status", data="online", coreid="0123456789abcdef01234567",
              published_at="2026-01-01T00:00:00.000Z", ttl=60),
        Event(name="multi", data="two lines", coreid="api", published_at=None, ttl=5),
    ]


# -- backoff and crashes, against a scripted cloud on the test's clock --------------------------------


class ScriptedCloud:
    """A cloud whose stream connections go as scripted, one entry per connection: a number (it
    stays up that many seconds of `clock`, then ends), an exception (opening it raises that), or
    None (it stays up until the stream is stopped; also once the script is used up)."""

    def __init__(self, clock: FakeClock, script: list, *, close_fails: bool = False) -> None:
        self.clock = clock
        self.script = list(script)
        self.close_fails = close_fails
        self.opened = 0  # connections asked for

    def open_event_stream(self, product_key, prefix, *, read_timeout):
        self.opened += 1
        step = self.script.pop(0) if self.script else None
        if isinstance(step, Exception):
            raise step
        return ScriptedResponse(self.clock, step, close_fails=self.close_fails)


class ScriptedResponse:
    def __init__(self, clock: FakeClock, lasts: float | None, *, close_fails: bool) -> None:
        self.raw = self
        self.clock, self.lasts, self.close_fails = clock, lasts, close_fails
        self.shut = threading.Event()

    def read1(self, size: int) -> bytes:
        if self.lasts is None:
            self.shut.wait(WAIT)
        else:
            self.clock.advance(self.lasts)
        return b""  # the stream ends

    def shutdown(self) -> None:
        self.shut.set()

    def close(self) -> None:
        if self.close_fails:
            raise OSError("injected failure")


@pytest.fixture
def scripted_stream(received):
    """Starts an EventStream on a ScriptedCloud, recording the backoff attempts (waiting none)."""
    streams = []

    def start(script: list, **options) -> tuple[EventStream, ScriptedCloud, list[int]]:
        clock = FakeClock()
        cloud = ScriptedCloud(clock, script, close_fails=options.pop("close_fails", False))
        stream = EventStream(cloud, "widget", received, on_error=received.errors.append, clock=clock,
                             backoff_reset_after=60.0, **options)
        attempts: list[int] = []
        stream._backoff = lambda attempt: attempts.append(attempt) or 0.0
        streams.append(stream.start())
        return stream, cloud, attempts

    yield start
    for stream in streams:
        stream.stop()


def test_the_backoff_starts_over_after_a_connection_that_stayed_up(scripted_stream, received):
    script = [1, 1, 1, 60, 1, 1, 59, 1]  # seconds each connection stayed up
    stream, cloud, attempts = scripted_stream(script)
    wait_for(lambda: cloud.opened == len(script) + 1 and stream.connected.is_set())

    assert attempts == [0, 1, 2, 0, 1, 2, 3, 4]  # 60 s up: start over; 59 s: not enough
    assert stream.running and stream.connections == len(script) + 1 and received.errors == []


def test_a_broken_connection_or_a_bug_in_opening_does_not_end_the_stream(scripted_stream, received, caplog):
    bug = RuntimeError("injected failure")
    stream, cloud, attempts = scripted_stream([bug, 1], close_fails=True)
    wait_for(lambda: cloud.opened == 3 and stream.connected.is_set())

    assert stream.running and attempts == [0, 1]
    assert received.errors == [bug]
    logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR" and r.exc_info]
    assert "event stream of widget failed" in logged
    assert "event stream of widget: closing the connection failed" in logged
