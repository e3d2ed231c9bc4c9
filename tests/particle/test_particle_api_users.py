"""The Particle client in product mode (README "Ownership modes"): the API user's token is the only
credential (never minted, never cached, no OAuth client), no cloud customer is made, what needs one
says so plainly, and the cloud's refusal of a missing scope names the scope."""
from __future__ import annotations

import pytest

from bff import errors
from bff.config import PRODUCT_MODE, ProductCredentials
from bff.particle.api_users import SCOPES_BFF_NEEDS, scope_for


@pytest.fixture
def product_mode(particle_factory, demo):
    """A client whose products are in product mode, each with its demo API user's token (or `token`)."""
    def build(token: str | None = None):
        return particle_factory(products=[
            ProductCredentials(key=p["slug"], mode=PRODUCT_MODE, api_token=token or p["api_user_token"])
            for p in demo["products"]])
    return build


def test_the_api_users_token_is_the_product_token(product_mode, control, electron, store, online_device):
    particle = product_mode()

    assert particle.product_token(electron["slug"]) == electron["api_user_token"]
    device = particle.get_device(electron["slug"], online_device)
    particle.rename_device(electron["slug"], online_device, "pump_house")

    assert device["id"] == online_device and control.device(online_device)["name"] == "pump_house"
    assert store.product_token(electron["slug"], valid_at=0) is None  # never cached
    assert control.requests("/oauth/token") == []


def test_an_owner_name_without_a_cloud_customer(product_mode, electron, person, control, store):
    particle = product_mode()

    name = particle.ensure_customer(electron["slug"], person.id)

    assert name == particle.owner_name(electron["slug"], person.id)
    assert name.startswith("bff-") and store.shadow_customer(person.id, electron["slug"])["confirmed_at"] is None
    assert control.requests() == [] and control.state()["customers"] == []
    assert not particle.owners_in_cloud(electron["slug"]) and particle.mode(electron["slug"]) == PRODUCT_MODE


@pytest.mark.parametrize("call", [
    lambda p, key, name: p.customer_token(key, name),
    lambda p, key, name: p.setup_token(key, name),
    lambda p, key, name: p.create_claim_code(key, name),
    lambda p, key, name: p.claim_device(key, name, "0123456789abcdef01234567"),
    lambda p, key, name: p.customer_devices(key, name),
])
def test_what_needs_a_cloud_customer_says_so(product_mode, electron, person, control, call):
    particle = product_mode()
    name = particle.owner_name(electron["slug"], person.id)

    with pytest.raises(errors.NeedsCustomersMode) as refused:
        call(particle, electron["slug"], name)

    assert "product mode" in refused.value.detail
    assert control.requests() == []


def test_a_missing_scope_gets_the_clouds_refusal_named(product_mode, control, electron, online_device, store):
    token = control.create_api_user(electron["slug"], ["devices:list"])["token"]
    particle = product_mode(token)

    with pytest.raises(errors.ApiUserNotAllowed) as refused:
        particle.rename_device(electron["slug"], online_device, "nope")

    assert (refused.value.status, refused.value.scope) == (400, "devices:update")
    assert "scopes do not allow" in refused.value.cloud_message  # the cloud's own words, kept for operators
    assert "PUT /v1/products/:product/team/:username" in refused.value.plain_reason
    assert len(particle.list_product_devices(electron["slug"])) > 0  # what it may do, it does


def test_a_bad_token_is_not_minted_again(product_mode, electron, online_device, control):
    particle = product_mode("not-a-token")

    with pytest.raises(errors.Unauthorized):
        particle.get_device(electron["slug"], online_device)

    assert len(control.requests(f"/v1/products/{electron['slug']}/devices/{online_device}")) == 1


def test_serial_numbers_are_not_looked_up_in_product_mode(product_mode, electron, control):
    with pytest.raises(errors.SerialNotFound) as refused:
        product_mode().lookup_serial_number(electron["slug"], "E310S7JSJ0S0L1T")

    assert "device ID or the box code" in refused.value.next_step and control.requests() == []


def test_the_scopes_bff_needs_match_its_calls():
    assert set(SCOPES_BFF_NEEDS) == {"products:get", "devices:list", "devices:get", "devices:update",
                                     "devices:import", "events:get"}
    assert scope_for("GET", "/v1/products/p/devices?page=1".split("?")[0]) == "devices:list"
    assert scope_for("GET", "/v1/products/p/devices/abc") == "devices:get"
    assert scope_for("DELETE", "/v1/products/p/devices/abc/owner") == "devices:release"
    assert scope_for("GET", "/v1/products/p/events/spark") == "events:get"
    assert scope_for("GET", "/v1/products/p") == "products:get"
    assert scope_for("POST", "/v1/devices") is None


def test_one_organizations_api_user_serves_each_of_its_products(product_mode, control, demo, electron, new_devices):
    org = demo["orgs"][0]
    token = control._call("POST", "/api-users", json={"org": org["slug"], "scopes": list(SCOPES_BFF_NEEDS)})["token"]
    particle = product_mode(token)  # every product's entry: product:<slug>:<the org's token>
    boron = control.create_device("boron", "sandbox-boron", online=True)["id"]

    assert particle.get_device(electron["slug"], new_devices(1)[0])["product_id"] == electron["id"]
    assert particle.get_device("sandbox-boron", boron)["id"] == boron
    control._call("POST", "/orgs", json={"slug": "elsewhere", "products": ["sandbox-p2"]})  # p2 leaves the org
    p2 = control.create_device("p2", "sandbox-p2", online=True)["id"]
    with pytest.raises(errors.ApiUserNotAllowed):
        particle.get_device("sandbox-p2", p2)
