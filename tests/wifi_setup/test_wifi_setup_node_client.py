"""The happy path with Particle's own SoftAP client (`@particle/softap-setup` from npm, unchanged):
a code from bff's JSON API, the JS client sets the Photon up, bff reports it as the person's."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.polling import wait_until

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
SCRIPT = NODE_DIR / "softap_setup_check.js"  # runs deviceInfo, publicKey, setClaimCode, scan, configure, connect
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
    pytest.mark.skipif(not (NODE_DIR / "node_modules" / "@particle" / "softap-setup").is_dir(),
                       reason="tests/node lacks @particle/softap-setup (run `npm ci` in tests/node)"),
]


@pytest.mark.parametrize("protocol", ["tcp", "http"])
def test_particles_js_client_sets_up_a_photon_with_a_bff_code(worker, api_client, new_photon, sandbox, wifi, protocol):
    code = api_client.post("/api/v1/claim-codes", {}).get_json()
    device_id = new_photon()
    address = requests.post(f"{sandbox.base_url}/sandbox/devices/{device_id}/listen", timeout=10).json()
    options = {"host": address["host"], "port": address[f"{protocol}_port"], "protocol": protocol,
               "claimCode": code["claim_code"], "ssid": wifi["ssid"], "security": "wpa2_aes",
               "password": wifi["password"], "channel": 6}

    done = subprocess.run([NODE, str(SCRIPT), json.dumps(options)], cwd=NODE_DIR, capture_output=True,
                          text=True, timeout=60, check=True)
    report = json.loads(done.stdout)

    assert report["ok"] and report["device"] == {"id": device_id, "claimed": False}, report
    assert wait_until(lambda: api_client.get(f"/api/v1/claim-codes/{code['id']}").get_json()["state"] == "arrived",
                      timeout=5)
    devices = api_client.get("/api/v1/devices").get_json()["devices"]
    assert device_id in {d["device_id"] for d in devices}
