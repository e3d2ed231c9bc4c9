"""`POST /api/v1/claims` answers within `API_REPLY_DEADLINE` even when the cloud hangs (issue 12,
item 7): 202 with the claim still `requested` and its status URL; the attempt goes on and finishes
the claim, once (the claim's lease), as SMS does (tests/sms/test_sms_slow_cloud.py).
"""
from __future__ import annotations

import pytest

from bff import labels

from tests.support import LABEL_KEY, PHONE
from tests.support.api_client import api_with_deadline, timed_claim
from tests.support.polling import wait_for

HANG = 3.0  # seconds the cloud takes to answer the claim
DEADLINE = 0.3
CLAIM_CALL = {"path": "/v1/devices", "method": "POST"}


@pytest.fixture
def slow_api(app_factory, checker):
    with api_with_deadline(app_factory, checker, DEADLINE, PHONE) as client:
        yield client


def test_the_default_deadline_is_two_seconds(app):
    assert app.config["API_REPLY_DEADLINE"] == 2.0


def test_a_hanging_cloud_gets_a_202_at_the_deadline_and_the_claim_finishes(slow_api, control, online_device):
    control.add_fault(path="/v1/devices*", method="POST", latency=HANG, times=1)
    response, seconds = timed_claim(slow_api, online_device)

    assert response.status_code == 202 and seconds < HANG - 1
    claim = response.get_json()
    assert claim["state"] == "requested" and not claim["done"]
    assert claim["status_url"] == f"/api/v1/claims/{claim['id']}" == response.headers["Location"]
    assert slow_api.services.claims.retry_due() == 0  # the lease: the worker does not try it twice

    finished = wait_for(lambda: (lambda c: c if c["done"] else None)(slow_api.get(claim["status_url"]).get_json()),
                        timeout=HANG + 10)
    assert finished["state"] == "claimed" and finished["id"] == claim["id"]
    assert control.device(online_device)["owner"]
    assert len(control.requests(**CLAIM_CALL)) == 1


def test_a_repeat_while_the_cloud_hangs_is_the_same_claim_and_no_second_call(slow_api, control, online_device):
    control.add_fault(path="/v1/devices*", method="POST", latency=HANG, times=1)
    first, _ = timed_claim(slow_api, online_device)
    again, seconds = timed_claim(slow_api, online_device)

    assert again.status_code == 202 and seconds < DEADLINE + 0.5  # not waited for again
    assert again.get_json()["id"] == first.get_json()["id"]
    wait_for(lambda: slow_api.get(first.get_json()["status_url"]).get_json()["done"] or None, timeout=HANG + 10)
    after, _ = timed_claim(slow_api, online_device)
    assert after.status_code == 200 and after.get_json()["state"] == "claimed"
    assert len(control.requests(**CLAIM_CALL)) == 1


def test_a_claim_the_process_left_requested_is_finished_by_the_worker_retry(slow_api, control, online_device):
    """The process died after storing the claim (no attempt ran): the worker's retry claims it."""
    services = slow_api.services
    user = services.accounts.user_for_phone(PHONE)
    stored = services.claims.request_claim(user.id, online_device, channel="api",
                                           tag=labels.qr_tag(LABEL_KEY, online_device), attempt=False)
    assert stored.state == "requested" and stored.attempts == 0
    assert slow_api.get(f"/api/v1/claims/{stored.id}").status_code == 200

    assert services.claims.retry_due() == 1
    assert services.claims.claim(stored.id).state == "claimed"
    assert len(control.requests(**CLAIM_CALL)) == 1


def test_a_cloud_within_the_deadline_answers_200_with_the_result(api_client, online_device):
    response, _ = timed_claim(api_client, online_device)
    assert response.status_code == 200 and response.get_json()["state"] == "claimed"
    assert "Location" not in response.headers
