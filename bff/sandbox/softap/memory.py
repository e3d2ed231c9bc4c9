"""What a simulated Photon keeps in flash (its DCT) across reboots, and its RSA key.

Facts from Device OS v2.3.1 (https://github.com/particle-iot/device-os/tree/v2.3.1): the SSID is
`Photon-` plus six symbols (`hal/src/stm32f2xx/device_code.cpp`); the key is a 1024-bit RSA key
whose DER public key fills a 294-byte slot (`hal/src/photon/softap.cpp`, `public-key`); the
claimed flag and the claim code live in the DCT (`dct.h`, `claim_code[63]`); any
`spark/device/claim/*` event clears the code and sets the flag
(`system/src/system_cloud_internal.cpp`). Collected notes in docs/softap.md#access-point,
docs/softap.md#public-key-and-password, docs/softap.md#claimed-flag.
"""
from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SSID_PREFIX = "Photon"
SUFFIX_SYMBOLS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# The firmware writes EXTERNAL_FLASH_SERVER_PUBLIC_KEY_LENGTH bytes from the key slot: the DER
# SubjectPublicKeyInfo of a 1024-bit key (162 bytes) and then filler, which we make zeros.
PUBLIC_KEY_SLOT_BYTES = 294
CLAIM_CODE_BYTES = 63  # DCT claim_code[63]
_DEVICE_ID = re.compile(r"^[0-9a-f]{24}$")


def random_ssid_suffix() -> str:
    """Six symbols drawn like the firmware: base 32 of one 32-bit random value."""
    value = secrets.randbits(32)
    symbols = []
    for _ in range(6):
        symbols.append(SUFFIX_SYMBOLS[value % 32])
        value //= 32
    return "".join(symbols)


def generate_private_key_pem() -> str:
    """A new 1024-bit RSA key (exponent 65537) as PKCS#8 PEM, the size a Photon has."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


@dataclass
class WifiCredentials:
    """One Wi-Fi network as `configure-ap` stored it (the password already decrypted)."""

    ssid: str
    security: int  # the raw WICED value the client sent (see security.py)
    channel: int | None
    password: str  # "" for open networks


@dataclass
class PhotonMemory:
    """The device's persistent storage: id, claim code, claimed flag, Wi-Fi credentials, key.

    `credentials` holds the latest network only (a real Photon keeps up to five). Copy it with
    `PhotonMemory.from_json(memory.to_json())` (it holds a lock, so not with deepcopy/asdict).
    """

    device_id: str
    claim_code: str = ""
    claimed: bool = False
    credentials: WifiCredentials | None = None
    ssid_suffix: str = field(default_factory=random_ssid_suffix)
    private_key_pem: str | None = field(default=None, repr=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False)
    _key: rsa.RSAPrivateKey | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.device_id = self.device_id.lower()
        if not _DEVICE_ID.match(self.device_id):
            raise ValueError(f"device id must be 24 hex characters, got {self.device_id!r}")

    @property
    def ssid(self) -> str:
        """The SoftAP network name, e.g. `Photon-7HXK2R`."""
        return f"{SSID_PREFIX}-{self.ssid_suffix}"

    def private_key(self) -> rsa.RSAPrivateKey:
        """The device key, generated on first use (costs some CPU) and then kept."""
        with self._lock:
            if self.private_key_pem is None:
                self.private_key_pem = generate_private_key_pem()
            if self._key is None:
                self._key = serialization.load_pem_private_key(
                    self.private_key_pem.encode("ascii"), password=None)
            return self._key

    def public_key_hex(self) -> str:
        """The `public-key` answer's `b`: the 294-byte key slot as 588 upper-case hex digits."""
        spki = self.private_key().public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return spki.ljust(PUBLIC_KEY_SLOT_BYTES, b"\0").hex().upper()

    def decrypt(self, ciphertext: bytes) -> bytes:
        """RSA PKCS#1 v1.5 decryption with the device key; ValueError for a bad block.

        Done by hand on purpose: OpenSSL 3.2+ answers a badly padded block with random bytes
        (implicit rejection), while the Photon's mbedTLS reports an error, and `configure-ap`
        must answer that error as the device does. No secret is at stake in a simulator.
        """
        numbers = self.private_key().private_numbers()
        modulus = numbers.public_numbers.n
        size = (modulus.bit_length() + 7) // 8
        value = int.from_bytes(ciphertext, "big")
        if len(ciphertext) != size or value >= modulus:
            raise ValueError("the ciphertext is not one block of the device key")
        block = pow(value, numbers.d, modulus).to_bytes(size, "big")
        separator = block.find(b"\0", 2)
        if block[:2] != b"\0\2" or separator < 10:  # 00 02, at least 8 padding bytes, 00
            raise ValueError("bad PKCS#1 v1.5 padding")
        return block[separator + 1:]

    def set_claim_code(self, code: str) -> None:
        """Store a claim code as `set` k=cc does: the first 63 bytes, `claimed` untouched."""
        kept = code.encode("utf-8")[:CLAIM_CODE_BYTES]
        with self._lock:
            self.claim_code = kept.decode("utf-8", errors="ignore")

    def acknowledge_claim(self) -> None:
        """What the firmware does on any `spark/device/claim/*` event: clear the code, claimed forever."""
        with self._lock:
            self.claim_code = ""
            self.claimed = True

    def store_credentials(self, credentials: WifiCredentials) -> None:
        """Keep the network `configure-ap` sent (replaces the previous one)."""
        with self._lock:
            self.credentials = credentials

    def to_json(self) -> dict:
        """A JSON-able dict for the sandbox state file (private key as PEM, or None if not made yet)."""
        creds = self.credentials
        return {
            "device_id": self.device_id,
            "claim_code": self.claim_code,
            "claimed": self.claimed,
            "credentials": None if creds is None else {
                "ssid": creds.ssid, "security": creds.security,
                "channel": creds.channel, "password": creds.password,
            },
            "ssid_suffix": self.ssid_suffix,
            "private_key_pem": self.private_key_pem,
        }

    @classmethod
    def from_json(cls, data: dict) -> PhotonMemory:
        """The inverse of `to_json`; missing optional fields take their defaults."""
        creds = data.get("credentials")
        kwargs = {key: data[key] for key in ("claim_code", "claimed", "ssid_suffix",
                                             "private_key_pem") if key in data}
        return cls(
            device_id=data["device_id"],
            credentials=WifiCredentials(**creds) if creds else None,
            **kwargs,
        )
