"""Token cache of the Particle client: product tokens and customer tokens, minted on demand.

In product mode the product token is the API user's token from the configuration (never minted,
never cached, never an OAuth client), and customer tokens do not exist: asking for one raises
`NeedsCustomersMode` (bff makes no cloud customers there; README "Ownership modes").

A mixin of `ParticleCloud` (bff/particle/client.py). Tokens are cached in SQLite (so every
process of a deployment shares them) until `token_margin` seconds before they expire; one lock
per product or customer keeps two threads from minting the same token (docs/particle.md#tokens).

Tokens are sealed before they are stored and opened after they are read (`sealer`, bff/sealing.py:
`BFF_TOKEN_KEY`). A row no key opens (a retired key, or a plain token from before sealing) counts
as no token: a new one is minted and replaces it.
"""
from __future__ import annotations

import functools
import logging

from bff.errors import BadRequest, NeedsCustomersMode, NotFound
from bff.particle.replies import Token

logger = logging.getLogger(__name__)

TOKEN_MARGIN_SECONDS = 300  # a cached token is replaced this long before it expires
SETUP_TOKEN_SECONDS = 900  # default lifetime of a customer token handed to a setup app


class TokenCache:
    """Product and customer tokens (needs `store`, `sealer`, `clock`, `token_margin`, `http`,
    `credentials()`, `_lock()` and `_create_customer()` from the client)."""

    def product_token(self, product_key: str) -> str:
        """A product bearer token: the cached one, or a new one."""
        return self._product_token(product_key)[0]

    def customer_token(self, product_key: str, username: str) -> str:
        """A token for the customer `username`: the cached one, or a new one."""
        return self._customer_token(product_key, username)[0]

    def setup_token(self, product_key: str, username: str,
                    seconds: int = SETUP_TOKEN_SECONDS) -> Token:
        """A short-lived customer token to hand to a setup app; never cached."""
        if seconds <= 0:
            raise ValueError("a setup token must expire")
        self._customers_only(product_key, "setup tokens")
        return self._fetch_token(product_key, customer=username, expires_in=seconds)

    def _product_token(self, product_key: str) -> tuple[str, bool]:
        """(token, minted just now). Product mode: the API user's token, as if minted just now (a
        401 on it is final: minting again cannot help)."""
        creds = self.credentials(product_key)
        if not creds.owners_in_cloud:
            return creds.api_token, True
        cached = self._cached_product_token(product_key)
        if cached:
            return cached, False
        with self._lock(("product", product_key)):
            cached = self._cached_product_token(product_key)
            if cached:
                return cached, False
            return self._mint_product_token(product_key), True

    def _mint_product_token(self, product_key: str) -> str:
        token = self._fetch_token(product_key)
        sealed = self.sealer.seal(token.access_token)
        self.store.save_product_token(product_key, sealed, token.expires_at, now=self.clock())
        return token.access_token

    def _customer_token(self, product_key: str, username: str) -> tuple[str, bool]:
        """(token, minted just now)."""
        self._customers_only(product_key, "customer tokens")
        cached = self._cached_customer_token(product_key, username)
        if cached:
            return cached, False
        with self._lock(("customer", product_key, username)):
            cached = self._cached_customer_token(product_key, username)
            if cached:
                return cached, False
            return self._mint_customer_token(product_key, username), True

    def _mint_customer_token(self, product_key: str, username: str, *, recreate: bool = True) -> str:
        try:
            token = self._fetch_token(product_key, customer=username)
        except (BadRequest, NotFound):
            # The cloud no longer knows one of our customers (deleted in the console, a sandbox
            # that lost its state): make it again; the reply carries a token.
            ours = self.store.shadow_customer_by_username(username)
            if not recreate or ours is None or ours["product_key"] != product_key:
                raise
            logger.warning("customer %s unknown to the cloud; creating it again", username)
            self._create_customer(product_key, username)
            cached = self._cached_customer_token(product_key, username)
            return cached or self._mint_customer_token(product_key, username, recreate=False)
        self._save_customer_token(product_key, username, token)
        return token.access_token

    # -- the cache, sealed ---------------------------------------------------------------------------

    def _cached_product_token(self, product_key: str) -> str | None:
        return opened(self.sealer, self.store.product_token(product_key, valid_at=self._fresh_until()))

    def _cached_customer_token(self, product_key: str, username: str) -> str | None:
        return opened(self.sealer, self.store.customer_token(product_key, username, valid_at=self._fresh_until()))

    def _save_customer_token(self, product_key: str, username: str, token: Token) -> None:
        self.store.save_customer_token(product_key, username, self.sealer.seal(token.access_token),
                                       token.expires_at, now=self.clock())

    def _forget_product_token(self, product_key: str, token: str) -> None:
        """Drop the cached product token if it is still `token` (a refused one)."""
        kept = self.store.product_token(product_key, valid_at=float("-inf"))
        if kept is not None and self.sealer.open(kept) in (token, None):
            self.store.forget_product_token(product_key, kept)

    def _forget_customer_token(self, product_key: str, username: str, token: str) -> None:
        """Drop the cached customer token if it is still `token` (a refused one)."""
        kept = self.store.customer_token(product_key, username, valid_at=float("-inf"))
        if kept is not None and self.sealer.open(kept) in (token, None):
            self.store.forget_customer_token(product_key, username, kept)

    def _fresh_until(self) -> float:
        """A cached token must still be valid at this time to be used."""
        return self.clock() + self.token_margin

    def _customers_only(self, product_key: str, what: str) -> None:
        """NeedsCustomersMode for a product in product mode (no cloud customers, no OAuth client)."""
        if not self.credentials(product_key).owners_in_cloud:
            raise NeedsCustomersMode(f"{product_key} is in product mode: no {what} (they need customers mode)")

    def _fetch_token(self, product_key: str, *, customer: str | None = None,
                     expires_in: int | None = None) -> Token:
        self._customers_only(product_key, "OAuth client")
        return self.http.fetch_token(self.credentials(product_key), customer=customer,
                                     expires_in=expires_in)


@functools.lru_cache(maxsize=4096)
def opened(sealer, sealed: str | None) -> str | None:
    """`sealer.open(sealed)`, remembered: a claim reads its customer's token from SQLite (shared by
    every process) but need not decrypt the same row again (a tenth of a claim's CPU). The opened
    tokens stay in this process's memory only, never at rest."""
    return sealer.open(sealed) if sealed is not None else None
