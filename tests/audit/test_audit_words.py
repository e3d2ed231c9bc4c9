"""Every action bff writes to the audit log has plain words on the audit page."""
from __future__ import annotations

import re
from pathlib import Path

from bff.audit.log import ACTION_WORDS, AuditEntry
from bff.webhooks import EVENT_TYPES

BFF = Path(__file__).resolve().parents[2] / "bff"
ACTION = re.compile(r'"((?:claim|device|label|labels|import|operator|person|webhook|offer|share|ask)\.[a-z_]+)"')


def test_every_audited_action_has_words():
    found = {match for path in BFF.rglob("*.py") for match in ACTION.findall(path.read_text())}
    used = found - set(EVENT_TYPES)  # the webhook event names share the shape; they are not audit actions
    assert {"claim.for", "claim.cancel", "device.release", "operator.create"} <= used
    assert sorted(used - set(ACTION_WORDS)) == []


def test_an_unknown_action_shows_its_code():
    entry = AuditEntry(1, 0.0, None, None, None, "something.new", None, None, "ok", None)
    assert entry.action_words == "something.new"
    assert AuditEntry(1, 0.0, None, None, None, "claim.cancel", None, None, "ok", None).action_words == "cancelled a claim"
