"""Particle's own SoftAP client (`@particle/softap-setup` from npm, unchanged) against our Photon.

tests/node/softap_setup_check.js runs deviceInfo, publicKey, setClaimCode, scan, configure and
connect, and prints what it saw as one JSON line.
"""
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from bff.sandbox.softap import PhotonMemory, SoftAPServer, WifiCredentials
from bff.sandbox.softap.memory import generate_private_key_pem

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
SCRIPT = NODE_DIR / "softap_setup_check.js"
CLIENT_PACKAGE = NODE_DIR / "node_modules" / "@particle" / "softap-setup"
NODE = shutil.which("node")
DEVICE_ID = "220038000947333531303339"
CLAIM_CODE = "i31YZ5bRq9Z9xxX+YgGO6rY+DDJn6CzFpNA02wiBF9SvIgYbW3QtIhgnYVAt0Ow-extra"  # 70 chars
NETWORK = {"ssid": "Café ☕ 🐢", "password": "pässwörd ☃ 1234", "security": "wpa2_aes",
           "channel": 6, "rssi": -48}
WAIT = 60  # seconds; generous, only ever waited on the process and on events

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
    pytest.mark.skipif(not CLIENT_PACKAGE.is_dir(),
                       reason="tests/node/node_modules lacks @particle/softap-setup "
                              "(run `npm ci` in tests/node)"),
]


@pytest.fixture(scope="module")
def device_key_pem():
    """One RSA key for the module (generating one costs time)."""
    return generate_private_key_pem()


@pytest.fixture
def memory(device_key_pem):
    return PhotonMemory(device_id=DEVICE_ID, private_key_pem=device_key_pem)


@pytest.fixture
def join_signal():
    """Set when on_connect_ap fires."""
    return threading.Event()


@pytest.fixture
def softap(memory, join_signal):
    server = SoftAPServer(memory, networks=lambda: [NETWORK],
                          on_connect_ap=lambda memory: join_signal.set())
    server.start()
    yield server
    server.stop()


def run_setup(port: int, protocol: str) -> dict:
    """Run the JS setup against the port and return its JSON report."""
    options = {"port": port, "protocol": protocol, "claimCode": CLAIM_CODE, "ssid": NETWORK["ssid"],
               "security": "wpa2_aes", "password": NETWORK["password"], "channel": 6}
    completed = subprocess.run([NODE, str(SCRIPT), json.dumps(options)], cwd=NODE_DIR,
                               capture_output=True, text=True, timeout=WAIT, check=True)
    return json.loads(completed.stdout)


@pytest.mark.parametrize("protocol", ["tcp", "http"])
def test_particle_js_client_sets_up_the_photon(softap, memory, join_signal, protocol):
    address = softap.start()
    report = run_setup(address[f"{protocol}_port"], protocol)

    assert report["ok"], report
    assert report["device"] == {"id": DEVICE_ID, "claimed": False}
    assert report["publicKey"].startswith("-----BEGIN PUBLIC KEY-----")
    assert report["scan"] == [{"ssid": NETWORK["ssid"], "rssi": -48, "sec": 0x00400004, "ch": 6,
                               "mdr": 72200}]
    assert report["configure"] == {"r": 0}
    assert join_signal.wait(WAIT)
    assert memory.claim_code == CLAIM_CODE[:63]
    assert memory.credentials == WifiCredentials(NETWORK["ssid"], 0x00400004, 6,
                                                 NETWORK["password"])
    assert not softap.running
