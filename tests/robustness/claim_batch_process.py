"""A bff process that claims a batch of devices for several people, one after another, for the kill -9
test: `python -m tests.robustness.claim_batch_process CONFIG_JSON` with {database, api_url, products:
[{key, client_id, client_secret}], label_key, claims: [[user_id, device_id], ...]}. Prints "claimed N"
after each claim it made."""
from __future__ import annotations

import json
import sys

from bff.claims.service import ClaimsService
from bff.config import ProductCredentials
from bff.db.store import Store
from bff.particle.client import ParticleCloud
from bff.twilio.sender import SmsSender


def main(config: dict) -> None:
    store = Store(config["database"])
    particle = ParticleCloud(config["api_url"], [ProductCredentials(**p) for p in config["products"]], store,
                             timeout=(2.0, 30.0))
    claims = ClaimsService(store, particle, SmsSender(store), label_key=config["label_key"])
    for n, (user_id, device_id) in enumerate(config["claims"], start=1):
        claims.request_claim(user_id, device_id, channel="api", operator=True)
        print(f"claimed {n}", flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
