"""WSGI middleware in front of the Particle routes: injected faults and the request log.

Faults (POST /sandbox/faults) match a path pattern (shell-style, `*` crosses `/`) and a method,
optionally only `times` times, and can add latency, answer an error status (429 with
Retry-After), or drop the connection before the request is handled ("before") or after it
was handled but before the answer is sent ("after": the cloud did it, the client never hears).
The request log keeps method, path, query, status, a redacted view of the body parameters and
who called (credential kind, product, username) -- never a token, secret or password.
"""
from __future__ import annotations

import fnmatch
import itertools
import random
import json
import socket
import threading
import time
from collections import deque
from http import HTTPStatus
from typing import Any, Callable
from urllib.parse import parse_qsl

from .errors import http_error_body, rate_limited

SECRET_WORDS = ("token", "secret", "password", "otp")
NOT_SECRET = {"no_password", "grant_type"}
LOG_SIZE = 2000


def redact(values: dict) -> dict:
    """A copy with secret-looking fields replaced by "[redacted]"."""
    return {k: ("[redacted]" if k not in NOT_SECRET and any(w in k.lower() for w in SECRET_WORDS)
                else v) for k, v in values.items()}


class RequestLog:
    """The last LOG_SIZE API calls."""

    def __init__(self) -> None:
        self._entries: deque = deque(maxlen=LOG_SIZE)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.epoch = 0  # bumped by clear(): a request that began before a clear is not logged after it

    def add(self, entry: dict, epoch: int | None = None) -> None:
        with self._lock:
            if epoch is not None and epoch != self.epoch:
                return  # began before the log was cleared (e.g. by a reset between two tests)
            entry["id"] = next(self._ids)
            self._entries.append(entry)

    def entries(self) -> list[dict]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.epoch += 1


class Faults:
    """The injected faults, first match wins."""

    def __init__(self) -> None:
        self._faults: list[dict] = []
        self._random: dict[int, random.Random] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def _drawn(self, fault: dict) -> bool:
        probability = fault.get("probability")
        return probability is None or self._random[fault["id"]].random() < probability

    def add(self, spec: dict) -> dict:
        """Store a fault spec (validated by the control API) and return it with its id. With a
        `probability`, a matching request gets the fault only that often (drawn from a generator
        seeded with `seed`, so a storm can be replayed)."""
        fault = {**spec, "id": next(self._ids), "hits": 0}
        with self._lock:
            self._faults.append(fault)
            self._random[fault["id"]] = random.Random(spec.get("seed"))
        return dict(fault)

    def take(self, method: str, path: str) -> dict | None:
        """The first fault matching this request, counting it (and expiring it after `times`)."""
        with self._lock:
            for fault in self._faults:
                if _matches(fault, method, path) and self._drawn(fault):
                    fault["hits"] += 1
                    if fault.get("times") is not None and fault["hits"] >= fault["times"]:
                        self._faults.remove(fault)
                    return dict(fault)
        return None

    def list(self) -> list[dict]:
        with self._lock:
            return [dict(f) for f in self._faults]

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f["id"] != fault_id]
            self._random.pop(fault_id, None)
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._random.clear()


def _matches(fault: dict, method: str, path: str) -> bool:
    wanted = str(fault.get("method") or "*").upper()
    if wanted not in ("*", method.upper()):
        return False
    return fnmatch.fnmatchcase(path, fault.get("path") or "*")


class SandboxMiddleware:
    """Applies faults and records every call outside /sandbox/."""

    def __init__(self, app: Callable, log: RequestLog, faults: Faults,
                 clock: Callable[[], float], iso: Callable[[float], str]) -> None:
        self.app, self.log, self.faults, self.clock, self.iso = app, log, faults, clock, iso

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/sandbox/") or path == "/sandbox":
            return self.app(environ, start_response)
        environ["sandbox.log_epoch"] = self.log.epoch
        fault = self.faults.take(environ["REQUEST_METHOD"], path) or {}
        started = time.monotonic()
        if fault.get("latency"):
            time.sleep(float(fault["latency"]))
        if fault.get("drop") == "before":
            self._record(environ, None, started, fault)
            _drop(environ)
        if fault.get("status"):
            return self._fault_answer(environ, start_response, fault, started)
        if fault.get("drop") == "after":
            self._handle_then_drop(environ, started, fault)
        return self._handle(environ, start_response, started, fault)

    def _handle(self, environ: dict, start_response: Callable, started: float,
                fault: dict) -> Any:
        """Let the app answer, and log the status it answered with."""
        seen: dict = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
            seen["status"] = int(status.split()[0])
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        self._record(environ, seen.get("status"), started, fault)
        return result

    def _handle_then_drop(self, environ: dict, started: float, fault: dict) -> None:
        """The cloud does the work, then the connection is cut before the answer is sent."""
        seen: dict = {}

        def swallow(status: str, headers: list, exc_info: Any = None) -> Callable:
            seen["status"] = int(status.split()[0])
            return lambda data: None

        getattr(self.app(environ, swallow), "close", lambda: None)()  # handled, never sent
        self._record(environ, seen.get("status"), started, fault)
        _drop(environ)

    def _fault_answer(self, environ: dict, start_response: Callable, fault: dict,
                      started: float) -> list[bytes]:
        """An injected error answer, in a Particle error shape unless the fault gives a body."""
        status = int(fault["status"])
        headers = [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "*")]
        if status == 429:
            error = rate_limited(int(fault.get("retry_after") or 1))
            body, headers = error.body, headers + list(error.headers.items())
        else:
            body = http_error_body(status, _reason(status))
        if fault.get("retry_after") and status != 429:
            headers.append(("Retry-After", str(int(fault["retry_after"]))))
        if fault.get("body") is not None:
            body = fault["body"]
        payload = json.dumps(body).encode()
        headers.append(("Content-Length", str(len(payload))))
        start_response(f"{status} {_reason(status)}", headers)
        self._record(environ, status, started, fault)
        return [payload]

    def _record(self, environ: dict, status: int | None, started: float, fault: dict) -> None:
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        self.log.add({
            "time": self.iso(self.clock()),
            "method": environ["REQUEST_METHOD"],
            "path": environ.get("PATH_INFO", ""),
            "query": redact(query),
            "params": redact(environ.get("sandbox.params", {})),
            "status": status,
            "credential": environ.get("sandbox.credential", {"kind": "none"}),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "fault": fault.get("id"),
            "dropped": bool(fault and fault.get("drop")),
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        }, environ.get("sandbox.log_epoch"))


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _drop(environ: dict) -> None:
    """Cut the client's connection without an answer (werkzeug treats it as a dropped client)."""
    connection = environ.get("werkzeug.socket")
    if connection is not None:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAbortedError("sandbox fault: connection dropped")
