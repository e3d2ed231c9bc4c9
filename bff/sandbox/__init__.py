"""The sandbox Particle cloud: a local imitation of the Particle cloud REST API (real HTTP on
loopback) with simulated Electrons and Photons. See bff/sandbox/README.md.

    from bff.sandbox import SandboxCloud
    cloud = SandboxCloud(state_file=None, require_online_to_claim=True)
    base_url = cloud.start(host="127.0.0.1", port=0)
"""
from __future__ import annotations

__all__ = ["SandboxCloud"]


def __getattr__(name: str):
    """Import the cloud only when it is used, so `bff.sandbox.cli` stays cheap to register."""
    if name == "SandboxCloud":
        from .cloud import SandboxCloud

        return SandboxCloud
    raise AttributeError(name)
