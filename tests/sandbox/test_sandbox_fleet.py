"""The sandbox at fleet size: the state file's journal (restart, kill -9, compaction, files of
earlier versions), look-ups kept current, product device-list pages over thousands of devices,
and making a fleet in one call."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from bff.sandbox import SandboxCloud, state_file as state_file_module
from bff.sandbox.auth import device_account
from bff.sandbox.records import record_json
from bff.sandbox.state import Customer, Device, State, StateStore, Token
from bff.sandbox.tokens import revoke_account_tokens

from .sandbox_client import SandboxApi

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLEET_SIZE = 5000


@pytest.fixture
def state_file(tmp_path) -> str:
    """A path for a sandbox state file (its journal goes beside it)."""
    return str(tmp_path / "sandbox.json")


@pytest.fixture
def saved_cloud(state_file):
    """A running sandbox with a state file; stopped afterwards."""
    cloud = SandboxCloud(state_file=state_file)
    cloud.start()
    yield cloud
    cloud.stop()


@pytest.fixture
def saved_api(saved_cloud) -> SandboxApi:
    return SandboxApi(saved_cloud.base_url, saved_cloud.demo_info())


@pytest.fixture
def fleet(api) -> list[str]:
    """FLEET_SIZE more offline Electrons in the demo Electron product (the shared sandbox)."""
    made = api.post("/sandbox/devices", json={"count": FLEET_SIZE, "platform": "electron",
                                              "product": 9901})
    assert made.status_code == 201, made.text
    return made.json()["ids"]


@pytest.fixture
def product_size(sandbox, fleet) -> int:
    """How many devices the demo Electron product holds with the fleet (counted the long way)."""
    return sum(1 for device in sandbox.store.state.devices.values() if device.product_id == 9901)


def journal_lines(path: str) -> list[dict]:
    with open(path + ".journal") as journal:
        return [json.loads(line) for line in journal]


def restarted(path: str) -> State:
    """The state a new sandbox reads from the file (not started: nothing is added)."""
    return SandboxCloud(state_file=path).store.state


# -- the journal ------------------------------------------------------------------------------


def test_a_restart_gives_back_every_change_made_in_many_writes(saved_cloud, saved_api, state_file):
    snapshot = Path(state_file).read_text()
    username, token = saved_api.new_customer()
    gone, _ = saved_api.new_customer()
    device = saved_api.device(online=True)
    saved_api.post("/v1/devices", token, json={"id": device["id"]})
    for number in range(30):
        saved_api.put(f"/v1/devices/{device['id']}", token, json={"name": f"lamp_{number}"})
    product = saved_api.product_token()
    saved_api.delete(f"/v1/products/9901/customers/{gone}", product)
    saved_api.post("/sandbox/wifi", json={"ssid": "Attic", "password": "attic-pass"})
    saved_api.options(offline_claim_body="errors")
    saved_api.advance(120)
    saved_cloud.stop()

    assert Path(state_file).read_text() == snapshot  # every change went to the journal
    assert len(journal_lines(state_file)) > 35
    again = restarted(state_file)
    assert again.to_json() == saved_cloud.store.state.to_json()
    assert again.devices[device["id"]].name == "lamp_29" and again.customer(9901, gone) is None
    assert again.customer(9901, username) is not None and again.clock_offset == 120


def test_a_write_journals_only_what_it_changed(saved_cloud, saved_api, state_file):
    fleet = saved_api.post("/sandbox/devices", json={"count": FLEET_SIZE, "platform": "electron",
                                                      "product": 9901}).json()["ids"]
    token = saved_api.product_token()
    saved_cloud.store.compact()
    snapshot = Path(state_file).read_text()
    assert len(journal_lines(state_file)) == 1 and fleet[7] in snapshot
    saved_api.put(f"/v1/products/9901/devices/{fleet[7]}", token, json={"notes": "only me"})
    assert Path(state_file).read_text() == snapshot
    device = json.loads(json.dumps(record_json(saved_cloud.store.state.devices[fleet[7]])))
    assert journal_lines(state_file)[1:] == [{"put": {"devices": [device]}}]
    assert device["notes"] == "only me"


def customer(number: int) -> Customer:
    return Customer(id=f"c{number}", username=f"person{number}", product_id=9901, password=None,
                    created_at=float(number))


def token(value: str) -> Token:
    return Token(access_token=value, refresh_token=None, kind="product", client_id="c", username=None,
                 product_id=9901, created_at=0.0, expires_at=None)


def test_a_record_changed_after_it_left_stays_gone(state_file):
    store = StateStore(state_file)
    gone = customer(1)
    with store.write() as state:
        state.customers.append(gone)
    with store.write() as state:
        state.customers.remove(gone)
    with store.write():
        gone.password = "changed after it left"
    again = StateStore(state_file).state
    assert again.customers == [] and again.customer(9901, "person1") is None


def test_lists_and_dicts_changed_by_any_method_are_saved(state_file):
    store = StateStore(state_file)
    with store.write() as state:
        state.customers.extend([customer(1), customer(2), customer(3)])
        state.customers.sort(key=lambda c: c.created_at, reverse=True)
        state.customers.insert(1, customer(4))
        state.tokens.update({"t1": token("t1"), "t2": token("t2")})
        state.tokens.pop("t1")
        state.tokens.setdefault("t2", token("not this one"))
        state.options.update(token_lockout=False)
        state.options.setdefault("sse_keepalive", 1.0)
    with store.write() as state:
        state.customers.pop(0)
        state.customers[0].password = "secret"
    again = StateStore(state_file).state
    assert [(c.id, c.password) for c in again.customers] == [("c4", "secret"), ("c2", None), ("c1", None)]
    assert again.customer(9901, "person4").password == "secret" and again.customer(9901, "person3") is None
    assert list(again.tokens) == ["t2"] and again.options["token_lockout"] is False


def test_kill_9_loses_nothing_already_answered(state_file):
    code = ("import sys; from bff.sandbox.cli import sandbox_command; "
            "sandbox_command(['--port', '0', '--state-file', sys.argv[1]])")
    process = subprocess.Popen([sys.executable, "-c", code, state_file], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    answered: list[str] = []
    try:
        info = json.loads(process.stdout.readline())
        client = SandboxApi(info["base_url"], info)
        writer = threading.Thread(target=_create_customers_until_cut, args=(client, answered))
        writer.start()
        while len(answered) < 60 and writer.is_alive():
            writer.join(0.01)
        os.kill(process.pid, signal.SIGKILL)
        writer.join(30)
    finally:
        process.kill()
        process.wait(10)
    state = restarted(state_file)
    assert len(answered) >= 60
    assert all(state.customer(9901, username) is not None for username in answered)


def _create_customers_until_cut(client: SandboxApi, answered: list[str]) -> None:
    while True:
        username = f"shadow-{uuid.uuid4().hex[:12]}"
        try:
            client.new_customer(username=username)
        except (requests.RequestException, AssertionError):  # cut mid-request: not answered
            return
        answered.append(username)


def test_compaction_writes_a_fresh_snapshot_and_ignores_a_stale_journal(saved_cloud, saved_api,
                                                                        state_file, monkeypatch):
    username, _ = saved_api.new_customer()
    stale = Path(state_file + ".journal").read_text()
    assert username in stale  # journaled, not yet in the snapshot
    monkeypatch.setattr(state_file_module, "COMPACT_FLOOR", 0)
    monkeypatch.setattr(state_file_module, "COMPACT_RATIO", 0.01)  # every write compacts
    product = saved_api.product_token()
    assert len(journal_lines(state_file)) == 1
    assert username in [c["username"] for c in json.loads(Path(state_file).read_text())["customers"]]
    saved_api.delete(f"/v1/products/9901/customers/{username}", product)
    saved_cloud.stop()

    snapshot = json.loads(Path(state_file).read_text())
    assert snapshot["journal"] == journal_lines(state_file)[0]["journal"]
    assert username not in [c["username"] for c in snapshot["customers"]]
    Path(state_file + ".journal").write_text(stale)  # as a crash between the two would leave it
    again = restarted(state_file)
    assert again.customer(9901, username) is None
    assert again.to_json() == saved_cloud.store.state.to_json()


def test_a_torn_last_line_is_cut_off_and_the_journal_goes_on(saved_cloud, saved_api, state_file):
    username, _ = saved_api.new_customer()
    saved_cloud.stop()
    with open(state_file + ".journal", "a") as journal:
        journal.write('{"put": {"customers": [{"id": "torn"')
    first = SandboxCloud(state_file=state_file)
    with first.store.write() as state:
        state.clock_offset = 42.0
    again = restarted(state_file)
    assert again.customer(9901, username) is not None and again.clock_offset == 42.0


# -- state files of earlier versions ------------------------------------------------------------

OLD_STATE_FILE = {
    "clock_offset": 30.0,
    "options": {"require_online_to_claim": False, "offline_claim_body": "errors",
                "token_lockout": True, "sse_keepalive": 9.0},
    "products": [{"id": 9901, "slug": "sandbox-electron", "name": "Trackers", "platform_id": 10,
                  "description": "d", "client_id": "c-9901", "client_secret": "s",
                  "client_name": "sandbox product client"}],
    "users": [{"username": "dev@example.com", "password": "pw", "products": [9901]}],
    "customers": [{"id": "cust1", "username": "ann", "product_id": 9901, "password": None,
                   "created_at": 100.0}],
    "devices": [{"id": "e00fce68aaaaaaaaaaaaaaaa", "platform_id": 10, "product_id": 9901,
                 "serial_number": "E310AAAAAAAAAAA", "iccid": "89340765000000000001",
                 "imei": "352753080000001", "mac_wifi": None, "name": "amber_otter", "notes": None,
                 "owner_kind": "customer", "owner": "ann", "online": True, "listening": False,
                 "last_heard": 200.0, "last_handshake_at": 150.0, "last_ip_address": "10.0.0.1",
                 "firmware_version": 1, "desired_firmware_version": None, "development": False,
                 "groups": ["north"], "quarantined": False, "denied": False,
                 "system_firmware_version": "2.3.1", "wifi": None, "softap_memory": None,
                 "last_claim_ack": None, "connect_ap_count": 0}],
    "tokens": [{"access_token": "a" * 40, "refresh_token": "b" * 40, "kind": "customer",
                "client_id": "c-9901", "username": "ann", "product_id": 9901, "created_at": 100.0,
                "expires_at": None, "refresh_expires_at": 1e12}],
    "claim_codes": [{"code": "code-1", "owner_kind": "user", "owner": "dev@example.com",
                     "product_id": None, "created_at": 100.0, "expires_at": 3700.0,
                     "used_at": None, "device_id": None}],
    "wifi": [{"ssid": "Home", "password": "pw", "security": 4194308, "channel": 6, "rssi": -48}],
    "transfers": [],
}


def test_a_whole_state_file_of_an_earlier_version_loads(state_file):
    Path(state_file).write_text(json.dumps(OLD_STATE_FILE, indent=1, sort_keys=True))
    state = restarted(state_file)
    device = state.devices["e00fce68aaaaaaaaaaaaaaaa"]
    assert device.groups == ("north",) and state.customer(9901, "ANN").id == "cust1"
    assert state.device_by_identifier("e310aaaaaaaaaaa") is device
    assert state.device_by_identifier("352753080000001") is device
    assert state.tokens["a" * 40].username == "ann" and state.clock_offset == 30.0
    assert state.options["offline_claim_body"] == "errors" and state.wifi[0].ssid == "Home"
    converted = json.loads(Path(state_file).read_text())
    assert converted["journal"] == journal_lines(state_file)[0]["journal"]
    assert restarted(state_file).to_json() == state.to_json()


# -- look-ups ------------------------------------------------------------------------------------

OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["add", "product", "owner", "serial", "remove", "replace"]),
    st.integers(0, 7), st.sampled_from([None, 1, 2]), st.sampled_from([None, "ann", "bob"])),
    max_size=40)


@settings(max_examples=60, deadline=None)
@given(OPERATIONS)
def test_look_ups_agree_with_a_walk_over_every_device(operations):
    state = State()
    _look_up_everything(state)  # built first, then kept current by every change
    for kind, number, product_id, owner in operations:
        _apply(state, kind, f"{number:024x}", product_id, owner)
        _assert_look_ups_agree(state)


def _look_up_everything(state: State) -> None:
    for product_id in (None, 1, 2):
        state.product_devices(product_id)
    state.devices_owned_by(("user", "ann"))
    state.device_by_identifier("nothing")


def _apply(state: State, kind: str, device_id: str, product_id, owner) -> None:
    device = state.devices.get(device_id)
    if kind == "add" or device is None:
        state.devices[device_id] = Device(id=device_id, platform_id=10, product_id=product_id,
                                          serial_number=f"E310{device_id[-4:]}", imei=device_id[-6:])
    elif kind == "product":
        device.product_id = product_id
    elif kind == "owner":
        device.owner_kind, device.owner = ("user", owner) if owner else (None, None)
    elif kind == "serial":
        device.serial_number = f"P{product_id}{owner}"
    elif kind == "remove":
        del state.devices[device_id]
    else:
        dropped, *kept = state.devices.values()
        state.devices = {d.id: d for d in kept}
        _look_up_everything(state)
        dropped.product_id = 2  # no longer the state's: changes nothing there


def _assert_look_ups_agree(state: State) -> None:
    devices = list(state.devices.values())
    for product_id in (1, 2):
        assert set(state.product_devices(product_id)) == {d.id for d in devices if d.product_id == product_id}
    for owner in ("ann", "bob"):
        owned = {d.id for d in devices if device_account(d) == ("user", owner)}
        assert {d.id for d in state.devices_owned_by(("user", owner))} == owned
    for device in devices:  # duplicates (never real serials or IMEIs): any of them
        found = state.device_by_serial(device.serial_number.lower())
        assert found in devices and found.serial_number.upper() == device.serial_number.upper()
        assert state.indexes.device_by_imei.lookup(devices, device.imei).imei == device.imei
    assert state.device_by_serial("P9nobody") is None


TOKEN_OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["add", "refresh", "remove", "revoke"]), st.integers(0, 7),
    st.sampled_from(["customer", "user"]), st.sampled_from(["ann", "bob"]), st.sampled_from([None, 1])),
    max_size=40)


@settings(max_examples=60, deadline=None)
@given(TOKEN_OPERATIONS)
def test_token_look_ups_agree_with_a_walk_over_every_token(operations):
    state = State()
    state.token_by_refresh("nothing"), state.tokens_of_account("user", "ann", None)  # built first
    for kind, number, account_kind, username, product_id in operations:
        key = f"token-{number}"
        token = state.tokens.get(key)
        if kind == "add" or token is None:
            state.tokens[key] = Token(access_token=key, refresh_token=f"refresh-{number}", kind=account_kind,
                                      client_id="c", username=username, product_id=product_id, created_at=0.0,
                                      expires_at=None, refresh_expires_at=None)
        elif kind == "refresh":
            token.refresh_token = f"refresh-{number}-{username}"
        elif kind == "remove":
            del state.tokens[key]
        else:
            revoke_account_tokens(state, account_kind, username, product_id)
        tokens = list(state.tokens.values())
        for token in tokens:
            assert state.token_by_refresh(token.refresh_token).refresh_token == token.refresh_token
        for account in {(t.kind, t.username, t.product_id) for t in tokens} | {("user", "ann", None)}:
            walked = {t.access_token for t in tokens if (t.kind, t.username, t.product_id) == account}
            assert {t.access_token for t in state.tokens_of_account(*account)} == walked


# -- product device-list pages --------------------------------------------------------------------


def all_pages(api: SandboxApi, token: str, **query) -> list[dict]:
    listed, page = [], 1
    while True:
        body = api.get("/v1/products/9901/devices", token,
                       params={**query, "perPage": 100, "page": page}).json()
        listed += body["devices"]
        if page >= body["meta"]["total_pages"]:
            return listed
        page += 1


SORT_FIELDS = {"lastConnection": lambda d: d["last_handshake_at"] or "",
               "deviceName": lambda d: (d["name"] or "").lower(), "deviceId": lambda d: d["id"],
               "firmwareVersion": lambda d: d["firmware_version"] or 0}


def documented_order(devices: list[dict], attr: str, descending: bool) -> list[str]:
    """The IDs sorted by the sort attribute, ties in ID order (ascending either way)."""
    by_id = sorted(devices, key=lambda d: d["id"])
    return [d["id"] for d in sorted(by_id, key=SORT_FIELDS[attr], reverse=descending)]


@pytest.fixture
def varied_fleet(api, sandbox, fleet) -> list[str]:
    """The fleet with some devices connected (at distinct times), named, grouped, quarantined."""
    for number, device_id in enumerate(fleet[:40]):
        api.power(device_id, True)
        api.advance(1)
    with sandbox.store.write() as state:
        for number, device_id in enumerate(fleet[::50]):
            device = state.devices[device_id]
            device.name = f"lamp_{number % 7}"
            device.groups = ("north",) if number % 2 else ("south", "west")
            device.quarantined = number % 3 == 0
            device.firmware_version = number % 4
    return fleet


def test_pages_give_every_device_once_in_the_documented_order(api, varied_fleet, product_size):
    token = api.product_token()
    listed = all_pages(api, token)
    ids = [d["id"] for d in listed]
    assert len(ids) == len(set(ids)) == product_size
    assert ids == documented_order(listed, "lastConnection", descending=True)
    assert ids[0] == varied_fleet[39]  # the last to connect
    for attr in ("deviceName", "deviceId", "firmwareVersion"):
        for direction in ("asc", "desc"):
            ordered = [d["id"] for d in all_pages(api, token, sortAttr=attr, sortDir=direction)]
            assert ordered == documented_order(listed, attr, direction == "desc"), (attr, direction)


def test_filters_over_a_fleet(api, varied_fleet):
    token = api.product_token()
    listed = all_pages(api, token, sortAttr="deviceId")

    def ids(**query) -> list[str]:
        return [d["id"] for d in all_pages(api, token, sortAttr="deviceId", **query)]

    assert ids(deviceName="LAMP_3") == [d["id"] for d in listed if "lamp_3" in (d["name"] or "")]
    assert ids(groups="west,nowhere") == [d["id"] for d in listed if "west" in d["groups"]]
    assert ids(quarantined="true") == [d["id"] for d in listed if d["quarantined"]]
    tail = listed[123]["serial_number"][-5:].lower()
    assert ids(serialNumber=tail) == [d["id"] for d in listed if tail in d["serial_number"].lower()]
    assert ids(deviceName="lamp", quarantined="false", groups="north") == [
        d["id"] for d in listed if "lamp" in (d["name"] or "") and not d["quarantined"]
        and "north" in d["groups"]]


def test_pages_follow_every_change_between_two_reads(api, varied_fleet, product_size):
    token = api.product_token()
    all_pages(api, token)
    all_pages(api, token, sortAttr="deviceName")  # both orders are kept from here
    api.power(varied_fleet[4000], True)
    api.put(f"/v1/products/9901/devices/{varied_fleet[4001]}", token, json={"name": "aaa_first"})
    newest = all_pages(api, token)
    assert newest[0]["id"] == varied_fleet[4000]
    by_name = [d["id"] for d in all_pages(api, token, sortAttr="deviceName")]
    assert by_name == documented_order(newest, "deviceName", descending=False)
    assert by_name.index(varied_fleet[4001]) == sum(1 for d in newest if not d["name"])

    api.delete(f"/v1/products/9901/devices/{varied_fleet[4002]}", token)
    loose = api.device(product=None, online=False)
    api.post("/v1/products/9901/devices", token, json={"id": loose["id"]})
    ids = [d["id"] for d in all_pages(api, token)]
    assert varied_fleet[4002] not in ids and loose["id"] in ids and len(ids) == product_size


# -- making a fleet --------------------------------------------------------------------------------


def test_a_fleet_in_one_call(api, sandbox):
    made = api.post("/sandbox/devices", json={"count": 300, "platform": "electron", "product": "sandbox-electron",
                                              "online": True})
    assert made.status_code == 201 and made.json()["count"] == 300
    ids = made.json()["ids"]
    devices = [sandbox.store.state.devices[device_id] for device_id in ids]
    assert len(set(ids)) == 300 and all(d.product_id == 9901 and d.online for d in devices)
    assert len({d.serial_number for d in devices}) == 300 and all(d.serial_number.startswith("E310") for d in devices)
    assert all(len(d.iccid) == 20 and len(d.imei) == 15 for d in devices)
    photons = api.post("/sandbox/devices", json={"count": 3, "platform": "photon", "online": True}).json()
    assert all(sandbox.store.state.devices[p].wifi for p in photons["ids"])


@pytest.mark.parametrize("body", [{"count": 0}, {"count": "many"}, {"count": 1_000_001},
                                  {"count": 5, "platform": "toaster"},
                                  {"count": 5, "platform": "photon", "product": 9901}])
def test_a_fleet_that_cannot_be_made_makes_nothing(api, sandbox, body):
    before = len(sandbox.store.state.devices)
    assert api.post("/sandbox/devices", json={"platform": "electron", **body}).status_code == 400
    assert len(sandbox.store.state.devices) == before
