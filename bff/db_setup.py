"""SQL for Wi-Fi setup: bff API tokens and the claim codes handed out (mixed into `bff.db.Store`)."""
from __future__ import annotations


class SetupQueries:
    """Queries of the setup service and the JSON API."""
