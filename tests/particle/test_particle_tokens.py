"""Product and customer tokens: minted on demand, cached in SQLite, renewed before expiry,
re-minted once after a 401. Requests are counted in the sandbox's request log."""
from __future__ import annotations

import pytest
import requests

from bff.config import ProductCredentials
from bff.errors import Unauthorized
from bff.particle.client import TOKEN_MARGIN_SECONDS

from tests.support.clock import FakeClock

NINETY_DAYS = 7776000


def calls(control) -> list[tuple[str, str, int]]:
    return [(e["method"], e["path"], e["status"]) for e in control.requests()]


def token_requests(control) -> list[dict]:
    return control.requests(path="/oauth/token")


def test_product_token_is_minted_once_and_cached(particle, electron, control):
    particle.product_info(electron["slug"])
    particle.list_product_devices(electron["slug"])
    particle.list_product_devices(electron["slug"])
    assert len(token_requests(control)) == 1
    (mint,) = token_requests(control)
    assert mint["credential"] == {"kind": "client", "client_id": electron["client_id"]}
    assert "scope" not in mint["params"]


def test_cached_tokens_survive_a_restart(particle, particle_factory, electron, customer, online_device,
                                         control):
    particle.product_token(electron["slug"])
    control.clear_requests()
    restarted = particle_factory()
    restarted.list_product_devices(electron["slug"])
    restarted.claim_device(electron["slug"], customer, online_device)
    assert token_requests(control) == []


def test_a_new_customer_comes_with_its_token(particle, electron, user_id, online_device, control):
    username = particle.ensure_customer(electron["slug"], user_id)
    particle.claim_device(electron["slug"], username, online_device)
    assert token_requests(control) == []
    assert [c[:2] for c in calls(control)] == [
        ("POST", f"/v1/products/{electron['slug']}/customers"), ("POST", "/v1/devices")]


def test_customer_token_is_minted_with_the_customer_scope(particle, electron, customer, store, control):
    store.forget_customer_token(electron["slug"], customer)
    control.clear_requests()
    particle.customer_devices(electron["slug"], customer)
    particle.customer_devices(electron["slug"], customer)
    (mint,) = token_requests(control)
    assert mint["params"]["scope"] == f"customer={customer}"
    assert mint["params"]["grant_type"] == "client_credentials"
    assert mint["credential"]["client_id"] == electron["client_id"]  # HTTP Basic client auth
    assert len(control.requests(path="/v1/devices")) == 2


def test_tokens_are_reused_until_shortly_before_they_expire(particle_factory, store, electron,
                                                            customer, control):
    clock = FakeClock(1_000_000.0)
    cloud = particle_factory(clock=clock)
    store.forget_customer_token(electron["slug"], customer)
    first = cloud.customer_token(electron["slug"], customer)  # expires at now + 90 days
    expires_at = clock.now + NINETY_DAYS
    clock.now = expires_at - TOKEN_MARGIN_SECONDS - 1
    assert cloud.customer_token(electron["slug"], customer) == first
    clock.now = expires_at - TOKEN_MARGIN_SECONDS + 1
    second = cloud.customer_token(electron["slug"], customer)
    assert second != first
    assert len(token_requests(control)) == 2


def test_a_401_on_a_cached_customer_token_remints_once_and_retries_once(particle, electron, customer,
                                                                        online_device, control):
    control.advance_clock(NINETY_DAYS + 60)  # the sandbox expires every token; bff's cache does not know
    control.clear_requests()
    result = particle.claim_device(electron["slug"], customer, online_device)
    assert result["ok"] is True
    assert calls(control) == [("POST", "/v1/devices", 401), ("POST", "/oauth/token", 200),
                              ("POST", "/v1/devices", 200)]
    control.clear_requests()
    particle.claim_device(electron["slug"], customer, online_device)  # the new token is cached
    assert calls(control) == [("POST", "/v1/devices", 200)]


def test_a_401_on_a_cached_product_token_remints_once_and_retries_once(particle, electron, control):
    particle.product_info(electron["slug"])
    control.advance_clock(NINETY_DAYS + 60)
    control.clear_requests()
    devices = particle.list_product_devices(electron["slug"])
    assert devices
    path = f"/v1/products/{electron['slug']}/devices"
    assert calls(control) == [("GET", path, 401), ("POST", "/oauth/token", 200), ("GET", path, 200)]


def test_a_second_401_is_not_retried_again(particle, electron, customer, online_device, control):
    control.add_fault(path="/v1/devices", method="POST", status=401)
    control.clear_requests()
    with pytest.raises(Unauthorized):
        particle.claim_device(electron["slug"], customer, online_device)
    assert calls(control) == [("POST", "/v1/devices", 401), ("POST", "/oauth/token", 200),
                              ("POST", "/v1/devices", 401)]


def test_a_401_on_a_token_just_minted_is_not_retried(particle, electron, customer, online_device,
                                                     store, control):
    store.forget_customer_token(electron["slug"], customer)
    control.add_fault(path="/v1/devices", method="POST", status=401)
    control.clear_requests()
    with pytest.raises(Unauthorized):
        particle.claim_device(electron["slug"], customer, online_device)
    assert calls(control) == [("POST", "/oauth/token", 200), ("POST", "/v1/devices", 401)]


def test_setup_token_is_short_lived_and_never_cached(particle, electron, customer, store, sandbox, control):
    cached = particle.customer_token(electron["slug"], customer)
    token = particle.setup_token(electron["slug"], customer, seconds=600)
    assert token.access_token != cached
    assert token.access_token not in repr(token)
    assert token.expires_at == pytest.approx(particle.clock() + 600, abs=30)
    assert particle.customer_token(electron["slug"], customer) == cached
    assert token_requests(control)[-1]["params"]["expires_in"] == "600"
    info = requests.get(f"{sandbox.base_url}/v1/access_tokens/current", timeout=5,
                        headers={"Authorization": f"Bearer {token.access_token}"}).json()
    assert info["scopes"] == [f"customer={customer}"]
    with pytest.raises(ValueError):
        particle.setup_token(electron["slug"], customer, seconds=0)


def test_wrong_client_credentials_are_unauthorized(particle_factory, electron, store, control):
    wrong = ProductCredentials(key=electron["slug"], client_id=electron["client_id"], client_secret="nope")
    cloud = particle_factory([wrong])
    with pytest.raises(Unauthorized) as caught:
        cloud.product_info(electron["slug"])
    assert caught.value.status == 400
    assert "invalid_client" in caught.value.cloud_message
    assert store.product_token(electron["slug"], valid_at=0) is None
    assert calls(control) == [("POST", "/oauth/token", 400)]


def test_tokens_travel_only_in_the_authorization_header(particle, electron, customer, online_device, control):
    particle.claim_device(electron["slug"], customer, online_device)
    particle.list_product_devices(electron["slug"])
    particle.create_claim_code(electron["slug"], customer)
    for entry in control.requests():
        assert "access_token" not in entry["query"]
        assert "access_token" not in entry["params"]
