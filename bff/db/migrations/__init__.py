"""bff's schema as numbered migrations, applied in order by `Store.migrate()` (bff/db/store.py).

Never edit a migration that has shipped: add the next number (in the module of its era, or a new
one). Each function gets a sqlite-utils Database inside an open transaction.

- `first_claims.py`: 1-6, the claim flows (users, devices, claims, SMS, Wi-Fi setup).
- `console.py`: 7-8, the operators' console (roles, audit, import batches, call-log indexes).
- `lifecycle.py`: 9, after the first claim (moves, offers, shares, number changes, webhooks); 13, the
  SMS that answered an offer.
- `hardening.py`: 10, browser sessions kept on the server; 11, secrets sealed at rest.
- `modes.py`: 12, each product's ownership mode as its data stands.
"""
from __future__ import annotations

from bff.db.migrations.console import v7_operators_console, v8_console_search
from bff.db.migrations.first_claims import (
    v1_core, v2_accounts_claims_messages, v3_inbound_sms, v4_setup, v5_inbound_sms_work,
    v6_setup_watch,
)
from bff.db.migrations.hardening import v10_web_sessions, v11_sealed_secrets
from bff.db.migrations.lifecycle import v9_lifecycle, v13_offer_answer_messages
from bff.db.migrations.modes import v12_ownership_modes

MIGRATIONS = [
    (1, "core", v1_core),
    (2, "accounts, claims and messages", v2_accounts_claims_messages),
    (3, "inbound SMS", v3_inbound_sms),
    (4, "Wi-Fi setup: API tokens and claim codes", v4_setup),
    (5, "inbound SMS work: lease, result, attempts", v5_inbound_sms_work),
    (6, "Wi-Fi setup: watching claim codes", v6_setup_watch),
    (7, "operators' console: roles, audit, import batches, call log", v7_operators_console),
    (8, "operators' console: search by serial number, ok calls, an operator's claims", v8_console_search),
    (9, "after the first claim: moves, offers, shares, number changes, webhooks", v9_lifecycle),
    (10, "sessions that can be ended on the server", v10_web_sessions),
    (11, "secrets sealed at rest: claim codes for their page, plain tokens and codes gone", v11_sealed_secrets),
    (12, "each product's ownership mode", v12_ownership_modes),
    (13, "the SMS that answered an offer", v13_offer_answer_messages),
]
