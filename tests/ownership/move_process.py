"""A bff process that accepts one offer (the move runs in it), for the kill -9 test.

`python -m tests.ownership.move_process CONFIG_JSON`: {database, api_url, products: [{key,
client_id, client_secret}], user_id, offer_id}. Prints "accepted" when the move is done.
"""
from __future__ import annotations

import json
import sys

from bff.accounts.service import AccountService
from bff.audit import AuditLog
from bff.claims.service import ClaimsService
from bff.config import ProductCredentials
from bff.db.store import Store
from bff.ownership.lifecycle import LifecycleService
from bff.particle.client import ParticleCloud
from bff.twilio.sender import SmsSender
from bff.webhooks import WebhookOutbox


def main(config: dict) -> None:
    store = Store(config["database"])
    particle = ParticleCloud(config["api_url"], [ProductCredentials(**p) for p in config["products"]], store,
                             timeout=(2.0, 60.0))
    sms = SmsSender(store)
    audit, events = AuditLog(store), WebhookOutbox(store, [])
    claims = ClaimsService(store, particle, sms, label_key="test-label-key", audit=audit)
    lifecycle = LifecycleService(store, particle, claims, claims.devices, AccountService(store, sms, secret="x"),
                                 sms, events, audit, public_url="https://devices.example.com")
    lifecycle.accept(config["user_id"], config["offer_id"])
    print("accepted", flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
