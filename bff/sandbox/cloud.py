"""SandboxCloud: the local Particle cloud, its state, its devices and its HTTP server.

    cloud = SandboxCloud(state_file=None, require_online_to_claim=True)
    base_url = cloud.start(host="127.0.0.1", port=0)   # "http://127.0.0.1:PORT"
    cloud.demo_info(); cloud.reset(); cloud.stop(); cloud.start(port=<same>)

This module builds the parts and wires them together; the routes only receive the parts they use
(bff/sandbox/routes/context.py), never the SandboxCloud.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from . import demo
from .app import make_app
from .event_bus import EventBus
from .http_server import HttpServer
from .limits import Lockout, SerialLookupLimit
from .middleware import Faults, RequestLog
from .routes.context import RouteContext
from .simulator import DeviceSimulator
from .state import StateStore

log = logging.getLogger(__name__)


class SandboxCloud:
    """A faithful local imitation of the Particle cloud API with simulated devices."""

    def __init__(self, state_file: str | None = None, require_online_to_claim: bool = True,
                 sse_keepalive: float = 9.0, softap: Any = None) -> None:
        """`softap`: an object with PhotonMemory and SoftAPServer (default: bff.sandbox.softap)."""
        self.store = StateStore(state_file)
        self.bus = EventBus()
        self.lockout = Lockout()
        self.serial_lookups = SerialLookupLimit()
        self.request_log = RequestLog()
        self.faults = Faults()
        self.simulator = DeviceSimulator(self.store, self.bus, softap)
        self.base_url: str | None = None
        self._options = {"require_online_to_claim": bool(require_online_to_claim),
                         "sse_keepalive": float(sse_keepalive)}
        self._server: HttpServer | None = None
        self._lifecycle = threading.Lock()
        self.store.before_save = self.simulator.sync
        self.store.state.options.update(self._options)
        self.app = make_app(RouteContext(
            store=self.store, bus=self.bus, simulator=self.simulator, lockout=self.lockout,
            serial_lookups=self.serial_lookups, faults=self.faults,
            request_log=self.request_log, lifecycle=self))

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port in a daemon thread (seeding the demo data if empty); the base URL."""
        with self._lifecycle:
            if self._server is not None:
                return self.base_url  # type: ignore[return-value]
            self._seed_if_empty()
            server = HttpServer(self.app, host, port)
            bound = server.start()
            self._server, self.simulator.softap_host = server, host
            self.base_url = f"http://{host}:{bound}"
        self._resume_listening()
        log.info("sandbox Particle cloud on %s", self.base_url)
        return self.base_url

    def stop(self) -> None:
        """Stop serving: end streams, stop SoftAPs, close the server and its connections."""
        with self._lifecycle:
            server, self._server = self._server, None
            self.bus.close_all()
            self.simulator.stop_all()
            if server is not None:
                server.stop()
            self.store.save()

    def reset(self) -> None:
        """Back to the demo data with the same OAuth clients; fresh devices, customers, tokens."""
        self.simulator.forget()
        self.bus.close_all()
        with self.store.lock:
            old = self.store.state
            clients = {p.id: (p.client_id, p.client_secret) for p in old.products.values()}
            self.store.replace(demo.build_state(self.store.now() - old.clock_offset,
                                                self._options, clients))
        self.bus.clear_history()
        self.lockout.clear()
        self.faults.clear()
        self.request_log.clear()
        self.serial_lookups.clear()

    def _seed_if_empty(self) -> None:
        with self.store.lock:
            state = self.store.state
            if state.is_empty():
                self.store.replace(demo.build_state(self.store.now(), {**state.options,
                                                                       **self._options}))
            elif not state.orgs and not state.api_users:  # saved before orgs and API users
                with self.store.write() as state:
                    demo.add_org_and_api_users(state, self.store.now())

    def _resume_listening(self) -> None:
        """Devices that were listening when the sandbox stopped get their SoftAP back."""
        with self.store.read() as state:
            listening = [d.id for d in state.devices.values() if d.listening]
        for device_id in listening:
            try:
                self.simulator.listen(device_id)
            except Exception:  # a missing SoftAP module must not stop the cloud
                log.exception("sandbox: could not resume listening mode of %s", device_id)

    # -- information ---------------------------------------------------------------------------
    def demo_info(self) -> dict:
        """`{"base_url", "products": [...], "orgs": [...], "wifi": [...], "developer": {...}}`."""
        self._seed_if_empty()
        with self.store.read() as state:
            return demo.demo_info(state, self.base_url)

    @property
    def running(self) -> bool:
        """True while the HTTP server is up."""
        return self._server is not None
