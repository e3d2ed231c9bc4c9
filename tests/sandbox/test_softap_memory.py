"""What a simulated Photon keeps across reboots (PhotonMemory), and its RSA key."""
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import padding

from bff.sandbox.softap import SECURITY, PhotonMemory, WifiCredentials, security_value
from bff.sandbox.softap.memory import SUFFIX_SYMBOLS, generate_private_key_pem

DEVICE_ID = "220038000947333531303339"


@pytest.fixture(scope="module")
def device_key_pem():
    """One RSA key for the module (generating one costs time)."""
    return generate_private_key_pem()


@pytest.fixture
def memory(device_key_pem):
    return PhotonMemory(device_id=DEVICE_ID, private_key_pem=device_key_pem)


def test_round_trip_through_a_json_state_file(memory):
    memory.set_claim_code("MDMAMDMA")
    memory.store_credentials(WifiCredentials("Home Net", 0x00400004, 6, "pässwörd"))
    public_key = memory.public_key_hex()

    restored = PhotonMemory.from_json(json.loads(json.dumps(memory.to_json())))

    assert restored == memory
    assert restored.public_key_hex() == public_key
    assert restored.ssid == memory.ssid


def test_claimed_flag_survives_a_reboot(memory):
    memory.acknowledge_claim()
    restored = PhotonMemory.from_json(memory.to_json())
    assert (restored.claimed, restored.claim_code) == (True, "")


def test_a_new_device_makes_its_key_on_first_use():
    memory = PhotonMemory(device_id=DEVICE_ID.upper())
    assert memory.to_json()["private_key_pem"] is None
    first = memory.public_key_hex()
    assert memory.to_json()["private_key_pem"].startswith("-----BEGIN PRIVATE KEY-----")
    assert memory.public_key_hex() == first
    assert memory.device_id == DEVICE_ID


def test_ssid_is_photon_and_six_symbols():
    memory = PhotonMemory.from_json({"device_id": DEVICE_ID})
    assert memory.ssid.startswith("Photon-")
    assert len(memory.ssid_suffix) == 6 and set(memory.ssid_suffix) <= set(SUFFIX_SYMBOLS)


@pytest.mark.parametrize("device_id", ["", "22003800094733353130333", "g20038000947333531303339"])
def test_device_id_must_be_24_hex(device_id):
    with pytest.raises(ValueError):
        PhotonMemory(device_id=device_id)


def test_claim_code_keeps_63_bytes_without_cutting_a_character(memory):
    memory.set_claim_code("é" * 40)
    assert memory.claim_code == "é" * 31


def test_decrypt_refuses_a_badly_padded_block(memory):
    """The device answers an error, where OpenSSL 3.2+ would return random bytes."""
    public_key = memory.private_key().public_key()
    assert memory.decrypt(public_key.encrypt(b"secret", padding.PKCS1v15())) == b"secret"
    with pytest.raises(ValueError):
        memory.decrypt(bytes(128))
    with pytest.raises(ValueError):
        memory.decrypt(b"\1" * 64)


@pytest.mark.parametrize("given, expected", [
    ("wpa2_aes", 0x00400004), ("WPA2", 0x00400006), ("open", 0), (None, 0), ("4194308", 0x00400004),
    (0x00200002, 0x00200002)])
def test_security_values(given, expected):
    assert security_value(given) == expected


@pytest.mark.parametrize("given", ["wpa3", 7, True, 0x02000000])
def test_security_values_outside_the_table(given):
    with pytest.raises(ValueError):
        security_value(given)
    assert given not in SECURITY
