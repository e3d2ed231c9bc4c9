"""The database is not the only copy: `flask bff backup` while bff writes, then the disk is lost and
`flask bff rebuild` on a fresh database with the same keys gives back the owners, the label codes
printed since codes are derived and the shadow customers; people get their devices back when they
sign in again. What only a backup holds (a random code from before, a random username) is said."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bff import labels
from bff.db.store import Store
from bff.particle.customers import new_customer_username, person_prefix_of
from bff.wiring import get_services

from tests.support import LABEL_KEY, cheap_hasher
from tests.support.api_client import ApiClient, sign_in_by_api
from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import claim, signed_in_client
from tests.support.polling import wait_until

ANN, BEN, CLEO, DAN = "+12015550301", "+12015550302", "+12015550303", "+12015550304"


def snapshot(store) -> dict:
    """What a rebuild must give back: devices (owner, code) and bff's shadow customers."""
    devices = {row["device_id"]: (row["owner"], row["label_code"]) for row in store.devices()}
    customers = {row["username"]: row["product_key"] for row in store.db.query(
        "SELECT username, product_key FROM shadow_customers WHERE username LIKE '%@customers.bff.invalid'")}
    return {"devices": devices, "customers": customers}


def claim_for(app, services, phone: str, device_id: str) -> None:
    """The person signs in on the web and taps Claim on the device's QR landing page."""
    person = services.accounts.user_for_phone(phone)
    claim(signed_in_client(app, person), device_id)
    assert wait_until(lambda: services.devices.owned_by(device_id, person.id)), device_id


class Writer(threading.Thread):
    """Another process's writes while the backup runs: a person and their customer, one transaction each."""

    def __init__(self, path: str) -> None:
        super().__init__(daemon=True)
        self.store = Store(path)
        self.stop = threading.Event()
        self.written = 0

    def run(self) -> None:
        while not self.stop.is_set():
            with self.store.transaction():
                user_id = self.store.create_user()
                self.store.reserve_shadow_customer(user_id, "writer", f"writer-{user_id}@example.com")
            self.written += 1
        self.store.close()


def writer_rows(path) -> tuple[int, int]:
    """(people without their customer, the writer's customers) in a database file."""
    database = sqlite3.connect(path)
    try:
        orphans = database.execute("SELECT COUNT(*) FROM users WHERE id NOT IN "
                                   "(SELECT user_id FROM shadow_customers)").fetchone()[0]
        customers = database.execute("SELECT COUNT(*) FROM shadow_customers "
                                     "WHERE product_key = 'writer'").fetchone()[0]
        return orphans, customers
    finally:
        database.close()


@pytest.fixture
def lost_world(app, services, control, electron, photon, new_devices, tmp_path):
    """Claims for several people through the app, a label sheet printed, a backup made while a writer
    writes; then the database is gone. Returns what was there before the loss."""
    slug = electron["slug"]
    boxes = new_devices(5)
    old_box = boxes.pop()  # labelled before codes were derived: a random code
    services.store.upsert_device(old_box, product_key=slug)
    old_code = services.store.ensure_label_code(old_box, labels.new_label_code)
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["bff", "labels", "--product", slug, "--out", str(tmp_path / "sheet.html")])
    assert printed.exit_code == 0, printed.output
    wifi_box = control.demo_devices(photon["id"], online=True)[0]["id"]
    services.devices.find(wifi_box)
    claim_for(app, services, ANN, boxes[0])
    claim_for(app, services, ANN, wifi_box)  # Ann is a customer of two products
    claim_for(app, services, BEN, boxes[1])
    cleo = services.accounts.user_for_phone(CLEO)  # her customer was named before names were derived
    services.store.reserve_shadow_customer(cleo.id, slug, new_customer_username())
    claim_for(app, services, CLEO, boxes[2])
    before = snapshot(services.store)
    backup = backup_while_writing(app, services.store.path, tmp_path / "backups" / "bff.sqlite3")
    services.store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(services.store.path + suffix).unlink(missing_ok=True)
    return {"before": before, "backup": backup, "boxes": boxes, "old_box": old_box, "old_code": old_code,
            "wifi_box": wifi_box, "sheet": (tmp_path / "sheet.html").read_text()}


def backup_while_writing(app, live_path: str, target: Path) -> Path:
    writer = Writer(live_path)
    writer.start()
    assert wait_until(lambda: writer.written >= 20)
    at_start = writer.written
    result = app.test_cli_runner().invoke(args=["bff", "backup", str(target)])
    at_end = writer.written
    assert wait_until(lambda: writer.written > at_end)  # it kept writing all along
    writer.stop.set()
    writer.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert "bytes in" in result.output and str(target) in result.output
    orphans, customers = writer_rows(target)
    assert orphans == 0, "the backup split a transaction"
    assert at_start <= customers <= writer.written, "the backup is not the database as of one moment"
    return target


def test_the_backup_is_consistent_and_holds_everything(lost_world):
    database = sqlite3.connect(lost_world["backup"])
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    owners = dict(database.execute("SELECT device_id, owner FROM devices").fetchall())
    assert owners == {device: owner for device, (owner, _) in lost_world["before"]["devices"].items()}
    database.close()


def test_rebuild_gives_back_owners_codes_and_customers(lost_world, app_factory):
    rebuilt = app_factory()
    result = rebuilt.test_cli_runner().invoke(args=["bff", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "shadow customers restored" in result.output and "with random names" in result.output
    after = snapshot(get_services(rebuilt).store)
    before = lost_world["before"]
    assert set(before["devices"]) <= set(after["devices"])  # and every other device of the products
    assert {d: after["devices"][d][0] for d in before["devices"]} == \
        {d: owner for d, (owner, _) in before["devices"].items()}
    assert after["customers"] == before["customers"]
    for device_id, (_, code) in after["devices"].items():
        assert code == labels.derived_label_code(LABEL_KEY, device_id)
        if device_id in before["devices"] and device_id != lost_world["old_box"]:
            assert code == before["devices"][device_id][1]  # the code printed on its box
    for box in lost_world["boxes"]:
        assert labels.format_label_code(after["devices"][box][1]) in lost_world["sheet"]
    assert after["devices"][lost_world["old_box"]][1] != lost_world["old_code"]  # only a backup has it


def test_rebuild_refuses_a_database_in_use_and_changes_nothing_when_forced(lost_world, app_factory):
    rebuilt = app_factory()
    runner = rebuilt.test_cli_runner()
    assert runner.invoke(args=["bff", "rebuild"]).exit_code == 0
    first = snapshot(get_services(rebuilt).store)
    refused = runner.invoke(args=["bff", "rebuild"])
    assert refused.exit_code != 0 and "not empty" in refused.output
    forced = runner.invoke(args=["bff", "rebuild", "--force"])
    assert forced.exit_code == 0, forced.output
    assert snapshot(get_services(rebuilt).store) == first
    assert "0 shadow customers restored" in forced.output


def test_people_get_their_devices_back_when_they_sign_in_again(lost_world, app_factory, checker):
    rebuilt = app_factory()
    assert rebuilt.test_cli_runner().invoke(args=["bff", "rebuild"]).exit_code == 0
    services = get_services(rebuilt)
    restored = [row for row in services.store.db.query("SELECT user_id, username FROM shadow_customers")]
    assert len({row["user_id"] for row in restored if person_prefix_of(row["username"])}) == 2  # Ann, Ben

    def devices_of(phone: str) -> set[str]:
        api = ApiClient(rebuilt.test_client(), checker)
        api.token = sign_in_by_api(api, services.sms, phone)
        return {device["device_id"] for device in api.get("/api/v1/devices").get_json()["devices"]}

    boxes = lost_world["boxes"]
    assert devices_of(ANN) == {boxes[0], lost_world["wifi_box"]}
    assert devices_of(BEN) == {boxes[1]}
    assert devices_of(CLEO) == set()  # a random username: only a backup links it to her phone
    assert services.devices.owner(boxes[2]) == lost_world["before"]["devices"][boxes[2]][0]


def test_someone_who_signed_in_before_a_forced_rebuild_gets_their_devices(lost_world, app_factory):
    rebuilt = app_factory()
    services = get_services(rebuilt)
    ann = services.accounts.user_for_phone(ANN)  # bff ran on the empty database for a while
    runner = rebuilt.test_cli_runner()
    assert runner.invoke(args=["bff", "rebuild"]).exit_code != 0
    assert runner.invoke(args=["bff", "rebuild", "--force"]).exit_code == 0
    mine = {view.device_id for view in services.devices.devices_of(ann.id)}
    assert mine == {lost_world["boxes"][0], lost_world["wifi_box"]}
    assert services.accounts.user_for_phone(ANN).id == ann.id


def test_a_printed_code_still_claims_after_the_rebuild(lost_world, app_factory):
    rebuilt = app_factory()
    assert rebuilt.test_cli_runner().invoke(args=["bff", "rebuild"]).exit_code == 0
    services = get_services(rebuilt)
    unclaimed = lost_world["boxes"][3]
    printed = lost_world["before"]["devices"][unclaimed][1]
    dan = services.accounts.user_for_phone(DAN)
    done = services.claims.request_claim(dan.id, unclaimed, channel="web", label_code=printed)
    assert wait_until(lambda: services.devices.owned_by(unclaimed, dan.id)), done


def test_support_finds_a_restored_person_and_their_device(lost_world, app_factory):
    """Cleo's random username links to no phone: support finds her customer and can give her the box."""
    rebuilt = app_factory()
    assert rebuilt.test_cli_runner().invoke(args=["bff", "rebuild"]).exit_code == 0
    services = get_services(rebuilt)
    services.accounts.hasher = cheap_hasher()
    make_operator(services, "sam", "support")
    browser = rebuilt.test_client()
    ops_sign_in(browser, services, "sam")
    box = lost_world["boxes"][2]
    person = services.store.shadow_customer_by_username(services.devices.owner(box))["user_id"]
    assert browser.get(f"/ops/people/{person}").status_code == 200
    assert browser.get(f"/ops/devices/{box}").status_code == 200
    assert browser.get(f"/ops/search?q={box}").status_code in (200, 302, 303)


def test_backup_refuses_the_live_database(app, services):
    result = app.test_cli_runner().invoke(args=["bff", "backup", services.store.path])
    assert result.exit_code != 0 and "live database" in result.output
    assert services.store.ping() is None
