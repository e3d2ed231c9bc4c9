"""Claims, claim codes, imports, device lists and look-ups against the sandbox cloud."""
from __future__ import annotations

import pytest

import bff.particle.client
from bff.errors import (
    BadRequest, DeviceNotFound, DeviceNotInProduct, DeviceOffline, DeviceOwnedByOther, InvalidDeviceId,
    ProductNotConfigured,
)

from tests.support.clock import FakeClock


def calls(control) -> list[tuple[str, str, int]]:
    return [(e["method"], e["path"], e["status"]) for e in control.requests()]


def owner(control, device_id: str) -> str | None:
    return control.device(device_id)["owner"]


# -- claiming ------------------------------------------------------------------------------------

def test_claim_makes_the_customer_the_owner(particle, electron, customer, online_device, control):
    result = particle.claim_device(electron["slug"], customer, online_device.upper())
    assert result["ok"] is True
    assert owner(control, online_device) == customer
    (claim,) = control.requests(path="/v1/devices")
    assert claim["params"] == {"id": online_device}  # lower case, in the body
    assert claim["credential"] == {"kind": "customer", "username": customer, "product_id": electron["id"]}


def test_a_returning_customers_claim_costs_exactly_one_request(particle, particle_factory, electron,
                                                              user_id, control):
    first, second = control.demo_devices(electron["id"], online=True)[:2]
    username = particle.ensure_customer(electron["slug"], user_id)
    particle.claim_device(electron["slug"], username, first["id"])
    for client in (particle, particle_factory()):  # this process, and after a restart
        control.clear_requests()
        client.claim_device(electron["slug"], client.ensure_customer(electron["slug"], user_id), second["id"])
        assert calls(control) == [("POST", "/v1/devices", 200)]


def test_claiming_your_own_device_again_succeeds(particle, electron, customer, online_device):
    particle.claim_device(electron["slug"], customer, online_device)
    assert particle.claim_device(electron["slug"], customer, online_device)["ok"] is True


def test_an_offline_device_is_reported_whichever_way_the_cloud_says_it(particle, electron, customer,
                                                                      offline_device, control):
    with pytest.raises(DeviceOffline) as vague:  # Particle's deliberate `{}` (the sandbox default)
        particle.claim_device(electron["slug"], customer, offline_device)
    assert (vague.value.status, vague.value.raw.strip()) == (400, "{}")
    assert vague.value.retryable
    assert control.requests()[-1]["status"] == 400
    control.set_options(offline_claim_body="errors")
    with pytest.raises(DeviceOffline) as said:
        particle.claim_device(electron["slug"], customer, offline_device)
    assert "offline" in said.value.cloud_message
    assert owner(control, offline_device) is None
    (row, *_) = particle.store.cloud_calls()
    assert row["status"] == 400 and "DeviceOffline" in row["error"]


def test_offline_product_devices_claim_where_the_cloud_allows_it(particle, electron, customer,
                                                                 offline_device, control):
    control.set_options(require_online_to_claim=False)  # the newer documentation's behaviour
    assert particle.claim_device(electron["slug"], customer, offline_device)["ok"] is True
    assert owner(control, offline_device) == customer


def test_someone_elses_device(particle, electron, customer, online_device, store):
    particle.claim_device(electron["slug"], customer, online_device)
    stranger = particle.ensure_customer(electron["slug"], store.create_user())
    with pytest.raises(DeviceOwnedByOther) as caught:
        particle.claim_device(electron["slug"], stranger, online_device)
    assert caught.value.status == 403
    assert caught.value.cloud_message == "That belongs to someone else."
    assert not caught.value.retryable


def test_unknown_devices_and_other_products_devices_are_not_found(particle, electron, photon, customer,
                                                                  control):
    with pytest.raises(DeviceNotFound):
        particle.claim_device(electron["slug"], customer, "0123456789abcdef01234567")
    photon_device = control.demo_devices(photon["id"], online=True)[0]["id"]
    with pytest.raises(DeviceNotFound):  # the sandbox does not say "wrong product" to a customer
        particle.claim_device(electron["slug"], customer, photon_device)


def test_malformed_device_ids_never_reach_the_cloud(particle, electron, customer, control):
    control.clear_requests()
    with pytest.raises(InvalidDeviceId):
        particle.claim_device(electron["slug"], customer, "K7Q2-M9XA-3")
    assert control.requests() == []


def test_unclaim(particle, electron, customer, online_device, control):
    particle.claim_device(electron["slug"], customer, online_device)
    particle.unclaim_device(electron["slug"], online_device)
    assert owner(control, online_device) is None
    assert control.requests()[-1]["path"] == f"/v1/products/{electron['slug']}/devices/{online_device}/owner"


# -- claim codes -----------------------------------------------------------------------------------

def test_claim_code_for_wifi_setup(particle_factory, photon, store, control):
    clock = FakeClock(1_900_000_000.0)
    particle = particle_factory(clock=clock)
    username = particle.ensure_customer(photon["slug"], store.create_user())
    code = particle.create_claim_code(photon["slug"], username)
    assert len(code.code) == 63
    assert code.expires_at == clock.now + 3600
    assert code.device_ids == []
    (stored,) = control.state()["claim_codes"]
    assert (stored["code"], stored["owner"], stored["product_id"]) == (code.code, username, photon["id"])
    assert control.requests()[-1]["credential"]["kind"] == "customer"


def test_claim_code_from_an_iccid_lists_owned_devices(particle, electron, customer, online_device, control):
    particle.claim_device(electron["slug"], customer, online_device)
    other = control.demo_devices(electron["id"], online=False)[0]
    code = particle.create_claim_code(electron["slug"], customer, iccid=other["iccid"])
    assert code.code == other["iccid"]
    assert code.device_ids == [online_device]


# -- product devices -------------------------------------------------------------------------------

def test_import_by_id_ids_and_file(particle, electron, photon, control, tmp_path):
    new = [control.create_device("electron", online=False)["id"] for _ in range(4)]
    in_product = control.demo_devices(electron["id"], online=True)[0]["id"]
    wrong_platform = control.demo_devices(photon["id"], online=True)[0]["id"]

    one = particle.import_devices(electron["slug"], [new[0].upper()])
    assert (one.updated, one.updated_device_ids) == (1, [new[0]])
    assert control.requests()[-1]["params"] == {"id": new[0]}

    many = particle.import_devices(electron["slug"], [new[1], in_product, wrong_platform])
    assert many.updated_device_ids == [new[1]]
    assert many.existing_device_ids == [in_product]
    assert many.invalid_device_ids == [wrong_platform]
    assert many.nonmember_device_ids == [] and many.protected_device_ids == []
    assert "Already in the product: 1" in many.summary()

    listing = tmp_path / "devices.txt"
    listing.write_text(f"{new[2]}\n{new[3]}\n")
    from_path = particle.import_devices(electron["slug"], file=listing)
    assert from_path.updated_device_ids == [new[2], new[3]]
    from_bytes = particle.import_devices(electron["slug"], file=listing.read_bytes())
    assert from_bytes.existing_device_ids == [new[2], new[3]]
    assert all(control.device(d)["product_id"] == electron["id"] for d in new)


def test_import_needs_something_to_import(particle, electron):
    with pytest.raises(ValueError):
        particle.import_devices(electron["slug"])
    with pytest.raises(BadRequest):
        particle.import_devices(electron["slug"], [])


def test_list_product_devices_reads_every_page(particle, electron, control, monkeypatch):
    monkeypatch.setattr(bff.particle.client, "DEVICES_PER_PAGE", 3)
    expected = {d["id"] for d in control.state()["devices"] if d["product_id"] == electron["id"]}
    control.clear_requests()
    devices = particle.list_product_devices(electron["slug"])
    assert {d["id"] for d in devices} == expected and len(devices) == len(expected) == 4
    pages = control.requests(path=f"/v1/products/{electron['slug']}/devices")
    assert [e["query"] for e in pages] == [{"perPage": "3", "page": "1"},
                                                        {"perPage": "3", "page": "2"}]


def test_list_product_devices_filters(particle, electron, control):
    device = control.demo_devices(electron["id"], online=True)[0]
    found = particle.list_product_devices(electron["slug"], device_name=device["name"][:5],
                                          sort_attr="deviceName", sort_dir="asc")
    assert [d["id"] for d in found] == [device["id"]]
    by_serial = particle.list_product_devices(electron["slug"], serial_number=device["serial_number"])
    assert [d["id"] for d in by_serial] == [device["id"]]
    assert particle.list_product_devices(electron["slug"], device_id="ffffffffffff") == []


def test_get_rename_and_remove_a_product_device(particle, electron, online_device, control):
    device = particle.get_device(electron["slug"], online_device)
    assert (device["id"], device["platform_id"], device["online"]) == (online_device, 10, True)
    renamed = particle.rename_device(electron["slug"], online_device, "pump house")
    assert renamed["name"] == "pump house"
    assert control.device(online_device)["name"] == "pump house"
    particle.remove_device(electron["slug"], online_device)
    assert control.device(online_device)["product_id"] is None
    with pytest.raises(DeviceNotInProduct):
        particle.get_device(electron["slug"], online_device)


def test_customer_devices(particle, electron, customer, online_device):
    assert particle.customer_devices(electron["slug"], customer) == []
    particle.claim_device(electron["slug"], customer, online_device)
    assert [d["id"] for d in particle.customer_devices(electron["slug"], customer)] == [online_device]


def test_lookup_serial_number(particle, electron, online_device, control):
    device = control.device(online_device)
    found = particle.lookup_serial_number(electron["slug"], device["serial_number"])
    assert (found.device_id, found.iccid) == (online_device, device["iccid"])
    with pytest.raises(DeviceNotFound):
        particle.lookup_serial_number(electron["slug"], "E310NOSUCHSERIAL")


def test_product_info_is_fetched_once(particle, electron, control):
    info = particle.product_info(electron["slug"])
    assert (info.id, info.slug, info.platform_id, info.name) == (
        electron["id"], electron["slug"], 10, electron["name"])
    assert particle.product_info(electron["slug"]) == info
    assert len(control.requests(path=f"/v1/products/{electron['slug']}")) == 1
    particle.product_info(electron["slug"], refresh=True)
    assert len(control.requests(path=f"/v1/products/{electron['slug']}")) == 2


def test_products_are_reached_by_id_too(particle_factory, electron, products):
    by_id = [type(p)(key=str(electron["id"]), client_id=p.client_id, client_secret=p.client_secret)
             for p in products if p.key == electron["slug"]]
    assert particle_factory(by_id).product_info(str(electron["id"])).slug == electron["slug"]


def test_unconfigured_products_are_refused_without_a_request(particle, products, control):
    assert sorted(particle.product_keys()) == sorted(p.key for p in products)
    with pytest.raises(ProductNotConfigured):
        particle.list_product_devices("no-such-product")
    assert control.requests() == []
