"""The two SoftAP listeners of a Photon: the raw TCP protocol (port 5609) and HTTP (port 80).

TCP framing: `name\\nlength\\n\\n` + body in, `\\n\\n` + JSON out, one request per connection;
HTTP: the command is the path, JSON answered chunked (Device OS v2.3.1 `hal/src/photon/softap.cpp`,
https://github.com/particle-iot/device-os/tree/v2.3.1; clients: `lib/TcpSoftAP.js` and
`lib/HttpSoftAP.js` of https://github.com/particle-iot/softap-setup-js; collected notes in
docs/softap.md#tcp-framing and docs/softap.md#http-variant).

Each listener is a threading socketserver; the handlers only frame bytes: `execute(name, body)`
answers, `answered(name)` is told once the connection that carried a successful answer is closed
(the server leaves listening mode after `connect-ap`).
"""
from __future__ import annotations

import codecs
import http.server
import json
import logging
import selectors
import socket
import socketserver
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

READ_TIMEOUT = 10.0  # seconds; as long as Android's, longer than the JS (8 s) and iOS (3 s) clients
LINGER_TIMEOUT = 2.0  # seconds to wait for the client's FIN after ours
MAX_LINE = 256
MAX_HEADER_LINES = 32
MAX_BODY = 65536
PREAMBLE = b"\n\n"

Execute = Callable[[str, bytes], "bytes | None"]


def utf16_units(data: bytes) -> int:
    """How long JavaScript, Java and NSString say the complete UTF-8 characters in `data` are."""
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(data)
    return len(text.encode("utf-16-le")) // 2


def _bytes_surely_left(data: bytes, length: int) -> int:
    """How many more bytes a client that announced `length` UTF-16 units has certainly sent.

    Each code unit still owed takes at least one byte; a character cut in two owes the rest of
    its bytes (and counts 2 units if it needs 4 bytes, 1 otherwise).
    """
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    units = len(decoder.decode(data).encode("utf-16-le")) // 2
    partial = decoder.getstate()[0]
    if not partial:
        return length - units
    size = 4 if partial[0] >= 0xF0 else 3 if partial[0] >= 0xE0 else 2
    return size - len(partial) + length - units - (2 if size == 4 else 1)


def _is_json(data: bytes) -> bool:
    """True when `data` is a complete JSON text."""
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def read_body(read: Callable[[int], bytes], length: int) -> bytes:
    """Read a body whose announced length may count characters (UTF-16 units) instead of bytes.

    Every official client announces `body.length` / `String.length()`, while the firmware reads
    that many bytes and so cuts non-ASCII bodies short. We read `length` bytes; while they are not
    a complete JSON text and the client still owes characters, we read the bytes it has certainly
    sent (never more, so nothing waits on bytes that will not come). A byte-counting client is
    served by the first read.
    """
    data = read(length)
    while len(data) >= length:
        missing = _bytes_surely_left(data, length)
        if missing <= 0 or _is_json(data):
            break
        more = read(missing)
        if not more:
            break
        data += more
    return data


def close_gracefully(connection: socket.socket) -> None:
    """Send FIN, wait briefly for the client's, then close: no RST, so the client keeps the answer."""
    try:
        connection.shutdown(socket.SHUT_WR)
        connection.settimeout(LINGER_TIMEOUT)
        drained = 0
        while drained < MAX_BODY and (chunk := connection.recv(4096)):
            drained += len(chunk)
    except OSError:
        pass
    finally:
        connection.close()


class Listener(socketserver.ThreadingTCPServer):
    """One listening socket; a daemon thread per connection; `close()` takes effect at once."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, execute: Execute,
                 answered: Callable[[str], None]):
        self.execute = execute
        self.answered = answered
        self._closing = False
        self._stopped = threading.Event()
        super().__init__(address, handler)
        self._wake_read, self._wake_write = socket.socketpair()

    def serve_until_closed(self) -> None:
        """Accept connections until `close()` (socketserver's poll loop would delay that)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while not self._closing:
                for key, _ in selector.select():
                    if key.fileobj is self.socket and not self._closing:
                        self._handle_request_noblock()
        self._stopped.set()

    def handle_error(self, request: socket.socket, client_address: tuple) -> None:
        """Log a failed connection (socketserver would print it to stderr)."""
        log.exception("softap: error while serving %s", client_address)

    def close(self) -> None:
        """Stop accepting and close the listening socket (call once, after serving started)."""
        self._closing = True
        self._wake_write.send(b"!")
        self._stopped.wait()
        self.server_close()
        self._wake_read.close()
        self._wake_write.close()


class _ClosingHandler(socketserver.StreamRequestHandler):
    """Closes each connection after one answer, then reports which command it answered."""

    timeout = READ_TIMEOUT
    answered_name: str | None = None

    def finish(self) -> None:
        """Close the connection gracefully, then tell the server what was answered."""
        try:
            super().finish()
        except OSError:
            pass
        close_gracefully(self.connection)
        if self.answered_name is not None:
            self.server.answered(self.answered_name)


class TcpCommandHandler(_ClosingHandler):
    """`name\\nlength\\n\\n` + body in; `\\n\\n` + JSON out, then close. One request per connection."""

    def handle(self) -> None:
        """Read one request, write the preamble and the answer (or nothing for unknown names)."""
        try:
            request = self._read_request()
        except OSError as error:
            log.debug("softap tcp: %s", error)
            return
        if request is None:
            return
        name, body = request
        answer = self.server.execute(name, body)
        if answer is None:
            log.debug("softap tcp: unknown command %r", name)
            return
        if answer:  # the device acts on the command even if the client has gone
            self.answered_name = name
        try:
            self.wfile.write(PREAMBLE + answer)
        except OSError as error:
            log.debug("softap tcp: client left before the answer: %s", error)

    def _read_request(self) -> tuple[str, bytes] | None:
        """The command name and body; None when the header never completes."""
        name_line, length_line = self.rfile.readline(MAX_LINE), self.rfile.readline(MAX_LINE)
        if not (name_line.endswith(b"\n") and length_line.endswith(b"\n")):
            return None
        for _ in range(MAX_HEADER_LINES):  # skip any further lines up to the empty one
            line = self.rfile.readline(MAX_LINE)
            if line == b"\n":
                break
            if not line:
                return None
        name = name_line[:-1].decode("utf-8", errors="replace")
        return name, read_body(self.rfile.read, _length(length_line[:-1]))


def _length(text: bytes) -> int:
    """A decimal body length; anything else, or too large, counts as no body (our choice)."""
    length = int(text) if text.isdigit() else 0
    return length if length <= MAX_BODY else 0


class HttpCommandHandler(_ClosingHandler, http.server.BaseHTTPRequestHandler):
    """The HTTP variant: the command is the path, GET or POST, JSON answered chunked with CORS."""

    protocol_version = "HTTP/1.1"
    server_version = "Photon-SoftAP"

    def do_GET(self) -> None:
        """Dispatch any path; POST bodies are JSON whatever the Content-Type says."""
        self.close_connection = True
        path = urlsplit(self.path).path
        length = _length(self.headers.get("Content-Length", "0").strip().encode())
        body = read_body(self.rfile.read, length) if length else b""
        answer = self.server.execute(path[1:], body) if path.startswith("/") else None
        if answer is not None:
            self.answered_name = path[1:] if answer else None
            self._send_json(answer)
        elif path in ("/", "/index"):
            self._send_plain(301, "", {"Location": "/index" if path == "/" else "/hello"})
        elif path == "/hello":
            self._send_plain(200, "Soft AP Setup")
        else:
            self._send_plain(404, "")

    do_POST = do_GET

    def _send_json(self, answer: bytes) -> None:
        """200, JSON in one chunk (no chunk for a parse failure), headers as the firmware's server."""
        self.send_response_only(200)
        for header, value in (("Content-Type", "application/json"),
                              ("Transfer-Encoding", "chunked"),
                              ("Cache-Control", "no-store, no-cache, must-revalidate"),
                              ("Pragma", "no-cache"),
                              ("Access-Control-Allow-Origin", "*"),
                              ("Connection", "close")):
            self.send_header(header, value)
        self.end_headers()
        chunk = b"%x\r\n%s\r\n" % (len(answer), answer) if answer else b""
        self.wfile.write(chunk + b"0\r\n\r\n")

    def _send_plain(self, status: int, text: str, headers: dict | None = None) -> None:
        """A small text/plain answer (redirects, the hello page, not found)."""
        body = text.encode("utf-8")
        self.send_response_only(status)
        for header, value in {"Content-Type": "text/plain", "Content-Length": str(len(body)),
                              "Connection": "close", **(headers or {})}.items():
            self.send_header(header, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        """Request logs go to `logging` (debug), not to stderr."""
        log.debug("softap http: " + format, *args)
