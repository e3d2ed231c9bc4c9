"""The product event stream: server-sent events from `/v1/products/:p/events[/prefix]`.

Part of the Particle client (bff/particle/client.py opens the HTTP stream). `EventStream` runs one
thread that reads the stream and calls `on_event(event)` for each event, and keeps it alive:

- a silence longer than `silence_timeout` (default 15 s, as particle-api-js; the cloud sends a
  keep-alive at least every 9 s) counts as a dead stream;
- whenever the stream drops, ends or cannot be opened it reconnects after an exponential
  backoff with jitter, capped at `backoff_max` (a 429 waits its Retry-After instead); the
  backoff starts over once a connection has stayed up for `backoff_reset_after` seconds;
- a 401 on the cached product token mints a new token (bff.particle.client `_product_call`);
- `stop()` ends it promptly: it shuts down the socket the thread is reading.

Wire format (docs/particle.md#event-streams): `:ok` comment first, then blocks of
`event: <name>` / `data: <json with data, ttl, published_at, coreid>` ended by a blank line.
As particle-api-js, a `data:` block without an `event:` line is ignored.
"""
from __future__ import annotations

import http.client
import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable

import requests
import urllib3

from bff.errors import CloudError, RateLimited

logger = logging.getLogger(__name__)

SILENCE_TIMEOUT_SECONDS = 15.0
BACKOFF_INITIAL_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0
BACKOFF_RESET_AFTER_SECONDS = 60.0
READ_SIZE = 65536


@dataclass(frozen=True)
class Event:
    """One published event."""

    name: str
    data: str | None
    coreid: str | None  # the device ID (or "particle-internal")
    published_at: str | None
    ttl: int | None = None


class EventStream:
    """A thread that consumes one product's event stream and reconnects when it drops."""

    def __init__(self, cloud, product_key: str, on_event: Callable[[Event], None], *,
                 prefix: str | None = None,
                 silence_timeout: float = SILENCE_TIMEOUT_SECONDS,
                 backoff_initial: float = BACKOFF_INITIAL_SECONDS,
                 backoff_max: float = BACKOFF_MAX_SECONDS,
                 backoff_reset_after: float = BACKOFF_RESET_AFTER_SECONDS,
                 on_error: Callable[[Exception], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cloud = cloud
        self.product_key = product_key
        self.prefix = prefix
        self.on_event = on_event
        self.on_error = on_error
        self.silence_timeout = silence_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.backoff_reset_after = backoff_reset_after
        self.clock = clock  # how long a connection stayed up (monotonic seconds)
        self.connected = threading.Event()  # set while a stream is open
        self.connections = 0  # streams opened so far
        self._stopping = threading.Event()
        self._response: requests.Response | None = None
        self._response_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> EventStream:
        if self._thread is not None:
            raise RuntimeError("this event stream was started already")
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"particle-events-{self.product_key}")
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop reading and wait for the thread to end."""
        self._stopping.set()
        self._interrupt()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait_connected(self, timeout: float) -> bool:
        """Wait until a stream is open; False on timeout."""
        return self.connected.wait(timeout)

    def _run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            opened_at = None
            wait = None
            try:
                response = self.cloud.open_event_stream(self.product_key, self.prefix,
                                                        read_timeout=self.silence_timeout)
                opened_at = self.clock()
                with self._response_lock:
                    self._response = response
                if self._stopping.is_set():
                    break
                self.connections += 1
                self.connected.set()
                self._read(response)
                logger.info("event stream of %s ended; reconnecting", self.product_key)
            except RateLimited as err:
                wait = err.retry_after
                self._report(err)
            except (CloudError, requests.RequestException, urllib3.exceptions.HTTPError,
                    http.client.HTTPException, OSError, ValueError) as err:
                if not self._stopping.is_set():
                    logger.info("event stream of %s dropped: %s", self.product_key, err)
                    self._report(err)
            except Exception as err:  # a bug must not end the consumer for good
                logger.exception("event stream of %s failed", self.product_key)
                self._report(err)
            finally:
                self.connected.clear()
                self._close_response()
            if opened_at is not None and self.clock() - opened_at >= self.backoff_reset_after:
                attempt = 0
            if wait is None:
                wait = self._backoff(attempt)
            attempt += 1
            self._stopping.wait(wait)

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, with jitter: between half and all of the step."""
        step = min(self.backoff_max, self.backoff_initial * (2 ** min(attempt, 30)))
        return step * random.uniform(0.5, 1.0)

    def _read(self, response: requests.Response) -> None:
        """Read events until the stream ends (returns) or fails (raises)."""
        parser = _SseParser()
        while not self._stopping.is_set():
            chunk = response.raw.read1(READ_SIZE)
            if not chunk:
                return
            for event in parser.feed(chunk):
                self._deliver(event)

    def _deliver(self, event: Event) -> None:
        try:
            self.on_event(event)
        except Exception:  # a broken handler must not end the stream
            logger.exception("event handler failed for %s", event.name)

    def _report(self, error: Exception) -> None:
        if self.on_error is not None:
            try:
                self.on_error(error)
            except Exception:
                logger.exception("event stream error handler failed")

    def _interrupt(self) -> None:
        """Wake the reading thread: shut the socket down under its blocking read."""
        with self._response_lock:
            response = self._response
        if response is None:
            return
        try:
            response.raw.shutdown()
        except Exception:  # already closed or released: the thread is not blocked on it
            pass

    def _close_response(self) -> None:
        with self._response_lock:
            response, self._response = self._response, None
        if response is not None:
            try:
                response.close()
            except Exception:  # a connection that will not close must not end the consumer
                logger.exception("event stream of %s: closing the connection failed", self.product_key)


class _SseParser:
    """Incremental server-sent-events parser producing `Event`s."""

    def __init__(self) -> None:
        self._buffer = b""
        self._name: str | None = None
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[Event]:
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        events = []
        for raw in lines:
            line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
            if not line:
                event = self._dispatch()
                if event is not None:
                    events.append(event)
            elif line.startswith(":"):
                continue  # comment: ":ok" and keep-alives
            else:
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    self._name = value
                elif field == "data":
                    self._data.append(value)
        return events

    def _dispatch(self) -> Event | None:
        name, data = self._name, "\n".join(self._data)
        self._name, self._data = None, []
        if not name or not data:
            return None
        try:
            payload = json.loads(data)
        except ValueError:
            logger.warning("event %s with data that is not JSON ignored", name)
            return None
        if not isinstance(payload, dict):
            return None
        ttl = payload.get("ttl")
        return Event(
            name=name,
            data=payload.get("data"),
            coreid=payload.get("coreid"),
            published_at=payload.get("published_at"),
            ttl=int(ttl) if isinstance(ttl, (int, str)) and str(ttl).isdigit() else None,
        )
