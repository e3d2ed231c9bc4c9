"""The SoftAP commands of a Photon in listening mode, answered byte for byte as the firmware does.

Source of every rule: Device OS v2.3.1 `hal/src/photon/softap.cpp` and its protocol notes
`hal/src/photon/soft-ap.md` (https://github.com/particle-iot/device-os/tree/v2.3.1/hal/src/photon;
collected notes in docs/softap.md#commands and docs/softap.md#parse-failures).
Answers are written by hand, like the firmware's writer: no spaces, the firmware's field order, and
SSIDs in `scan-ap` copied without JSON escaping. Request strings are used raw, as the firmware's
jsmn tokens are: no JSON un-escaping of `ssid` or the claim code.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

from .memory import PhotonMemory, WifiCredentials
from .security import max_data_rate, security_value

log = logging.getLogger(__name__)

SSID_MAX_BYTES = 32  # the scan entry's ssid[33]
CIPHERTEXT_HEX_DIGITS = 256  # one 1024-bit RSA block
STRING, PRIMITIVE = "string", "primitive"
CONFIGURE_AP_KEYS = {
    "idx": PRIMITIVE, "ssid": STRING, "pwd": STRING, "ch": PRIMITIVE, "sec": PRIMITIVE,
    "eap": PRIMITIVE, "oi": STRING, "ii": STRING, "crt": STRING, "ek": STRING, "key": STRING,
    "ca": STRING,
}
SET_KEYS = {"k": STRING, "v": STRING}
SET_KEY_CHARS = 2  # char key[4]: strncpy 3, then key[2] = 0


class ParseFailure(Exception):
    """The request body is not what the command accepts: the firmware then writes no JSON."""


def atoi(text: str) -> int:
    """C `atoi` of a raw JSON primitive: leading integer digits, else 0 (`null`, `true`, ...)."""
    match = re.match(r"\s*([+-]?\d+)", text)
    return int(match.group(1)) if match else 0


def _raw_string(text: str, start: int) -> tuple[str, int]:
    """The raw characters between the quotes of the JSON string at `start`, and the index after it."""
    _, end = json.decoder.scanstring(text, start + 1)
    return text[start + 1:end - 1], end


def _skip_space(text: str, index: int) -> int:
    """The index of the next non-whitespace character (or the end)."""
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _raw_members(text: str) -> list[tuple[str, str, str]]:
    """(raw key, kind, raw value) of each member of a JSON object that json.loads accepted."""
    members, decoder = [], json.JSONDecoder()
    index = _skip_space(text, 0) + 1
    while (index := _skip_space(text, index)) < len(text) and text[index] != "}":
        if text[index] == ",":
            index = _skip_space(text, index + 1)
        key, index = _raw_string(text, index)
        index = _skip_space(text, _skip_space(text, index) + 1)  # past the colon
        if text[index] == '"':
            value, index = _raw_string(text, index)
            members.append((key, STRING, value))
            continue
        parsed, end = decoder.raw_decode(text, index)
        kind = "container" if isinstance(parsed, (dict, list)) else PRIMITIVE
        members.append((key, kind, text[index:end]))
        index = end
    return members


def parse_request(body: str, accepted: dict[str, str]) -> dict[str, str]:
    """The raw values of a request object, checked like the firmware's parser.

    Any key not in `accepted`, or a value of another JSON kind, or a body that is not a JSON
    object, raises ParseFailure. A repeated key keeps its last value.
    """
    try:
        if not isinstance(json.loads(body), dict):
            raise ParseFailure("not a JSON object")
    except ValueError as error:
        raise ParseFailure(str(error)) from None
    values = {}
    for key, kind, value in _raw_members(body):
        if accepted.get(key) != kind:
            raise ParseFailure(f"key {key!r} ({kind}) not accepted")
        values[key] = value
    return values


def _result(code: int) -> str:
    """The `{"r":code}` answer most commands give."""
    return '{"r":%d}' % code


class SoftAPCommands:
    """Executes commands by name against a PhotonMemory and the sandbox's Wi-Fi networks."""

    def __init__(self, memory: PhotonMemory, networks: Callable[[], list[dict]]):
        self.memory = memory
        self.networks = networks
        self._handlers = {
            "version": self.version, "device-id": self.device_id, "scan-ap": self.scan_ap,
            "configure-ap": self.configure_ap, "connect-ap": self.connect_ap,
            "public-key": self.public_key, "set": self.set_value,
        }

    def execute(self, name: str, body: bytes) -> bytes | None:
        """The answer to one command: None for an unknown name, b"" when the body fails to parse."""
        handler = self._handlers.get(name)
        if handler is None:
            return None
        try:
            return handler(body.decode("utf-8", errors="replace")).encode("utf-8")
        except ParseFailure as failure:
            log.debug("softap %s: parse failure: %s", name, failure)
            return b""

    def version(self, body: str) -> str:
        """`{"v":2}`: the firmware's code returns 2 (its protocol notes still say 1)."""
        return '{"v":2}'

    def device_id(self, body: str) -> str:
        """The id in upper case and the claimed flag as the string "0" or "1"."""
        claimed = "1" if self.memory.claimed else "0"
        return '{"id":"%s","c":"%s"}' % (self.memory.device_id.upper(), claimed)

    def scan_ap(self, body: str) -> str:
        """The sandbox networks as a Photon reports them; never their passwords."""
        entries = filter(None, (self._scan_entry(network) for network in self.networks()))
        return '{"scans":[%s]}' % ",".join(entries)

    def _scan_entry(self, network: dict) -> str | None:
        """One scan result; None for a hidden (empty) SSID or an unknown security value."""
        ssid_bytes = str(network.get("ssid") or "").encode("utf-8")[:SSID_MAX_BYTES]
        ssid = ssid_bytes.decode("utf-8", errors="ignore")
        if not ssid:
            return None
        try:
            security = security_value(network.get("security"), network.get("password") or "")
        except ValueError as error:
            log.warning("scan-ap skips %r: %s", ssid, error)
            return None
        rssi, channel = int(network.get("rssi") or -56), int(network.get("channel") or 6)
        return '{"ssid":"%s","rssi":%d,"sec":%d,"ch":%d,"mdr":%d}' % (
            ssid, rssi, security, channel, max_data_rate(security))

    def public_key(self, body: str) -> str:
        """The 294-byte key slot (DER SubjectPublicKeyInfo + zero filler) as upper-case hex."""
        return '{"b":"%s","r":0}' % self.memory.public_key_hex()

    def configure_ap(self, body: str) -> str:
        """Decrypt the password and store the network at once; r=-1 if the SSID or password is bad.

        Enterprise keys (eap, oi, ii, crt, ek, key, ca) are accepted and ignored.
        """
        values = parse_request(body, CONFIGURE_AP_KEYS)
        if not values.get("ssid"):
            return _result(-1)
        try:
            password = self._decrypt_password(values.get("pwd", ""))
        except ValueError:
            return _result(-1)
        channel = atoi(values["ch"]) if "ch" in values else None
        self.memory.store_credentials(WifiCredentials(
            ssid=values["ssid"], security=atoi(values.get("sec", "0")),
            channel=channel, password=password))
        return _result(0)

    def _decrypt_password(self, hex_text: str) -> str:
        """The plain password from `pwd` (hex of one RSA PKCS#1 v1.5 block, either case).

        Like the firmware, a `pwd` shorter than two digits is taken as is, and decryption uses the
        first 256 digits. Raises ValueError when the hex or the decryption is bad.
        """
        if len(hex_text) < 2:
            return hex_text
        plain = self.memory.decrypt(bytes.fromhex(hex_text[:CIPHERTEXT_HEX_DIGITS]))
        return plain.split(b"\0", 1)[0].decode("utf-8", errors="replace")

    def connect_ap(self, body: str) -> str:
        """Acknowledge; the transport then closes and the server leaves listening mode."""
        return _result(0)

    def set_value(self, body: str) -> str:
        """`k`=`cc` stores the claim code (first 63 bytes, escapes kept); anything else r=-1.

        The firmware keeps only 2 characters of `k`, so a key starting with "cc" is accepted.
        """
        values = parse_request(body, SET_KEYS)
        key, value = values.get("k", "")[:SET_KEY_CHARS], values.get("v", "")
        if key != "cc" or not value:
            return _result(-1)
        self.memory.set_claim_code(value)
        return _result(0)
