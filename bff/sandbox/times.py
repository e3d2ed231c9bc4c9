"""Times as the Particle cloud writes them: ISO 8601 UTC with milliseconds and a `Z`
(e.g. `2015-07-18T00:12:18.174Z`, the `published_at` of the event-stream example in
https://docs.particle.io/reference/cloud-apis/api/)."""
from __future__ import annotations

from datetime import datetime, timezone


def iso(timestamp: float | None) -> str | None:
    """ISO 8601 UTC with milliseconds and Z, as Particle writes times (None stays None)."""
    if timestamp is None:
        return None
    moment = datetime.fromtimestamp(timestamp, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    """Seconds since the epoch from an ISO 8601 string (raises ValueError)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
