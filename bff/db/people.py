"""SQL for the device doctor and people pages, and for ownership changes (mixed into `Store`)."""
from __future__ import annotations

_CLAIMS_WITH_ACTOR = (
    "SELECT claims.*, actor.login AS actor_login, person.phone AS person_phone FROM claims "
    "LEFT JOIN users AS actor ON actor.id = claims.actor_user_id "
    "LEFT JOIN users AS person ON person.id = claims.user_id "
)


class PeopleQueries:
    """Queries of the device doctor, the people page and bff/ownership."""

    def claims_of_device(self, device_id: str, *, limit: int = 20) -> list[dict]:
        """The device's claims, newest first, each with the operator's login (`actor_login`) and
        the person's phone (`person_phone`)."""
        return list(self.query(
            _CLAIMS_WITH_ACTOR + "WHERE claims.device_id = ? ORDER BY claims.id DESC LIMIT ?",
            [device_id.lower(), limit]))

    def claim_history_of_user(self, user_id: int, *, limit: int = 50) -> list[dict]:
        """The person's claims, newest first, with `actor_login` and `person_phone`."""
        return list(self.query(
            _CLAIMS_WITH_ACTOR + "WHERE claims.user_id = ? ORDER BY claims.id DESC LIMIT ?",
            [user_id, limit]))

    def clear_device_owner(self, device_id: str, *, now: float | None = None) -> None:
        """The device has no owner (released); its label code and the rest stay."""
        self.upsert_device(device_id, owner=None, now=now)
