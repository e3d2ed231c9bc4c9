"""Helpers of the lifecycle tests: the cloud's owner, bff's owner, texts and events."""
from __future__ import annotations

import json

PUBLIC_URL = "https://devices.example.com"
THIRD_PHONE = "+12015550166"


def cloud_owner(control, device_id):
    return control.device(device_id)["owner"]


def bff_owner(store, device_id):
    return store.device(device_id)["owner"]


def username_of(store, person, device_id):
    customer = store.shadow_customer(person.id, store.device(device_id)["product_key"])
    return customer and customer["username"]


def texts_to(store, phone):
    """The texts sent to `phone`, oldest first."""
    return [row["body"] for row in reversed(store.outbound_messages(to_phone=phone))]


def events_of(store, event_type):
    """The data of each webhook event of a type, oldest first."""
    return [json.loads(row["payload"])["data"] for row in reversed(store.webhook_events(event_type=event_type))]
