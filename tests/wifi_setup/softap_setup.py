"""A setup app's side of the Photon SoftAP raw TCP protocol (docs/softap.md, "TCP framing" and
"Public key and password"), written here from the protocol notes: `name\\nlength\\n\\nbody` per
connection, the answer `\\n\\n` + JSON, then the device closes; the Wi-Fi password RSA PKCS#1 v1.5
encrypted with the device's public key (DER SubjectPublicKeyInfo after the device's hex), as hex.
"""
from __future__ import annotations

import json
import socket

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding

WAIT = 10.0  # seconds; a broken test fails after this, a working one never waits on it


class SoftApSetup:
    """One Photon in listening mode, reached at (host, tcp_port) on loopback."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)

    def command(self, name: str, body: dict | None = None) -> dict:
        """Send one command on a fresh connection; the JSON answer (after the `\\n\\n` preamble)."""
        text = json.dumps(body, separators=(",", ":")) if body is not None else ""
        request = f"{name}\n{len(text)}\n\n{text}".encode()
        with socket.create_connection(self.address, timeout=WAIT) as connection:
            connection.sendall(request)
            answer = b""
            while chunk := connection.recv(4096):
                answer += chunk
        assert answer.startswith(b"\n\n"), f"{name}: no preamble in {answer[:40]!r}"
        return json.loads(answer[2:])

    def device_id(self) -> tuple[str, bool]:
        """(device ID in lower case, the device's claimed flag)."""
        answer = self.command("device-id")
        return answer["id"].lower(), answer["c"] == "1"

    def public_key(self):
        """The device's RSA key: DER SubjectPublicKeyInfo at the start of the hex, filler after."""
        raw = bytes.fromhex(self.command("public-key")["b"])
        length = 3 + raw[2]  # 30 81 xx: a sequence whose length takes one byte
        return serialization.load_der_public_key(raw[:length])

    def set_claim_code(self, code: str) -> dict:
        return self.command("set", {"k": "cc", "v": code})

    def configure(self, key, ssid: str, password: str) -> dict:
        """Give the Wi-Fi network, the password encrypted with the device key (as the apps do)."""
        network = next(n for n in self.command("scan-ap")["scans"] if n["ssid"] == ssid)
        pwd = key.encrypt(password.encode(), padding.PKCS1v15()).hex()
        return self.command("configure-ap", {"idx": 0, "ssid": ssid, "sec": network["sec"],
                                             "ch": network["ch"], "pwd": pwd})

    def connect(self) -> dict:
        return self.command("connect-ap", {"idx": 0})

    def run(self, claim_code: str | None, ssid: str, password: str) -> str:
        """The whole setup (no `set cc` when `claim_code` is None); returns the device ID."""
        device_id, _ = self.device_id()
        key = self.public_key()
        if claim_code is not None:
            assert self.set_claim_code(claim_code) == {"r": 0}
        assert self.configure(key, ssid, password) == {"r": 0}
        assert self.connect() == {"r": 0}
        return device_id
