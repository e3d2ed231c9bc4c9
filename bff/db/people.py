"""SQL for the device doctor and people pages, and for ownership changes (mixed into `Store`)."""
from __future__ import annotations


class PeopleQueries:
    """Queries of the device doctor, the people page and bff/ownership."""
