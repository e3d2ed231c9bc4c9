"""SQL for import batches and their lines (mixed into `Store`)."""
from __future__ import annotations


class ImportQueries:
    """Queries of bff/imports."""
