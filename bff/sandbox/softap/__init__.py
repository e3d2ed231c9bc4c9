"""A simulated Photon/P1 in listening mode: the device side of Particle's SoftAP setup protocol.

The sandbox gives each listening Photon a `SoftAPServer` on loopback; Particle's own
`@particle/softap-setup` (https://github.com/particle-iot/softap-setup-js) works against it
unchanged. It needs nothing else of the sandbox:

    from bff.sandbox.softap import PhotonMemory, SoftAPServer
    memory = PhotonMemory(device_id="220038000947333531303339")
    softap = SoftAPServer(memory, networks=lambda: [{"ssid": "Home", "password": "pw",
                                                     "security": "wpa2_aes", "channel": 6,
                                                     "rssi": -50}],
                          on_connect_ap=lambda memory: print(memory.credentials))
    softap.start()   # {"host": "127.0.0.1", "tcp_port": ..., "http_port": ...}

Modules: `server` (SoftAPServer), `memory` (what the device keeps: PhotonMemory, its RSA key),
`commands` (the JSON of each command), `transport` (TCP and HTTP framing), `security` (WICED
security values). Facts and sources: docs/softap.md. The names below are imported on first use,
so `bff.sandbox.softap.security` stays importable without `cryptography`.
"""
from __future__ import annotations

from importlib import import_module

__all__ = ["PhotonMemory", "SECURITY", "SoftAPServer", "WifiCredentials", "security_value"]
_HOMES = {"PhotonMemory": "memory", "WifiCredentials": "memory", "SoftAPServer": "server",
          "SECURITY": "security", "security_value": "security"}


def __getattr__(name: str):
    """Import a public name from its module when it is first used."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOMES[name]}", __name__), name)
