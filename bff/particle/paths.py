"""The paths of Particle's product routes (`/v1/products/:productIdOrSlug/...`, docs/particle.md#requests)."""
from __future__ import annotations

from urllib.parse import quote

DEVICES_PER_PAGE = 100  # page size of product lists (Particle's default is 25)


def product_path(product_key: str, *parts: str) -> str:
    """`/v1/products/<key>/<parts...>`, each part quoted."""
    return "/".join(["/v1/products", quote(str(product_key), safe=""), *(quote(p, safe="") for p in parts)])
