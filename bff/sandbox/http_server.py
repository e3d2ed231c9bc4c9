"""The sandbox's HTTP server: werkzeug's threaded WSGI server in a daemon thread.

`stop()` must look like a cloud outage to clients: the listening socket closes, open streams end
(the event bus is closed first) and every connection still open is shut down, so no request is
answered by a stopped sandbox. Restarting on the same port works (SO_REUSEADDR).
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

log = logging.getLogger(__name__)
BIND_RETRY_SECONDS = 5.0


class _QuietHandler(WSGIRequestHandler):
    """Request lines go to the debug log instead of stderr (the sandbox has its own request log)."""

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
                                       handler=_QuietHandler)
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
