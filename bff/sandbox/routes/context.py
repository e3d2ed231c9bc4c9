"""The parts of the sandbox cloud a request may use, one small accessor each.

`make_app` stores one RouteContext in `app.extensions`; a route asks for what it needs
(`store()`, `bus()`, `simulator()` ...). The SandboxCloud itself is never handed to a route: the
control API reaches its two operations (`reset`, `demo_info`) through `lifecycle()`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app

from ..event_bus import EventBus
from ..limits import Lockout, SerialLookupLimit
from ..middleware import Faults, RequestLog
from ..simulator import DeviceSimulator
from ..state import StateStore

EXTENSION = "bff_sandbox"


class Lifecycle(Protocol):
    """What the control API may do to the whole cloud."""

    def reset(self) -> None: ...

    def demo_info(self) -> dict: ...


@dataclass(frozen=True)
class RouteContext:
    """Everything the routes use, built and owned by SandboxCloud."""
    store: StateStore
    bus: EventBus
    simulator: DeviceSimulator
    lockout: Lockout
    serial_lookups: SerialLookupLimit
    faults: Faults
    request_log: RequestLog
    lifecycle: Lifecycle


def install(app: Flask, context: RouteContext) -> None:
    """Make the parts available to this app's requests."""
    app.extensions[EXTENSION] = context


def _context() -> RouteContext:
    return current_app.extensions[EXTENSION]


def store() -> StateStore:
    """The state, its lock and its clock (`store().now()`)."""
    return _context().store


def bus() -> EventBus:
    """The event bus behind every stream."""
    return _context().bus


def simulator() -> DeviceSimulator:
    """The simulated devices (power, listening mode, device events)."""
    return _context().simulator


def lockout() -> Lockout:
    """The /oauth/token lock-out per IP."""
    return _context().lockout


def serial_lookups() -> SerialLookupLimit:
    """The serial-number look-up limit per account."""
    return _context().serial_lookups


def faults() -> Faults:
    """The injected faults (control API)."""
    return _context().faults


def request_log() -> RequestLog:
    """The API call log (control API)."""
    return _context().request_log


def lifecycle() -> Lifecycle:
    """Reset and demo info of the whole cloud (control API)."""
    return _context().lifecycle
