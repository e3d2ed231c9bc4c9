"""Every error family from a real (sandbox) reply, and the cloud-call log."""
from __future__ import annotations

import socket

import pytest

from bff.config import ProductCredentials
from bff.errors import CloudUnavailable, DeviceOffline, Forbidden, NotFound, RateLimited


def calls(control) -> list[tuple[str, str, int | None]]:
    return [(e["method"], e["path"], e["status"]) for e in control.requests()]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_mean_the_cloud_is_unavailable(particle, electron, customer, online_device,
                                                     control, status):
    control.add_fault(path="/v1/devices", method="POST", status=status)
    with pytest.raises(CloudUnavailable) as caught:
        particle.claim_device(electron["slug"], customer, online_device)
    assert caught.value.status == status and caught.value.retryable
    assert caught.value.raw  # the cloud's reply, kept for operators
    assert len(control.requests(path="/v1/devices")) == 1  # never retried inline


def test_rate_limits_carry_the_wait_and_are_not_retried(particle, electron, customer, online_device, control):
    control.add_fault(path="/v1/devices", method="POST", status=429, retry_after=7)
    with pytest.raises(RateLimited) as caught:
        particle.claim_device(electron["slug"], customer, online_device)
    assert caught.value.retry_after == 7.0
    assert caught.value.retryable
    assert calls(control)[-1] == ("POST", "/v1/devices", 429)
    assert len(control.requests(path="/v1/devices")) == 1


def test_rate_limits_on_the_token_endpoint(particle, electron, control):
    control.add_fault(path="/oauth/token", status=429, retry_after=30)
    with pytest.raises(RateLimited) as caught:
        particle.product_info(electron["slug"])
    assert caught.value.retry_after == 30.0
    assert particle.store.product_token(electron["slug"], valid_at=0) is None


def test_a_token_endpoint_outage_is_unavailable(particle, electron, control):
    control.add_fault(path="/oauth/token", status=503)
    with pytest.raises(CloudUnavailable):
        particle.product_info(electron["slug"])
    control.clear_faults()
    assert particle.product_info(electron["slug"]).id == electron["id"]


@pytest.mark.parametrize("drop", ["before", "after"])
def test_dropped_connections_are_unavailable(particle, electron, customer, online_device, control, drop):
    control.add_fault(path="/v1/devices", method="POST", drop=drop, times=1)
    with pytest.raises(CloudUnavailable) as caught:
        particle.claim_device(electron["slug"], customer, online_device)
    assert "connection failed" in str(caught.value)
    # Trying again is safe: a claim the cloud made before the drop reads as "already yours".
    assert particle.claim_device(electron["slug"], customer, online_device)["ok"] is True


def test_a_slow_cloud_times_out(particle_factory, electron, control):
    particle = particle_factory(timeout=(2.0, 0.2))
    particle.product_token(electron["slug"])
    control.add_fault(path=f"/v1/products/{electron['slug']}/devices", latency=1.0, times=1)
    with pytest.raises(CloudUnavailable) as caught:
        particle.list_product_devices(electron["slug"])
    assert "timed out" in str(caught.value)
    (row, *_) = particle.store.cloud_calls()
    assert row["status"] is None and "timed out" in row["error"]


def test_nobody_listening_is_unavailable(particle_factory, products, electron):
    with socket.socket() as probe:  # a port with no server behind it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    particle = particle_factory(api_url=f"http://127.0.0.1:{port}")
    with pytest.raises(CloudUnavailable):
        particle.product_info(electron["slug"])
    assert particle.ping() is False


def test_ping(particle, control):
    assert particle.ping() is True
    control.add_fault(path="/", status=503)
    assert particle.ping() is False


def test_another_products_token_is_forbidden(particle_factory, electron, photon):
    # A misconfiguration: the Photon product's slug with the Electron product's OAuth client.
    crossed = ProductCredentials(key=photon["slug"], client_id=electron["client_id"],
                                 client_secret=electron["client_secret"])
    with pytest.raises(Forbidden) as caught:
        particle_factory([crossed]).product_info(photon["slug"])
    assert caught.value.status == 403 and "Permission Denied" in caught.value.cloud_message


def test_an_unknown_product_is_not_found(particle_factory, electron):
    unknown = ProductCredentials(key="no-such-product", client_id=electron["client_id"],
                                 client_secret=electron["client_secret"])
    with pytest.raises(NotFound) as caught:
        particle_factory([unknown]).product_info("no-such-product")
    assert "Product not found" in caught.value.cloud_message


def test_the_cloud_call_log_has_every_call_and_no_secret(particle, electron, photon, customer,
                                                         online_device, offline_device, store, control):
    particle.claim_device(electron["slug"], customer, online_device)
    with pytest.raises(DeviceOffline):
        particle.claim_device(electron["slug"], customer, offline_device)
    particle.create_claim_code(electron["slug"], customer)
    setup = particle.setup_token(electron["slug"], customer, 300)
    particle.product_token(electron["slug"])
    secrets = {setup.access_token, electron["client_secret"], photon["client_secret"], *cached_tokens(store)}
    control.advance_clock(7776000 + 60)  # expire every token: 401s and re-mints get logged too
    particle.list_product_devices(electron["slug"])
    particle.customer_devices(electron["slug"], customer)
    secrets |= cached_tokens(store)
    assert len(secrets) == 7

    rows = store.cloud_calls(limit=1000)
    assert len(rows) == len(control.requests())
    claims = [r for r in rows if r["path"] == "/v1/devices" and r["method"] == "POST"]
    assert {(r["status"], r["customer"], r["device_id"]) for r in claims} == {
        (200, customer, online_device), (400, customer, offline_device)}
    assert all(r["ms"] >= 0 and r["at"] > 0 for r in rows)
    assert any(r["status"] == 401 for r in rows)
    logged = repr(rows)
    assert all(secret not in logged for secret in secrets)


def cached_tokens(store) -> set[str]:
    return {row["access_token"] for table in ("customer_tokens", "product_tokens")
            for row in store.db.query(f"SELECT access_token FROM {table}")}
