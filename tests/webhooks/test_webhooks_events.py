"""The events bff emits where a change already happens: `device.claimed` and `claim.failed` with the
claim's final state (one transaction), `setup.arrived` with a Wi-Fi code's arrival; delivered by the
worker's tick to the receiver, signed; never a phone number. And: endpoints without a secret refuse
to start."""
from __future__ import annotations

import json

import pytest

from bff import create_app
from bff.config import ConfigError
from bff.worker import Worker

from tests.support import OTHER_PHONE, PHONE
from tests.support.pages import claim
from tests.support.polling import wait_until
from tests.wifi_setup.conftest import listen, new_photon, wifi  # noqa: F401 (fixtures of the Wi-Fi setup tests)


def events_of(store, event_type=None) -> list[dict]:
    """Stored events, oldest first, as their JSON bodies."""
    return [json.loads(row["payload"]) for row in reversed(store.webhook_events(event_type=event_type))]


def test_a_claim_through_the_app_sends_device_claimed_by_the_workers_tick(
        app, services, member, person, online_device, receiver, electron):
    assert claim(member, online_device).status_code in (200, 303)
    done = services.claims.open_claim(person.id, online_device)
    assert done.state == "claimed"

    Worker(services).tick()  # not started: only what one tick does

    assert wait_until(lambda: len(receiver.event_list()) == 1)
    event = receiver.event_list()[0]
    assert event["type"] == "device.claimed" and event["id"].startswith("evt_")
    assert event["data"] == {"claim_id": done.id, "device_id": online_device, "product": electron["slug"],
                             "person": person.id, "channel": "web"}
    assert all(r["verified"] for r in receiver.received())
    assert PHONE not in receiver.received()[0]["body"].decode()
    assert services.store.webhook_deliveries()[0]["state"] == "delivered"


def test_a_repeated_claim_of_ones_own_device_sends_nothing_more(claims, person, online_device, tag, store):
    first = claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    again = claims.request_claim(person.id, online_device, channel="sms", tag=tag(online_device))
    assert first.id == again.id and first.state == "claimed"
    assert [e["type"] for e in events_of(store)] == ["device.claimed"]
    assert store.webhook_deliveries()[0]["url"] == "http://127.0.0.1:9/bff-events"  # the `events` fixture's


def test_a_refused_claim_sends_claim_failed_with_the_kind_of_failure(
        claims, person, other_person, online_device, tag, store):
    claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    refused = claims.request_claim(other_person.id, online_device, channel="sms", tag=tag(online_device))
    assert refused.state == "refused"

    failed = events_of(store, "claim.failed")
    assert [e["data"] for e in failed] == [{
        "claim_id": refused.id, "device_id": online_device, "product": refused.product_key,
        "person": other_person.id, "channel": "sms", "state": "refused", "reason": "device_owned_by_other"}]
    everything = json.dumps(events_of(store))
    assert PHONE not in everything and OTHER_PHONE not in everything


def test_a_waiting_claim_sends_nothing_until_it_ends(claims, person, offline_device, tag, store, control):
    waiting = claims.request_claim(person.id, offline_device, channel="web", tag=tag(offline_device))
    assert waiting.state == "waiting_for_device"
    assert events_of(store) == []

    control.power(offline_device, True)
    claims.device_online("any", offline_device)

    assert claims.claim(waiting.id).state == "claimed"
    assert [(e["type"], e["data"]["claim_id"]) for e in events_of(store)] == [("device.claimed", waiting.id)]


def test_the_event_and_the_final_state_are_written_together(claims, person, online_device, tag, store, events,
                                                           monkeypatch):
    def broken(event_type, data):
        raise RuntimeError("disk full")
    monkeypatch.setattr(events, "emit", broken)
    with pytest.raises(RuntimeError):
        claims.request_claim(person.id, online_device, channel="web", tag=tag(online_device))
    row = store.open_claim_of_device(online_device)
    assert row is not None and row["state"] == "requested"  # no "claimed" without its event
    assert events_of(store) == []


def test_a_wifi_device_arriving_sends_setup_arrived(services, api_client, new_photon, listen, wifi, control,
                                                    receiver, photon):
    code = api_client.post("/api/v1/claim-codes", {}).get_json()
    device_id = new_photon()
    listen(device_id).run(code["claim_code"], wifi["ssid"], wifi["password"])
    assert wait_until(lambda: control.device(device_id)["owner"])
    person = services.accounts.user_for_phone(PHONE, create=False)
    services.setup.device_online("sandbox-photon", device_id)  # what the worker's event stream calls
    services.setup.device_online("sandbox-photon", device_id)  # seen twice: it arrived once
    assert api_client.get(code["status_url"]).get_json()["state"] == "arrived"

    Worker(services).tick()

    assert wait_until(lambda: len(receiver.event_list()) == 1)
    event = receiver.event_list()[0]
    assert event["type"] == "setup.arrived"
    assert event["data"] == {"setup_id": code["id"], "device_id": device_id, "product": "sandbox-photon",
                             "person": person.id, "channel": "api"}
    assert code["claim_code"] not in receiver.received()[0]["body"].decode()
    assert [e["type"] for e in events_of(services.store)] == ["setup.arrived"]


def test_endpoints_without_a_secret_refuse_to_start(tmp_path):
    with pytest.raises(ConfigError, match="BFF_WEBHOOK_SECRET"):
        create_app({"WEBHOOK_URLS": "https://crm.example.com/bff", "DATABASE": str(tmp_path / "x.sqlite3")},
                   instance_path=str(tmp_path / "instance"))
    create_app({"WEBHOOK_SECRET": "only-a-secret", "DATABASE": str(tmp_path / "y.sqlite3")},
               instance_path=str(tmp_path / "instance"))  # a secret alone is fine (nothing to send)
