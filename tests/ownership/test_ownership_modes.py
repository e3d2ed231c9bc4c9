"""After the first claim, in both ownership modes (README "Ownership modes"): remove, give, share,
operators' fixes, the doctor, the reconcile; and `flask bff set-mode` both ways, with and without
`--unclaim`, a line per device, every owner kept."""
from __future__ import annotations

import logging

import pytest

from bff.config import CUSTOMERS_MODE, PRODUCT_MODE
from bff.imports.rebuild import Rebuild
from bff.particle.sandbox_link import products_from_demo_info
from bff.wiring import get_services
from bff.worker import Worker

from tests.ownership.helpers import cloud_owner
from tests.support import OTHER_PHONE


# -- remove, give, share ---------------------------------------------------------------------------------


def test_remove(lifecycle, owns, store, person, online_device, owners):
    owns(person, online_device)

    move = lifecycle.remove(person, online_device, channel="web")

    assert move.done
    owners.check(store, online_device, None)


def test_give_and_yes(lifecycle, owns, store, person, other_person, online_device, owners):
    owns(person, online_device)

    lifecycle.give(person, online_device, OTHER_PHONE, channel="sms")
    answer = lifecycle.answer(other_person, True)

    assert answer.accepted and answer.move.done
    owners.check(store, online_device, other_person.id)


def test_share_and_yes(lifecycle, owns, store, person, other_person, online_device, owners, control):
    owns(person, online_device)
    control.clear_requests()

    lifecycle.share(person, online_device, OTHER_PHONE, channel="web")
    assert lifecycle.answer(other_person, True).accepted

    assert [d.device_id for d in lifecycle.shared_with(other_person.id)] == [online_device]
    owners.check(store, online_device, person.id)
    assert [r for r in control.requests() if r["method"] != "GET"] == []  # a share is bff's alone


# -- operators' fixes and the doctor ------------------------------------------------------------------


def test_operators_release_give_and_reread(ownership, claims, store, person, other_person, desk, online_device,
                                          owners, ownership_mode):
    claims.request_claim_for(person.id, online_device, operator_id=desk.id, channel="ops")

    ownership.reread(online_device, actor=desk)  # product mode: the cloud's None is not taken
    owners.check(store, online_device, person.id)
    ownership.release(online_device, actor=desk)
    owners.check(store, online_device, None)
    claim, outcome, _ = ownership.give(online_device, OTHER_PHONE, actor=desk)

    assert outcome == "claimed"
    owners.check(store, online_device, other_person.id)
    report = ownership.report(online_device)
    assert "owner_mismatch" not in [problem.key for problem in report.problems]
    assert report.owners_in_cloud == (ownership_mode == CUSTOMERS_MODE)


def test_the_reconcile_keeps_bffs_owners(services, person, online_device, tag, owners):
    services.claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))

    Worker(services).reconcile_product("sandbox-electron")

    owners.check(services.store, online_device, person.id)


def test_a_rebuild_in_product_mode_says_owners_cannot_come_back(particle_factory, demo, store, claims, person,
                                                                 online_device, tag):
    claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    particle = particle_factory(products=products_from_demo_info(demo, mode=PRODUCT_MODE))

    [electron, *_] = Rebuild(store, particle, claims.devices).run()

    assert electron.owners_lost and electron.devices > 0 and electron.customers == 0
    assert store.device(online_device)["owner"] is not None  # a rebuild never drops an owner it has


# -- set-mode ---------------------------------------------------------------------------------------------


@pytest.fixture
def configured(app_factory, demo):
    """An app configured as a deployment is (BFF_PARTICLE_PRODUCTS, no sandbox mode) against the test
    sandbox, every product in `mode`, on the test's database."""
    return lambda mode: app_factory(PARTICLE_PRODUCTS=products_from_demo_info(demo, mode=mode))


def owned_devices(app, person, *device_ids):
    from bff.wiring import get_services

    services = get_services(app)
    for device_id in device_ids:
        claim = services.claims.request_claim(person.id, device_id, channel="test", operator=True)
        assert claim.state in ("claimed", "waiting_for_device")
    return services


def set_mode(app, *args):
    return app.test_cli_runner().invoke(args=["bff", "set-mode", *args])


def test_customers_to_product_keeps_the_owners_and_leaves_devices_claimed(configured, person, control,
                                                                         electron, caplog, store):
    devices = [d["id"] for d in control.demo_devices(electron["id"], online=True)[:2]]
    owned_devices(configured(CUSTOMERS_MODE), person, *devices)
    owners_before = {device_id: store.device(device_id)["owner"] for device_id in devices}

    with caplog.at_level(logging.ERROR, logger="bff.ownership.modes"):
        app = configured(PRODUCT_MODE)
        owned_devices(app, person)  # the services start: the mismatch is said
    assert f"Run: flask --app app bff set-mode {electron['slug']} product" in caplog.text
    [said] = [m for m in app.test_client().get("/healthz").json["ownership_modes"] if m["product"] == electron["slug"]]
    assert (said["configured"], said["recorded"]) == ("product", "customers")
    assert f"set-mode {electron['slug']} product" in said["message"]

    result = set_mode(app, electron["slug"], "product")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for device_id in devices:
        [line] = [line for line in lines if line.startswith(device_id)]
        assert f"person {person.id}" in line and "owner kept in bff; left claimed in the cloud" in line
        assert store.device(device_id)["owner"] == owners_before[device_id] == cloud_owner(control, device_id)
    assert "customers -> product, 2 owned devices (2 done, 0 waiting, 0 need help)" in result.output
    assert store.recorded_mode(electron["slug"]) == PRODUCT_MODE
    assert electron["slug"] not in str(app.test_client().get("/healthz").json["ownership_modes"])


def test_customers_to_product_with_unclaim_needs_devices_release(configured, person, control, electron, store,
                                                                 audit):
    [device] = [d["id"] for d in control.demo_devices(electron["id"], online=True)[:1]]
    owned_devices(configured(CUSTOMERS_MODE), person, device)
    app = configured(PRODUCT_MODE)

    refused = set_mode(app, electron["slug"], "product", "--unclaim")  # the demo API user lacks devices:release

    assert refused.exit_code == 1
    assert "still claimed in the cloud: The product's API user may not do this: it lacks the scope " \
           "devices:release" in refused.output
    assert cloud_owner(control, device) is not None and store.device(device)["owner"] is not None

    done = set_mode(configured(CUSTOMERS_MODE), electron["slug"], "product", "--unclaim")  # the OAuth client may

    assert done.exit_code == 0, done.output
    assert "owner kept in bff; unclaimed in the cloud" in done.output
    assert "change its BFF_PARTICLE_PRODUCTS entry (product:PRODUCT:API_USER_TOKEN)" in done.output
    assert cloud_owner(control, device) is None
    assert store.device(device)["owner"] == store.shadow_customer(person.id, electron["slug"])["username"]
    assert [e.result for e in audit.entries(action="device.set_mode")] == ["ok", "failed"]  # newest first


def test_product_to_customers_claims_each_device_for_its_owner(configured, person, control, electron, store):
    online = control.demo_devices(electron["id"], online=True)[0]["id"]
    offline = control.demo_devices(electron["id"], online=False)[0]["id"]
    owned_devices(configured(PRODUCT_MODE), person, online, offline)
    assert cloud_owner(control, online) is None and control.state()["customers"] == []
    app = configured(CUSTOMERS_MODE)

    first = set_mode(app, electron["slug"], "customers")

    assert first.exit_code == 1  # not finished: the offline device's claim waits
    assert "owner kept in bff; claimed in the cloud for them" in first.output
    [waiting] = [line for line in first.output.splitlines() if line.startswith(offline)]
    assert "pending" in waiting and "waits for the device to come online" in waiting
    assert "Not finished" in first.output and store.recorded_mode(electron["slug"]) == PRODUCT_MODE
    username = store.shadow_customer(person.id, electron["slug"])["username"]
    assert cloud_owner(control, online) == username == store.device(offline)["owner"]
    Worker(get_services(app)).reconcile_product(electron["slug"])  # the switch is not finished: the
    assert store.device(offline)["owner"] == username             # cloud's empty owner is not taken

    control.power(offline, True)
    get_services(app).claims.device_online(electron["slug"], offline)  # what the worker does
    again = set_mode(app, electron["slug"], "customers")

    assert again.exit_code == 0, again.output
    assert again.output.count("already claimed in the cloud for them") == 2
    assert cloud_owner(control, offline) == username and store.recorded_mode(electron["slug"]) == CUSTOMERS_MODE
    assert store.outbound_messages(to_phone=person.phone) == []  # nothing changed for them: no text


def test_customers_mode_needs_the_oauth_client(configured, electron):
    result = set_mode(configured(PRODUCT_MODE), electron["slug"], "customers")

    assert result.exit_code != 0
    assert "needs the product's OAuth client" in result.output
    assert f"customers:{electron['slug']}:CLIENT_ID:CLIENT_SECRET" in result.output


def test_an_unknown_product_is_refused(configured):
    result = set_mode(configured(CUSTOMERS_MODE), "no-such-product", "product")

    assert result.exit_code != 0 and "bff does not serve a product 'no-such-product'" in result.output


def test_in_sandbox_mode_changing_the_mode_just_works(app_factory, person, control, electron, store):
    online = control.demo_devices(electron["id"], online=True)[0]["id"]
    owned_devices(app_factory(OWNERSHIP_MODE=PRODUCT_MODE), person, online)

    owned_devices(app_factory(OWNERSHIP_MODE=CUSTOMERS_MODE), person)  # its services start: the switch runs

    username = store.shadow_customer(person.id, electron["slug"])["username"]
    assert cloud_owner(control, online) == username == store.device(online)["owner"]
    assert store.recorded_mode(electron["slug"]) == CUSTOMERS_MODE
