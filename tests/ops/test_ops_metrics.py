"""`GET /metrics`: off without BFF_METRICS_TOKEN, the bearer token required, the Prometheus text format
parsed back with prometheus-client, and figures that follow what bff stored."""
from __future__ import annotations

import math

import pytest
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-test-token"


def samples(response) -> dict[tuple, float]:
    """{(metric name, ((label, value), ...)): value}."""
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client):
    return client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})


def test_metrics_are_off_without_a_token(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.app_settings(METRICS_TOKEN=TOKEN)
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x"])
def test_metrics_need_the_bearer_token(client, header):
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "bff_" not in response.get_data(as_text=True)


@pytest.mark.app_settings(METRICS_TOKEN=TOKEN)
def test_the_figures_follow_the_database(client, services, person, online_device, offline_device, tag):
    services.claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    services.claims.request_claim(person.id, offline_device, channel="sms", tag=tag(offline_device))
    services.sms.send("+12015550100", "hello", purpose="test")
    response = scrape(client)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    found = samples(response)
    assert found[("bff_claims", (("channel", "web"), ("state", "claimed")))] == 1
    assert found[("bff_claims", (("channel", "sms"), ("state", "waiting_for_device")))] == 1
    assert found[("bff_cloud_calls_last_hour", (("status", "2xx"),))] >= 2
    assert found[("bff_sms", (("direction", "out"), ("status", "kept")))] >= 1
    assert found[("bff_queue_length", (("queue", "claims_open"),))] == 1
    assert math.isnan(found[("bff_worker_heartbeat_age_seconds", ())])


@pytest.mark.app_settings(METRICS_TOKEN=TOKEN)
def test_the_worker_heartbeat_age(client, services):
    services.store.record_heartbeat("worker")
    age = samples(scrape(client))[("bff_worker_heartbeat_age_seconds", ())]
    assert 0 <= age < 60
