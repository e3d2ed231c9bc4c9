"""The sandbox's HTTP server: werkzeug's threaded WSGI server in a daemon thread, with keep-alive.

Like api.particle.io, it keeps HTTP/1.1 connections open between requests (a client with a pool
pays one TCP connection, not one per request); see `_KeepAliveHandler` for how.

`stop()` must look like a cloud outage to clients: the listening socket closes, open streams end
(the event bus is closed first) and every connection still open is shut down, so no request is
answered by a stopped sandbox. Restarting on the same port works (SO_REUSEADDR).
"""
from __future__ import annotations

import io
import logging
import socket
import threading
import time
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

log = logging.getLogger(__name__)
BIND_RETRY_SECONDS = 5.0
IDLE_CONNECTION_SECONDS = 60.0  # a kept-alive connection silent this long is closed


class _KeepAliveHandler(WSGIRequestHandler):
    """werkzeug's request handler, quiet, with HTTP/1.1 keep-alive.

    werkzeug answers every request with `Connection: close` because http.server cannot skip a
    request body the app left unread before parsing the next request line (after each answer it
    reads whatever the socket still holds and throws it away). Here a body sent with a
    Content-Length is read whole before the app runs (the sandbox's bodies are small forms and
    JSON) and that drain is shown an empty stream, so an answer with a Content-Length may keep the
    connection open. Chunked requests and answers without a length (event streams) still close it. Hand-written: werkzeug has no option
    for it, and a server library with keep-alive would lose werkzeug's stop() behaviour we rely on.
    Request lines go to the debug log (the sandbox has its own request log)."""

    timeout = IDLE_CONNECTION_SECONDS

    def make_environ(self):
        environ = super().make_environ()
        self._body_read = self._read_whole_body(environ)
        self._length_sent = False
        return environ

    def _read_whole_body(self, environ) -> bool:
        """Replace the socket input by the body itself; False when that cannot be done."""
        if environ.get("wsgi.input_terminated"):  # chunked: its end is in the stream
            return False
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        environ["wsgi.input"] = io.BytesIO(self.rfile.read(length) if length > 0 else b"")
        self._socket_rfile, self.rfile = self.rfile, io.BytesIO()  # nothing left for the drain
        return length >= 0

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            socket_rfile, self._socket_rfile = getattr(self, "_socket_rfile", None), None
            if socket_rfile is not None:
                self.rfile = socket_rfile  # the next request line comes from the socket

    def send_header(self, keyword: str, value: str) -> None:
        name = keyword.lower()
        if name == "content-length":
            self._length_sent = True
        elif name == "connection" and value.lower() == "close" and self._keep_alive_safe():
            return  # werkzeug's unconditional close: this answer can keep the connection
        super().send_header(keyword, value)

    def _keep_alive_safe(self) -> bool:
        asked_to_close = self.close_connection  # HTTP/1.0, or the client's own Connection: close
        return getattr(self, "_body_read", False) and getattr(self, "_length_sent", False) and not asked_to_close

    def log(self, type: str, message: str, *args: Any) -> None:
        log.debug(message, *args)


class _TrackingServer(ThreadedWSGIServer):
    """Remembers open connections so stop() can cut them."""

    block_on_close = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        # werkzeug writes the head and the body of an answer separately: without TCP_NODELAY a
        # kept-alive connection waits for the client's delayed ACK (~40 ms) between them
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        """Shut down every connection still open."""
        with self.connections_lock:
            open_connections = list(self.connections)
            self.connections.clear()
        for connection in open_connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class HttpServer:
    """One running server: start() binds and serves in a thread, stop() ends it all."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self.app, self.host, self.requested_port = app, host, port
        self._server: _TrackingServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._server is not None, "server not started"
        return self._server.port

    def start(self) -> int:
        """Bind (retrying briefly while the port is still held) and serve; returns the port."""
        self._server = self._bind()
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,),
                                        name=f"sandbox-http-{self._server.port}", daemon=True)
        self._thread.start()
        return self._server.port

    def _bind(self) -> _TrackingServer:
        deadline = time.monotonic() + BIND_RETRY_SECONDS
        while True:
            try:
                return _TrackingServer(self.host, self.requested_port, self.app,
                                       handler=_KeepAliveHandler)
            except SystemExit:  # werkzeug prints the bind error and calls sys.exit(1)
                if time.monotonic() > deadline:
                    raise OSError(f"cannot listen on {self.host}:{self.requested_port}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop accepting, close the socket, cut open connections, wait for the loop to end."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.cut_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
