"""SQL for the operators' console pages: home figures, search, the claims list (mixed into `Store`)."""
from __future__ import annotations


class ConsoleQueries:
    """Queries of bff/ops home, search and claims list."""
