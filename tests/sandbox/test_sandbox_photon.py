"""Photon setup through the sandbox: listening mode, SoftAP (TCP framing), claim-code presentation.

Drives the SoftAP the way a setup app does (docs/softap.md, "TCP framing" to "Public key and
password") with a small client of our own; Particle's JS SoftAP client is exercised in
test_softap_node_client.py.
"""
import json
import socket

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding

from .sandbox_client import wait_for


class SoftAPClient:
    """One TCP connection per command: `name\\nlength\\n\\nbody`, answer `\\n\\n` + JSON, close."""

    def __init__(self, listen_info: dict) -> None:
        self.address = (listen_info["host"], listen_info["tcp_port"])

    def command(self, name: str, body: dict | None = None) -> dict:
        payload = json.dumps(body, separators=(",", ":")) if body is not None else ""
        with socket.create_connection(self.address, timeout=10) as connection:
            connection.sendall(f"{name}\n{len(payload)}\n\n{payload}".encode())
            answer = b""
            while chunk := connection.recv(4096):
                answer += chunk
        assert answer.startswith(b"\n\n"), answer
        return json.loads(answer[2:])

    def encrypt(self, password: str) -> str:
        slot = bytes.fromhex(self.command("public-key")["b"])
        length = slot[2] + 3 if slot[1] == 0x81 else int.from_bytes(slot[2:4], "big") + 4
        key = serialization.load_der_public_key(slot[:length])
        return key.encrypt(password.encode(), padding.PKCS1v15()).hex()

    def set_up(self, claim_code: str, ssid: str, password: str, security: int = 4194308) -> None:
        """The official apps' order: device-id, public-key, set cc, configure-ap, connect-ap."""
        self.command("device-id")
        pwd = self.encrypt(password)
        if claim_code:
            assert self.command("set", {"k": "cc", "v": claim_code}) == {"r": 0}
        assert self.command("configure-ap", {"idx": 0, "ssid": ssid, "sec": security, "ch": 6,
                                             "pwd": pwd}) == {"r": 0}
        assert self.command("connect-ap", {"idx": 0}) == {"r": 0}


def back_to_listening(api, device_id: str, info: dict, attempts: int = 1) -> None:
    """Wait until the device tried to join Wi-Fi and its SoftAP answers again."""
    wait_for(lambda: api.device_state(device_id)["connect_ap_count"] >= attempts)
    wait_for(lambda: not refuses(info))


def refuses(listen_info: dict) -> bool:
    try:
        socket.create_connection((listen_info["host"], listen_info["tcp_port"]), timeout=1).close()
    except OSError:
        return True
    return False


def listen(api, device_id: str) -> dict:
    response = api.post(f"/sandbox/devices/{device_id}/listen")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def photon_device(api) -> dict:
    """A Photon in the demo product, offline."""
    return api.device("photon", online=False)


def test_listen_starts_a_softap_and_goes_offline(api, streams):
    device = api.device("photon", online=True)
    stream = streams(api, f"/v1/products/9902/devices/{device['id']}/events", api.product_token("photon"))
    info = listen(api, device["id"])
    assert set(info) >= {"host", "tcp_port", "http_port", "ssid"} and info["ssid"].startswith("Photon-")
    assert stream.next_event("spark/status")[1]["data"] == "offline"
    state = api.device_state(device["id"])
    assert state["listening"] is True and state["online"] is False
    answer = SoftAPClient(info).command("device-id")
    assert answer == {"id": device["id"].upper(), "c": "0"}
    assert listen(api, device["id"])["tcp_port"] == info["tcp_port"]  # idempotent


def test_setup_with_a_product_claim_code_makes_the_customer_the_owner(api, photon_device, streams):
    username, token = api.new_customer("photon")
    code = api.post("/v1/products/9902/device_claims", token).json()["claim_code"]
    product_stream = streams(api, "/v1/products/9902/events", api.product_token("photon"))
    info = listen(api, photon_device["id"])
    wifi = api.info["wifi"][0]
    SoftAPClient(info).set_up(code, wifi["ssid"], wifi["password"], wifi["security"])
    wait_for(lambda: api.device_state(photon_device["id"])["owner"] == username)
    state = api.device_state(photon_device["id"])
    assert state["online"] and not state["listening"]
    assert state["claim_code"] == "" and state["claimed_flag"] is True
    assert product_stream.next_event("spark/status")[1]["data"] == "online"
    presented = product_stream.next_event("spark/device/claim/code")[1]
    assert presented["data"] == code and presented["coreid"] == photon_device["id"]
    assert [d["id"] for d in api.get("/v1/devices", token).json()] == [photon_device["id"]]
    assert refuses(info)


def test_wrong_password_sends_the_photon_back_to_listening(api, photon_device):
    info = listen(api, photon_device["id"])
    SoftAPClient(info).set_up("", api.info["wifi"][0]["ssid"], "wrong password")
    back_to_listening(api, photon_device["id"], info)
    assert SoftAPClient(info).command("device-id")["c"] == "0"
    state = api.device_state(photon_device["id"])
    assert state["listening"] is True and state["online"] is False


def test_unknown_ssid_sends_the_photon_back_to_listening(api, photon_device):
    info = listen(api, photon_device["id"])
    SoftAPClient(info).set_up("", "Elsewhere", "whatever")
    back_to_listening(api, photon_device["id"], info)
    assert api.device_state(photon_device["id"])["listening"] is True


def test_a_stored_claim_code_is_presented_when_the_photon_powers_on(api, photon_device):
    """An expired code is kept by the device and presented again at every connect."""
    username, token = api.new_customer("photon")
    code = api.post("/v1/products/9902/device_claims", token).json()["claim_code"]
    api.post("/sandbox/wifi", json={"ssid": "Other", "password": "other-pass"})
    info = listen(api, photon_device["id"])
    SoftAPClient(info).set_up(code, "Other", "wrong")  # wrong password: stays listening, keeps the code
    back_to_listening(api, photon_device["id"], info)
    assert api.device_state(photon_device["id"])["claim_code"] == code
    api.post("/sandbox/wifi", json={"ssid": "Other", "password": "wrong"})  # network now matches
    api.power(photon_device["id"], True)
    assert api.device_state(photon_device["id"])["owner"] == username
    assert api.device_state(photon_device["id"])["claim_code"] == ""


def test_an_invalid_code_is_not_acknowledged(api, photon_device):
    info = listen(api, photon_device["id"])
    wifi = api.info["wifi"][0]
    SoftAPClient(info).set_up("x" * 63, wifi["ssid"], wifi["password"])
    wait_for(lambda: api.device_state(photon_device["id"])["online"])
    state = api.device_state(photon_device["id"])
    assert state["owner"] is None and state["claim_code"] == "x" * 63 and state["claimed_flag"] is False


def test_listen_is_only_for_wifi_softap_devices(api):
    electron = api.device()
    assert api.post(f"/sandbox/devices/{electron['id']}/listen").status_code == 400


def test_power_on_without_known_wifi_is_refused(api, photon_device):
    api.post("/sandbox/wifi", json={"ssid": api.info["wifi"][0]["ssid"], "password": "changed"})
    response = api.post(f"/sandbox/devices/{photon_device['id']}/online")
    assert response.status_code == 409 and response.json()["ok"] is False


def test_powering_on_a_listening_photon_stops_its_softap(api, photon_device):
    info = listen(api, photon_device["id"])
    api.power(photon_device["id"], True)
    assert refuses(info) and api.device_state(photon_device["id"])["listening"] is False
