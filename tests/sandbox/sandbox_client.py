"""A small HTTP client for the sandbox tests: Particle calls, control calls, an SSE reader, waits."""
from __future__ import annotations

import json
import queue
import socket
import threading
import time
import uuid
from typing import Any

import requests

from tests.support.polling import wait_for  # noqa: F401  (re-exported for the sandbox tests)

TIMEOUT = 10




class SandboxApi:
    """Calls against one running sandbox, with shortcuts for its demo data."""

    def __init__(self, base_url: str, info: dict) -> None:
        self.url = base_url
        self.info = info

    # -- raw HTTP ------------------------------------------------------------------------------
    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url + path, headers=headers, timeout=TIMEOUT, **kwargs)

    def get(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.call("GET", path, token, **kw)

    def post(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.call("POST", path, token, **kw)

    def put(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.call("PUT", path, token, **kw)

    def delete(self, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        return self.call("DELETE", path, token, **kw)

    # -- demo data -----------------------------------------------------------------------------
    def product(self, platform: str = "electron") -> dict:
        return next(p for p in self.info["products"] if p["platform"] == platform)

    def product_token(self, platform: str = "electron") -> str:
        product = self.product(platform)
        response = self.post("/oauth/token", data={"grant_type": "client_credentials"},
                             auth=(product["client_id"], product["client_secret"]))
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def user_token(self) -> str:
        developer = self.info["developer"]
        response = self.post("/oauth/token", auth=("particle", "particle"),
                             data={"grant_type": "password", **developer})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def new_customer(self, platform: str = "electron", username: str | None = None) -> tuple[str, str]:
        """(username, token) of a new shadow customer (Basic client auth, no_password)."""
        product = self.product(platform)
        username = username or f"shadow-{uuid.uuid4().hex[:12]}"
        response = self.post(f"/v1/products/{product['id']}/customers",
                             auth=(product["client_id"], product["client_secret"]),
                             data={"email": username, "no_password": "true"})
        assert response.status_code == 201, response.text
        return username, response.json()["access_token"]

    # -- control -------------------------------------------------------------------------------
    def device(self, platform: str = "electron", product: Any = "default", online: bool = True,
               **extra: Any) -> dict:
        """A new sandbox device (in the demo product of its platform, if there is one, unless
        product=None)."""
        if product == "default":
            product = next((p["id"] for p in self.info["products"] if p["platform"] == platform), None)
        response = self.post("/sandbox/devices", json={"platform": platform, "product": product,
                                                       "online": online, **extra})
        assert response.status_code == 201, response.text
        return response.json()

    def power(self, device_id: str, online: bool) -> dict:
        response = self.post(f"/sandbox/devices/{device_id}/{'online' if online else 'offline'}")
        assert response.status_code == 200, response.text
        return response.json()

    def state(self) -> dict:
        return self.get("/sandbox/state").json()

    def device_state(self, device_id: str) -> dict:
        return self.get(f"/sandbox/devices/{device_id}").json()

    def options(self, **values: Any) -> dict:
        response = self.put("/sandbox/options", json=values)
        assert response.status_code == 200, response.text
        return response.json()

    def advance(self, seconds: float) -> None:
        assert self.post("/sandbox/clock", json={"advance": seconds}).status_code == 200

    def log(self) -> list[dict]:
        return self.get("/sandbox/requests").json()


class EventStreamReader:
    """Reads an SSE response in a thread: raw bytes so far, parsed events, end of stream."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self._socket = _socket_of(response)
        self.raw = b""
        self.events: queue.Queue = queue.Queue()
        self.ended = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        buffer = b""
        try:
            for chunk in self.response.iter_content(chunk_size=None):
                with self._lock:
                    self.raw += chunk
                buffer += chunk
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    self._parse(block.decode())
        except Exception:  # the server cut the connection
            pass
        finally:
            self.ended.set()

    def _parse(self, block: str) -> None:
        name, data = None, None
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: "):])
        if name is not None and data is not None:
            self.events.put((name, data))

    def bytes_so_far(self) -> bytes:
        with self._lock:
            return self.raw

    def next_event(self, name: str | None = None, timeout: float = 10.0) -> tuple[str, dict]:
        """The next event (with this name, skipping others)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no event {name or ''} within {timeout} s")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if name is None or event[0] == name:
                return event

    def close(self) -> None:
        """Cut the connection (closing a requests response alone waits for the next chunk)."""
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.response.close()
        self.ended.wait(5)


def _socket_of(response: requests.Response):
    """The socket under a streamed requests response (None if urllib3 hides it)."""
    try:
        return response.raw._fp.fp.raw._sock
    except AttributeError:
        return None
