"""The Particle cloud adapter: the only code that sends HTTP to a Particle cloud (real or sandbox).

- `client.py`: `ParticleCloud`, every cloud call bff makes (customers, tokens, claims, devices).
- `customers.py`: shadow-customer usernames, derived from a person's phone (recomputable).
- `owners.py`: the owner name in bff of a person's devices, and (customers mode) its cloud customer.
- `tokens.py`: product and customer tokens (product mode: the API user's token, never minted).
- `api_users.py`: product mode's API user: the scopes bff needs, its refusals named.
- `paths.py`: the paths of the product routes.
- `http.py`: the one HTTP session: time-outs, retries of 401s, the cloud-call log.
- `replies.py`: every error shape the cloud answers with, as bff's typed errors.
- `events.py`: the server-sent event stream consumer (`spark/status` online/offline).
- `sandbox_link.py`: sandbox mode: finds or starts the sandbox cloud (the only way into bff.sandbox).
"""
from bff.particle.client import CLAIM_CODE_LIFETIME_SECONDS, ParticleCloud
from bff.particle.replies import Token

__all__ = ["CLAIM_CODE_LIFETIME_SECONDS", "ParticleCloud", "Token"]
