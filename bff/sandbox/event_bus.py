"""The event bus and the server-sent-events wire format.

A stream answers 200 `text/event-stream`, writes `:ok\\n\\n` first, then one block per event:
`event: <name>\\ndata: {"data","ttl","published_at","coreid"}\\n\\n` (the example under "Get a
stream of events", https://docs.particle.io/reference/cloud-apis/api/), and a bare `\\n` whenever
`keepalive` seconds pass without output (the open-source servers do that every 9 s, e.g.
https://github.com/particle-iot/spark-server `views/EventViews001.js`; particle-api-js drops a
stream after 15 s of silence, `src/EventStream.ts`). Closing the bus ends every stream.
Collected notes with sources: docs/particle.md#event-streams.
"""
from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass
from typing import Callable, Iterator

from .times import iso

_CLOSE = object()


@dataclass
class Event:
    """One published event and who may see it."""
    name: str
    data: str | None
    published_at: float
    coreid: str
    ttl: int = 60
    device_id: str | None = None      # the device that published it (None: published by the API)
    product_id: int | None = None     # the product of that device (or of a product publish)
    account: tuple | None = None      # the account whose user streams show it (owner / publisher)
    product_only: bool = False        # shown on product streams only (claim-code presentations)

    def payload(self) -> dict:
        """The `data:` JSON. CHOICE: `ttl` is a number (particle-api-js types; docs show "60")."""
        body = {"data": self.data, "ttl": self.ttl,
                "published_at": iso(self.published_at), "coreid": self.coreid}
        if self.product_id is not None:
            body["productID"] = self.product_id
        return body

    def to_sse(self) -> bytes:
        """The wire block for this event."""
        return f"event: {self.name}\ndata: {json.dumps(self.payload())}\n\n".encode()


class Subscriber:
    """One open stream: a filter and a queue of events waiting to be written."""

    def __init__(self, accepts: Callable[[Event], bool], prefix: str = "") -> None:
        self.accepts = accepts
        self.prefix = prefix
        self.queue: queue.Queue = queue.Queue()

    def offer(self, event: Event) -> None:
        """Queue the event if the stream's prefix and filter take it."""
        if event.name.startswith(self.prefix) and self.accepts(event):
            self.queue.put(event)

    def close(self) -> None:
        """End the stream (its generator returns, the response ends)."""
        self.queue.put(_CLOSE)


class EventBus:
    """Fan-out of published events to open streams; also keeps the recent events for tests."""

    def __init__(self, history: int = 200) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[Subscriber] = set()
        self._history: list[Event] = []
        self._history_size = history

    def subscribe(self, accepts: Callable[[Event], bool], prefix: str = "") -> Subscriber:
        """A new stream."""
        subscriber = Subscriber(accepts, prefix)
        with self._lock:
            self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Forget a stream (its client went away)."""
        with self._lock:
            self._subscribers.discard(subscriber)

    def publish(self, event: Event) -> None:
        """Deliver to every stream that takes it."""
        with self._lock:
            targets = list(self._subscribers)
            self._history = (self._history + [event])[-self._history_size:]
        for subscriber in targets:
            subscriber.offer(event)

    def recent(self) -> list[Event]:
        """The last events published (newest last)."""
        with self._lock:
            return list(self._history)

    def stream_count(self) -> int:
        """How many streams are open."""
        with self._lock:
            return len(self._subscribers)

    def close_all(self) -> None:
        """End every open stream."""
        with self._lock:
            targets = list(self._subscribers)
            self._subscribers.clear()
        for subscriber in targets:
            subscriber.close()

    def clear_history(self) -> None:
        """Forget recent events (on reset)."""
        with self._lock:
            self._history = []


def sse_stream(bus: EventBus, subscriber: Subscriber,
               keepalive: Callable[[], float]) -> Iterator[bytes]:
    """The body of a stream response: `:ok`, events, keep-alive newlines, until closed."""
    try:
        yield b":ok\n\n"
        while True:
            try:
                item = subscriber.queue.get(timeout=max(0.01, keepalive()))
            except queue.Empty:
                yield b"\n"
                continue
            if item is _CLOSE:
                return
            yield item.to_sse()
    finally:
        bus.unsubscribe(subscriber)
