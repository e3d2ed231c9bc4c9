"""Shadow-customer usernames derived from a person's phone (recomputable after a lost database), and
the product customer list `flask bff rebuild` reads."""
from __future__ import annotations

import re

import pytest

from bff.particle.customers import (
    derived_customer_username,
    is_bff_username,
    new_customer_username,
    person_prefix_of,
    person_username_prefix,
)

KEY = "test-label-key"
PHONE = "+12015550123"
DERIVED = re.compile(r"bff-[0-9a-f]{20}-[0-9a-f]{6}@customers\.bff\.invalid")


def test_a_derived_username_is_ours_stable_and_hides_the_phone():
    name = derived_customer_username(KEY, PHONE, "electron-demo")
    assert DERIVED.fullmatch(name) and is_bff_username(name)
    assert name == derived_customer_username(KEY.encode(), PHONE, "electron-demo")
    assert "5550123" not in name


def test_it_depends_on_the_key_the_phone_and_the_product():
    name = derived_customer_username(KEY, PHONE, "electron-demo")
    assert name != derived_customer_username("another-key", PHONE, "electron-demo")
    assert name != derived_customer_username(KEY, "+12015550124", "electron-demo")
    assert name != derived_customer_username(KEY, PHONE, "photon-demo")


def test_one_person_has_one_prefix_in_every_product():
    prefix = person_username_prefix(KEY, PHONE)
    names = [derived_customer_username(KEY, PHONE, product) for product in ("electron-demo", "photon-demo", "42")]
    assert all(name.startswith(prefix) and person_prefix_of(name) == prefix for name in names)


def test_random_and_foreign_usernames_have_no_person():
    assert person_prefix_of(new_customer_username()) is None
    assert is_bff_username(new_customer_username())
    assert person_prefix_of("someone@example.com") is None and not is_bff_username("someone@example.com")
    with pytest.raises(ValueError):
        derived_customer_username("", PHONE, "electron-demo")


def test_the_cloud_client_names_a_person_from_their_phone(particle_factory, store, electron, control):
    particle = particle_factory(customer_key=KEY)
    user = store.ensure_phone_user(PHONE)
    username = particle.ensure_customer(electron["slug"], user["id"])
    assert username == derived_customer_username(KEY, PHONE, electron["slug"])
    assert username in [c["username"] for c in control.state()["customers"]]


def test_without_a_phone_or_a_key_the_name_is_random(particle_factory, store, electron):
    phoneless = store.create_user()
    assert person_prefix_of(particle_factory(customer_key=KEY).ensure_customer(electron["slug"], phoneless)) is None
    user = store.ensure_phone_user(PHONE)
    assert person_prefix_of(particle_factory().ensure_customer(electron["slug"], user["id"])) is None


def test_a_derived_name_someone_else_holds_falls_back_to_a_random_one(particle_factory, store, electron):
    """A number given up (number change) and handed to a new person: the old person keeps the name."""
    particle = particle_factory(customer_key=KEY)
    old_holder = store.create_user()
    taken = derived_customer_username(KEY, PHONE, electron["slug"])
    store.reserve_shadow_customer(old_holder, electron["slug"], taken)
    newcomer = store.ensure_phone_user(PHONE)["id"]
    username = particle.ensure_customer(electron["slug"], newcomer)
    assert username != taken and person_prefix_of(username) is None
    assert store.shadow_customer(old_holder, electron["slug"])["username"] == taken


def test_the_product_customer_list_has_every_page(particle_factory, store, electron, control):
    particle = particle_factory(customer_key=KEY)
    made = {particle.ensure_customer(electron["slug"], store.ensure_phone_user(f"+1201555{n:04d}")["id"])
            for n in range(130)}  # more than one page of 100
    control.clear_requests()
    listed = particle.list_product_customers(electron["slug"])
    assert made <= {customer["username"] for customer in listed}
    pages = control.requests(path=f"/v1/products/{electron['slug']}/customers", method="GET")
    assert len(pages) == 2 and all(entry["status"] == 200 for entry in pages)
