"""Migration 12: the ownership mode each product's data is in (README "Ownership modes")."""
from __future__ import annotations

import sqlite_utils


def v12_ownership_modes(db: sqlite_utils.Database) -> None:
    """Each product's ownership mode as its data now stands: `customers` (its owners are cloud
    customers too) or `product` (bff's database alone records them). A product without a row has
    only known customers mode, the one mode before this migration. `flask bff set-mode` changes a
    row; bff compares it with the configured mode at start (bff/ownership/modes.py)."""
    db["ownership_modes"].create(
        {"product_key": str, "mode": str, "recorded_at": float},
        pk="product_key", not_null={"mode", "recorded_at"},
    )
