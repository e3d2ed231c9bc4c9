"""Particle's own JS client (particle-api-js, unchanged) against the sandbox.

Runs tests/node/particle_api_js_check.js with node and checks what each call returned.
"""
import json
import os
import shutil
import subprocess
import uuid

import pytest

NODE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "node")
SCRIPT = os.path.join(NODE_DIR, "particle_api_js_check.js")
NODE = shutil.which("node")
LIBRARY = os.path.join(NODE_DIR, "node_modules", "particle-api-js")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
    pytest.mark.skipif(not os.path.isdir(LIBRARY),
                       reason="tests/node/node_modules has no particle-api-js (run npm ci in tests/node)"),
]


@pytest.fixture
def node_result(api):
    """The JSON the node script printed after driving the sandbox."""
    product = api.product()
    claim_device = api.device(online=True)
    import_device = api.device(product=None, online=False)
    environment = {
        **os.environ, "SANDBOX_URL": api.url, "PRODUCT": product["slug"],
        "CLIENT_ID": product["client_id"], "CLIENT_SECRET": product["client_secret"],
        "DEV_USERNAME": api.info["developer"]["username"],
        "DEV_PASSWORD": api.info["developer"]["password"],
        "CLAIM_DEVICE": claim_device["id"], "IMPORT_DEVICE": import_device["id"],
        "CUSTOMER_EMAIL": f"pjs-{uuid.uuid4().hex[:8]}@example.com",
    }
    completed = subprocess.run([NODE, SCRIPT], cwd=NODE_DIR, env=environment, capture_output=True,
                               text=True, timeout=60)
    lines = completed.stdout.strip().splitlines()
    assert lines, f"no output; stderr: {completed.stderr}"
    result = json.loads(lines[-1])
    assert completed.returncode == 0, result
    return {"result": result, "claim": claim_device, "import": import_device}


def test_particle_api_js_works_unchanged(node_result, api):
    result, claim, imported = node_result["result"], node_result["claim"], node_result["import"]
    assert result["loginAsClientOwner"] == {
        "statusCode": 200, "keys": ["access_token", "expires_in", "refresh_token", "token_type"]}
    assert result["createCustomer"] == {"statusCode": 201, "token_type": "bearer"}
    assert result["login"] == {"statusCode": 200, "expires_in": 7776000}
    assert result["listDevices"]["count"] == 2 and result["listDevices"]["hasCustomers"]
    assert result["listDevices"]["meta"]["total_pages"] >= 2
    assert result["addDeviceToProduct"]["updatedDeviceIds"] == [imported["id"]]
    assert result["getClaimCode"] == {"length": 63, "device_ids": []}
    assert result["claimDevice"] == {"ok": True, "deviceID": claim["id"], "claimed": True}
    assert result["getDevice"]["owner"].startswith("pjs-") and result["getDevice"]["platform_id"] == 10
    assert result["renameDevice"] == {"name": "from_pjs"}
    assert result["getEventStream"] == {"name": "spark/status", "data": "offline", "coreid": claim["id"]}
    assert result["removeDeviceOwner"] == {"ok": True}
    assert result["claimUnknown"]["statusCode"] == 404
    assert result["claimUnknown"]["body"] == {"ok": False, "errors": ["device not found"]}
    assert result["customerOnProductRoute"]["statusCode"] == 403
    assert api.device_state(claim["id"])["owner"] is None
