"""Current Particle hardware in the sandbox: Boron, B-SoM, Tracker, M-SoM (cellular) and Argon,
P2 / Photon 2 (Wi-Fi set up over Bluetooth, not simulated), with Particle's platform ids and
serial-number prefixes, and the demo products of a current cellular and a current Wi-Fi device.

The expected values are written out here, not read from bff/sandbox/platforms.py, so the test
checks the sandbox against Particle's sources (docs/particle.md#platform-ids).
"""
import re

import pytest

# platform word -> (platform id, serial-number prefix, cellular, Wi-Fi)
CURRENT_HARDWARE = {
    "argon": (12, "ARNH", False, True),
    "boron": (13, "P044", True, False),
    "bsom": (23, "P042", True, False),
    "tracker": (26, "P031", True, False),
    "p2": (32, "P046", False, True),
    "msom": (35, "P054", True, True),
}
SET_UP_OVER_BLE = ["argon", "p2", "msom"]
CELLULAR = [name for name, (_, _, cellular, _) in CURRENT_HARDWARE.items() if cellular]
# The first demo devices, from before the current hardware was added: their IDs never change.
FIRST_DEMO_DEVICE_IDS = [
    "f9ab708d84871c710ba86255", "f1fc119edc132644fc8ce7f2", "eb39ccbff022e973b5fac1de",
    "fe430366c543096b4791da3f", "795e09b2b5d864f5d8d8484c", "dc4a965879fbb38208e1067c",
    "22a59acd2d970d377e9d8dd8", "8ce4440468f149e2302327ef", "a697a8c645499bb73b552616",
]


@pytest.mark.parametrize("platform", sorted(CURRENT_HARDWARE))
def test_current_hardware_has_particles_platform_ids_and_serial_numbers(api, platform):
    platform_id, prefix, cellular, wifi = CURRENT_HARDWARE[platform]
    device = api.device(platform, product=None, online=False)
    assert (device["platform"], device["platform_id"]) == (platform, platform_id)
    assert re.fullmatch(prefix + r"[A-Z0-9]{11}", device["serial_number"])
    assert bool(device["iccid"] and re.fullmatch(r"89\d{18}", device["iccid"])) == cellular
    assert bool(device["imei"] and re.fullmatch(r"\d{15}", device["imei"])) == cellular
    assert bool(device["mac_wifi"]) == wifi


def test_photon2_is_another_name_of_the_p2(api):
    device = api.device("photon2", product=None)
    assert (device["platform"], device["platform_id"]) == ("p2", 32)


@pytest.mark.parametrize("platform", SET_UP_OVER_BLE)
def test_bluetooth_setup_devices_come_online_with_no_wifi_step_and_have_no_softap(api, platform):
    device = api.device(platform, product=None, online=True)
    assert device["online"] and device["wifi_ssid"] is None
    refused = api.post(f"/sandbox/devices/{device['id']}/listen")
    assert refused.status_code == 400 and api.device_state(device["id"])["online"]


@pytest.mark.parametrize("platform", CELLULAR)
def test_current_cellular_devices_are_claimed_by_their_iccid_when_they_connect(api, platform):
    device = api.device(platform, product=None, online=False)
    code = api.post("/v1/device_claims", api.user_token(), json={"iccid": device["iccid"]}).json()
    assert code["claim_code"] == device["iccid"]
    api.power(device["id"], True)
    assert api.device_state(device["id"])["owner"] == api.info["developer"]["username"]


@pytest.mark.parametrize("platform,platform_id", [("boron", 13), ("p2", 32)])
def test_the_demo_has_a_current_cellular_and_a_current_wifi_product(api, platform, platform_id):
    product = api.product(platform)
    assert product["platform_id"] == platform_id and product["client_id"] and product["client_secret"]
    devices = [d for d in api.state()["devices"] if d["product_id"] == product["id"]]
    assert {d["online"] for d in devices} == {True, False}
    assert all(d["owner"] is None and d["platform_id"] == platform_id for d in devices)
    assert api.get(f"/v1/products/{product['slug']}/devices", api.product_token(platform)).status_code == 200


def test_the_first_demo_devices_keep_their_ids(api):
    assert [d["id"] for d in api.state()["devices"]][:len(FIRST_DEMO_DEVICE_IDS)] == FIRST_DEMO_DEVICE_IDS
