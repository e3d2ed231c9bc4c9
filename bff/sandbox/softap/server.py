"""A simulated Photon/P1 in listening mode: the SoftAPServer that answers on two ports.

The raw TCP protocol the mobile apps and the CLI use (port 5609 on a real device) and the HTTP
variant (port 80), both on ephemeral loopback ports. After `connect-ap` is answered and its
connection closed, the SoftAP stops (both ports refuse) and `on_connect_ap(memory)` runs in its
own thread; the sandbox then joins Wi-Fi and the cloud, or calls `start()` again (same ports when
free) if the credentials were wrong. Usage: see bff/sandbox/softap/__init__.py.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .commands import SoftAPCommands
from .memory import PhotonMemory
from .transport import HttpCommandHandler, Listener, TcpCommandHandler

log = logging.getLogger(__name__)


class SoftAPServer:
    """The SoftAP of one Photon: a TCP and an HTTP listener sharing one PhotonMemory. Thread-safe."""

    def __init__(self, memory: PhotonMemory, networks: Callable[[], list[dict]],
                 on_connect_ap: Callable[[PhotonMemory], None], host: str = "127.0.0.1"):
        self.memory = memory
        self.host = host
        self._commands = SoftAPCommands(memory, networks)
        self._on_connect_ap = on_connect_ap
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._ports = (0, 0)
        self._leaving = False

    @property
    def ssid(self) -> str:
        """The network name the Photon broadcasts, e.g. `Photon-7HXK2R`."""
        return self.memory.ssid

    @property
    def running(self) -> bool:
        """True while both listeners accept connections."""
        return bool(self._listeners)

    def start(self) -> dict:
        """Listen (again) and return {"host", "tcp_port", "http_port"}; reuses earlier ports if free."""
        with self._lock:
            if not self._listeners:
                self._leaving = False
                try:
                    for handler, port in zip((TcpCommandHandler, HttpCommandHandler), self._ports):
                        self._listeners.append(self._listen(handler, port))
                        threading.Thread(target=self._listeners[-1].serve_until_closed,
                                         name=f"softap-{self.ssid}", daemon=True).start()
                except OSError:
                    self.stop()
                    raise
                self._ports = tuple(listener.server_address[1] for listener in self._listeners)
            return {"host": self.host, "tcp_port": self._ports[0], "http_port": self._ports[1]}

    def stop(self) -> None:
        """Close both listeners (connections already accepted finish on their own). Idempotent."""
        with self._lock:
            listeners, self._listeners = self._listeners, []
            for listener in listeners:
                listener.close()

    def _listen(self, handler: type, port: int) -> Listener:
        """A listener on `port`, or on a new ephemeral port when that one is taken."""
        try:
            return Listener((self.host, port), handler, self._commands.execute, self._answered)
        except OSError:
            if port == 0:
                raise
            log.info("softap %s: port %d taken, using a new one", self.ssid, port)
            return self._listen(handler, 0)

    def _answered(self, name: str) -> None:
        """Called by a handler once the connection that carried an answer is closed."""
        if name != "connect-ap":
            return
        with self._lock:
            if self._leaving:
                return
            self._leaving = True
        threading.Thread(target=self._leave_listening_mode, name=f"softap-{self.ssid}-leave",
                         daemon=True).start()

    def _leave_listening_mode(self) -> None:
        """What the firmware does after `connect-ap`: tear the SoftAP down, then join Wi-Fi."""
        self.stop()
        try:
            self._on_connect_ap(self.memory)
        except Exception:
            log.exception("softap %s: on_connect_ap failed", self.ssid)
