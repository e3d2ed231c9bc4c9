"""Start, stop, restart on the same port, the state file, the CLI, and JSON for every error."""
import json
import os
import subprocess
import sys

import pytest
import requests

from bff.sandbox import SandboxCloud
from .sandbox_client import SandboxApi, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def state_file(tmp_path):
    """A path for a sandbox state file."""
    return str(tmp_path / "sandbox-state.json")


def test_restart_on_the_same_port_keeps_the_data(private_cloud):
    client = SandboxApi(private_cloud.base_url, private_cloud.demo_info())
    username, token = client.new_customer()
    port = int(private_cloud.base_url.rsplit(":", 1)[1])
    private_cloud.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(client.url + "/v1/devices", timeout=2)
    assert private_cloud.start(host="127.0.0.1", port=port) == client.url
    assert client.get("/v1/devices", token).status_code == 200


def test_state_file_survives_a_new_process_object(state_file):
    first = SandboxCloud(state_file=state_file)
    first.start()
    client = SandboxApi(first.base_url, first.demo_info())
    username, token = client.new_customer()
    device = client.device(online=True)
    client.post("/v1/devices", token, json={"id": device["id"]})
    photon = client.device("photon", online=False)
    listen = client.post(f"/sandbox/devices/{photon['id']}/listen").json()
    first.stop()
    assert json.load(open(state_file))["devices"]

    second = SandboxCloud(state_file=state_file)
    second.start()
    try:
        again = SandboxApi(second.base_url, second.demo_info())
        assert again.info["products"] == client.info["products"]
        assert [d["id"] for d in again.get("/v1/devices", token).json()] == [device["id"]]
        restored = again.device_state(photon["id"])
        assert restored["listening"] is True
        softap = second.simulator.softaps[photon["id"]]
        assert softap.memory.ssid == listen["ssid"]
    finally:
        second.stop()


def test_reset_saves_the_state_file(state_file):
    cloud = SandboxCloud(state_file=state_file)
    cloud.start()
    try:
        SandboxApi(cloud.base_url, cloud.demo_info()).new_customer()
        cloud.reset()
        assert json.load(open(state_file))["customers"] == []
    finally:
        cloud.stop()


def test_options_from_the_constructor():
    cloud = SandboxCloud(require_online_to_claim=False)
    assert cloud.demo_info()["base_url"] is None
    assert cloud.store.state.options["require_online_to_claim"] is False


def test_unknown_route_405_and_crash_are_json(private_cloud, monkeypatch):
    client = SandboxApi(private_cloud.base_url, private_cloud.demo_info())
    missing = client.get("/v2/nothing")
    assert missing.status_code == 404 and missing.json() == {"ok": False, "error": "Not Found"}
    wrong = client.call("PATCH", "/v1/devices")
    assert wrong.status_code == 405 and wrong.json()["ok"] is False and "GET" in wrong.headers["Allow"]
    import bff.sandbox.routes.devices as device_routes

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(device_routes, "device_json", explode)
    user = client.user_token()
    client.post("/v1/devices", user, json={"id": client.device(product=None)["id"]})
    crashed = client.get("/v1/devices", user)
    assert crashed.status_code == 500
    assert crashed.json() == {"ok": False, "error": "Internal Server Error"}


def test_cli_prints_demo_info_first_then_serves(tmp_path):
    code = ("import sys; from bff.sandbox.cli import sandbox_command; "
            "sandbox_command(['--port', '0', '--state-file', sys.argv[1]])")
    process = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "s.json")], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(process.stdout.readline())
        assert info["base_url"].startswith("http://127.0.0.1:") and len(info["products"]) == 4
        assert {"username", "password"} <= set(info["developer"]) and info["wifi"]
        client = SandboxApi(info["base_url"], info)
        wait_for(lambda: client.get("/sandbox/demo").status_code == 200)
        assert client.product_token()
    finally:
        process.terminate()
        process.wait(10)


def test_cors_headers_for_browser_clients(private_cloud):
    client = SandboxApi(private_cloud.base_url, private_cloud.demo_info())
    preflight = client.call("OPTIONS", "/v1/devices", headers={"Origin": "http://localhost:5000"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert client.get("/v1/devices", "bad").headers["Access-Control-Allow-Origin"] == "*"
