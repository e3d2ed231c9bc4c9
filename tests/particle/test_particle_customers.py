"""Shadow customers: one per (user, product), made on first need, stable, stored first."""
from __future__ import annotations

import threading

import pytest
import requests

from bff.errors import ProductNotConfigured


def calls(control) -> list[tuple[str, str, int]]:
    return [(e["method"], e["path"], e["status"]) for e in control.requests()]


def sandbox_customers(control, product_id: int) -> list[str]:
    return [c["username"] for c in control.state()["customers"] if c["product_id"] == product_id]


def test_first_need_creates_the_customer_two_legged(particle, electron, user_id, store, control):
    username = particle.ensure_customer(electron["slug"], user_id)
    (create,) = control.requests()
    assert (create["method"], create["path"], create["status"]) == (
        "POST", f"/v1/products/{electron['slug']}/customers", 201)
    assert create["credential"]["kind"] == "client"  # HTTP Basic with the product's OAuth client
    # the sandbox's log hides any field named like a password, so no_password shows redacted
    assert sorted(create["params"]) == ["email", "no_password"] and create["params"]["email"] == username
    assert sandbox_customers(control, electron["id"]) == [username]
    row = store.shadow_customer(user_id, electron["slug"])
    assert row["username"] == username and row["confirmed_at"] is not None


def test_the_customer_is_stable_and_costs_nothing_later(particle, particle_factory, electron, user_id,
                                                        control):
    username = particle.ensure_customer(electron["slug"], user_id)
    control.clear_requests()
    assert particle.ensure_customer(electron["slug"], user_id) == username
    assert particle_factory().ensure_customer(electron["slug"], user_id) == username
    assert control.requests() == []


def test_usernames_are_ours_not_personal(particle, electron, photon, store):
    first, second = store.create_user(), store.create_user()
    names = {particle.ensure_customer(electron["slug"], first),
             particle.ensure_customer(photon["slug"], first),
             particle.ensure_customer(electron["slug"], second)}
    assert len(names) == 3  # one customer per (user, product)
    for name in names:
        assert name.startswith("bff-") and name.endswith(".invalid")  # never a deliverable address


def test_an_existing_customer_is_not_an_error(particle, sandbox, electron, user_id, store, control,
                                              online_device):
    username = "bff-already-there@customers.bff.invalid"
    created = requests.post(f"{sandbox.base_url}/v1/products/{electron['slug']}/customers",
                            auth=(electron["client_id"], electron["client_secret"]),
                            data={"email": username, "no_password": "true"}, timeout=5)
    assert created.status_code == 201
    store.reserve_shadow_customer(user_id, electron["slug"], username)  # e.g. a crash after creating
    control.clear_requests()
    assert particle.ensure_customer(electron["slug"], user_id) == username
    assert calls(control) == [("POST", f"/v1/products/{electron['slug']}/customers", 400),
                              ("POST", "/oauth/token", 200)]
    assert store.shadow_customer(user_id, electron["slug"])["confirmed_at"] is not None
    control.clear_requests()
    particle.claim_device(electron["slug"], username, online_device)  # the minted token is cached
    assert calls(control) == [("POST", "/v1/devices", 200)]


def test_a_username_reserved_before_a_crash_is_the_one_created(particle, electron, user_id, store, control):
    store.reserve_shadow_customer(user_id, electron["slug"], "bff-reserved@customers.bff.invalid")
    assert particle.ensure_customer(electron["slug"], user_id) == "bff-reserved@customers.bff.invalid"
    assert sandbox_customers(control, electron["id"]) == ["bff-reserved@customers.bff.invalid"]


def test_a_customer_the_cloud_lost_is_created_again(particle, sandbox, electron, customer, online_device,
                                                    control):
    product_token = particle.product_token(electron["slug"])
    deleted = requests.delete(f"{sandbox.base_url}/v1/products/{electron['slug']}/customers/{customer}",
                              headers={"Authorization": f"Bearer {product_token}"}, timeout=5)
    assert deleted.ok  # this also revokes the customer's tokens
    control.clear_requests()
    assert particle.claim_device(electron["slug"], customer, online_device)["ok"] is True
    assert calls(control) == [
        ("POST", "/v1/devices", 401),  # the cached token was revoked
        ("POST", "/oauth/token", 400),  # "Customer not found"
        ("POST", f"/v1/products/{electron['slug']}/customers", 201),  # made again, with a token
        ("POST", "/v1/devices", 200),
    ]
    assert sandbox_customers(control, electron["id"]) == [customer]


def test_parallel_first_needs_make_one_customer(particle_factory, electron, user_id, control):
    clients = [particle_factory() for _ in range(4)]  # like four request threads or processes
    names = []
    threads = [threading.Thread(target=lambda c=c: names.append(c.ensure_customer(electron["slug"], user_id)))
               for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(names)) == 1 and len(names) == 4
    assert sandbox_customers(control, electron["id"]) == names[:1]


def test_an_unknown_product_is_a_configuration_error(particle, user_id, control):
    with pytest.raises(ProductNotConfigured):
        particle.ensure_customer("no-such-product", user_id)
    assert control.requests() == []
