"""SQL for field mode (`/ops/field`): an operator's recent field claims (mixed into `Store`)."""
from __future__ import annotations

FIELD_CHANNEL = "field"


class FieldQueries:
    """Queries of bff/ops/field.py."""

    def field_claims_by(self, actor_user_id: int, *, limit: int = 30) -> list[dict]:
        """The claims an operator made in field mode, newest first: each claim's row with the
        person's `phone` and the device's `name` and `label_code` (None when unknown)."""
        return list(self.query(
            "SELECT claims.*, users.phone AS phone, devices.name AS device_name, "
            "devices.label_code AS label_code FROM claims "
            "JOIN users ON users.id = claims.user_id "
            "LEFT JOIN devices ON devices.device_id = claims.device_id "
            "WHERE claims.actor_user_id = ? AND claims.channel = ? ORDER BY claims.id DESC LIMIT ?",
            [actor_user_id, FIELD_CHANNEL, limit],
        ))
