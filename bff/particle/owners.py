"""Who owns a device, per ownership mode (mixed into `ParticleCloud`, bff/particle/client.py).

Two words kept apart on purpose:

- the **owner name in bff**: what bff's devices table records as a device's owner for a person in a
  product, in both modes. It is the shadow-customer username derived from the person's phone
  (bff/particle/customers.py), reserved in bff's `shadow_customers` table; every owner comparison in
  bff compares these names (`owner_name`).
- the **cloud customer**: customers mode only, a password-less Particle customer of that name that
  owns the device in the cloud (two-legged auth, docs/particle.md#shadow-customers), created on first
  need (`ensure_customer`). In product mode bff creates none: devices stay unclaimed in the product
  and the owner name lives in bff alone (README "Ownership modes").

`mode` and `owners_in_cloud` say a product's configured mode (`BFF_PARTICLE_PRODUCTS`, or
`BFF_OWNERSHIP_MODE` for the sandbox's demo products); `takes_cloud_owners` whether the cloud's
owners may be copied into bff.
"""
from __future__ import annotations

from bff.config import CUSTOMERS_MODE
from bff.errors import AlreadyExists
from bff.particle.customers import derived_customer_username, new_customer_username
from bff.particle.paths import DEVICES_PER_PAGE, product_path
from bff.particle.replies import Token, json_body


class OwnerNames:
    """Owner names and cloud customers (needs `store`, `clock`, `http`, `customer_key`,
    `credentials()`, `_lock()`, `_all_pages()` and the token cache's methods)."""

    def mode(self, product_key: str) -> str:
        """The product's ownership mode as configured: `customers` or `product`."""
        return self.credentials(product_key).mode

    def owners_in_cloud(self, product_key: str) -> bool:
        """Whether a claim makes the person's cloud customer the device's owner in the cloud
        (customers mode); False in product mode, where bff's database alone records the owner."""
        return self.credentials(product_key).owners_in_cloud

    def takes_cloud_owners(self, product_key: str) -> bool:
        """Whether the cloud's owner of a device may be taken into bff (the reconcile, a re-read, a
        rebuild): customers mode, and the product's data in it too (its recorded mode, migration 12:
        a switch from product mode that is not finished leaves devices unclaimed in the cloud, and
        taking that None would drop their owners in bff). In product mode the cloud's owner is None
        (or a leftover of customers mode): bff's record is the owner."""
        return self.owners_in_cloud(product_key) and self.store.recorded_mode(product_key) in (None, CUSTOMERS_MODE)

    def owner_name(self, product_key: str, user_id: int) -> str:
        """The owner name in bff of the person's devices in the product (made on first need and
        kept in bff's database; the cloud is not asked)."""
        self.credentials(product_key)
        row = self.store.shadow_customer(user_id, product_key) or self._reserve_customer(user_id, product_key)
        return row["username"]

    def ensure_customer(self, product_key: str, user_id: int) -> str:
        """The person's owner name in the product; in customers mode also its cloud customer,
        created on first need (in product mode there is none: the owner name in bff only).

        The name is stored before the cloud is asked (a crash cannot make a second one). A
        customer the cloud already has is not an error: a token is minted for it instead. Costs
        no request once the customer is known.
        """
        if not self.owners_in_cloud(product_key):
            return self.owner_name(product_key, user_id)
        row = self.store.shadow_customer(user_id, product_key)
        if row and row["confirmed_at"]:
            return row["username"]
        if row is None:
            row = self._reserve_customer(user_id, product_key)
        username = row["username"]
        with self._lock(("customer", product_key, username)):
            if not self.store.shadow_customer(user_id, product_key)["confirmed_at"]:
                self._create_customer(product_key, username)
        return username

    def _reserve_customer(self, user_id: int, product_key: str) -> dict:
        """Store the user's username in the product: derived from their phone when bff has the
        key and the phone and nobody holds that name yet, else random."""
        phone = (self.store.user(user_id) or {}).get("phone")
        derived = (derived_customer_username(self.customer_key, phone, product_key)
                   if self.customer_key and phone else None)
        for username in filter(None, (derived, new_customer_username())):
            row = self.store.reserve_shadow_customer(user_id, product_key, username, now=self.clock())
            if row is not None:
                return row
        raise RuntimeError(f"could not name a customer for user {user_id}")

    def list_product_customers(self, product_key: str) -> list[dict]:
        """Every customer of the product, all pages (`GET /v1/products/:p/customers`):
        `{id, username, devices, ...}` each (`flask bff rebuild`)."""
        return self._all_pages(product_key, product_path(product_key, "customers"), "customers",
                               {"perPage": DEVICES_PER_PAGE})

    def _create_customer(self, product_key: str, username: str) -> None:
        """`POST /v1/products/:p/customers` (two-legged); caches the token the reply carries."""
        creds = self.credentials(product_key)  # its callers checked customers mode (ensure_customer, tokens)
        try:
            response = self.http.request(
                "POST", product_path(product_key, "customers"),
                auth=(creds.client_id, creds.client_secret),
                data={"email": username, "no_password": "true"},
                product_key=product_key, customer=username,
            )
        except AlreadyExists:
            self.store.confirm_shadow_customer(username, now=self.clock())
            self._mint_customer_token(product_key, username, recreate=False)
            return
        self.store.confirm_shadow_customer(username, now=self.clock())
        body = json_body(response)
        if isinstance(body, dict) and body.get("access_token"):
            self._save_customer_token(product_key, username, Token.from_reply(body, self.clock()))

