"""A product creator's endpoint for bff's events, as a receiver should write one: a tiny HTTP server on
127.0.0.1 (in a thread) that verifies each delivery's signature with `bff.webhooks.signing.verify`,
checks the `Bff-Event-Id` header against the body's id, and keeps every event once (deduplicated by
id, as the README tells receivers to). It can misbehave on demand, one planned answer per request:
a status (500, 302, ...) or "timeout" (it answers only after the sender gave up).
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bff.webhooks.signing import ID_HEADER, verify

SECRET = "test-webhook-secret-0123456789abcdef"
SLOW_SECONDS = 1.5  # a "timeout" answer comes this late (senders in the tests wait less)


class WebhookReceiver:
    """Records `requests` (every POST, verified or not) and `events` (verified, first time each id)."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.lock = threading.Lock()
        self.release = threading.Event()  # set to let a "timeout" answer go (and at stop)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.generation = getattr(self, "generation", 0) + 1  # a late answer of an earlier test records nothing
            self.requests: list[dict] = []
            self.events: dict[str, dict] = {}  # event id -> the event, in arrival order
            self.plan: list = []  # answers for the next requests: a status or "timeout"
            self.always: dict[str, object] = {}  # path -> the answer every request there gets

    def start(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the http.server name)
                receiver._handle(self)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.url = f"{self.base_url}/bff-events"
        self.other_url = f"{self.base_url}/other-events"  # a second endpoint on the same server
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, *answers) -> None:
        """The next requests get these answers (a status, or "timeout"), then 200 again."""
        with self.lock:
            self.plan.extend(answers)

    def received(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def event_list(self) -> list[dict]:
        with self.lock:
            return list(self.events.values())

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        headers = dict(handler.headers.items())
        verified = verify(self.secret, headers, body)
        event = json.loads(body) if verified else None
        id_matches = bool(event) and headers.get(ID_HEADER) == event.get("id")
        with self.lock:
            self.requests.append({"path": handler.path, "headers": headers, "body": body,
                                  "verified": verified, "id_matches": id_matches})
            answer = self.always.get(handler.path) or (self.plan.pop(0) if self.plan else None)
            generation = self.generation
        if answer == "timeout":
            self.release.wait(SLOW_SECONDS)
            answer = 200
        status = answer or (200 if verified and id_matches else 400)
        if status == 200:
            with self.lock:
                if generation == self.generation:  # a redelivery of a known id changes nothing
                    self.events.setdefault(event["id"], event)
        self._answer(handler, status)

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int) -> None:
        try:
            handler.send_response(status)
            if 300 <= status < 400:
                handler.send_header("Location", "/elsewhere")
            handler.send_header("Content-Length", "2")
            handler.end_headers()
            handler.wfile.write(b"ok" if status == 200 else b"no")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up (a "timeout" answer): as a real server, shrug
