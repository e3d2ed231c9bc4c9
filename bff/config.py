"""Configuration: defaults, then `BFF_*` environment variables, then a test mapping.

With no Particle credentials (`BFF_PARTICLE_PRODUCTS` unset) bff runs against the embedded
sandbox cloud and takes its products from the sandbox's demo data.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

REAL_PARTICLE_API_URL = "https://api.particle.io"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"


class ConfigError(ValueError):
    """A configuration value is malformed; the message names the variable and the fix."""


CUSTOMERS_MODE = "customers"  # a cloud customer per person owns the device in the cloud (shadow customers)
PRODUCT_MODE = "product"  # devices stay unclaimed in the product; bff's database alone records the owner
OWNERSHIP_MODES = (CUSTOMERS_MODE, PRODUCT_MODE)


@dataclass(frozen=True)
class ProductCredentials:
    """One Particle product bff serves, its ownership mode and its credentials.

    `customers` mode: the product's OAuth client (shadow customers, customer tokens, claims in the
    cloud). `product` mode: an API user's token is the only credential (README "Ownership modes").
    """

    key: str  # product id or slug as configured; used in URLs (/v1/products/<key>/...)
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    mode: str = CUSTOMERS_MODE
    api_token: str = field(default="", repr=False)  # product mode: the API user's access token

    @property
    def owners_in_cloud(self) -> bool:
        """Whether the cloud records the owners (customers mode), not bff alone (product mode)."""
        return self.mode == CUSTOMERS_MODE


def parse_products(text: str) -> list[ProductCredentials]:
    """Parse `BFF_PARTICLE_PRODUCTS`: entries `PRODUCT:CLIENT_ID:CLIENT_SECRET` (customers mode),
    `customers:PRODUCT:CLIENT_ID:CLIENT_SECRET` (the same, said) or `product:PRODUCT:API_USER_TOKEN`
    (product mode; one organization's token may serve several of its products).

    Entries are separated by commas, spaces or new lines. PRODUCT is the numeric id or the
    slug; the secret (or token) is everything after the colon before it.
    """
    entries = text.replace(",", " ").split()
    products = [_parse_product_entry(entry) for entry in entries]
    seen: set[str] = set()
    for product in products:
        if product.key in seen:
            raise ConfigError(f"BFF_PARTICLE_PRODUCTS: product {product.key!r} is listed twice; "
                              "list each product once, with one mode.")
        seen.add(product.key)
    return products


def _parse_product_entry(entry: str) -> ProductCredentials:
    mode, _, rest = entry.partition(":")
    if mode == PRODUCT_MODE:
        parts = rest.split(":", 1)
        if len(parts) != 2 or not all(parts):
            raise ConfigError(
                "BFF_PARTICLE_PRODUCTS: a product-mode entry must look like product:PRODUCT:API_USER_TOKEN "
                f"(got an entry starting {entry[:12]!r}). The token is an API user's, made for the "
                "product or its organization (README, \"Ownership modes\").")
        return ProductCredentials(key=parts[0], mode=PRODUCT_MODE, api_token=parts[1])
    parts = (rest if mode == CUSTOMERS_MODE else entry).split(":", 2)
    if len(parts) != 3 or not all(parts):
        raise ConfigError(
            "BFF_PARTICLE_PRODUCTS: each entry must look like PRODUCT:CLIENT_ID:CLIENT_SECRET "
            "(or customers:PRODUCT:CLIENT_ID:CLIENT_SECRET, or product:PRODUCT:API_USER_TOKEN) "
            f"(got an entry starting {entry[:12]!r}).")
    return ProductCredentials(key=parts[0], client_id=parts[1], client_secret=parts[2])


def parse_ownership_mode(value) -> str:
    """`BFF_OWNERSHIP_MODE` (the sandbox's demo products): `customers` or `product`."""
    mode = str(value or CUSTOMERS_MODE).strip().lower()
    if mode not in OWNERSHIP_MODES:
        raise ConfigError(f"BFF_OWNERSHIP_MODE: {str(value)[:20]!r} is not a mode. Use customers (a cloud "
                          "customer owns each claimed device) or product (devices stay unclaimed in the "
                          "product; bff records the owner).")
    return mode


def instance_secret(instance_path: str | os.PathLike, name: str) -> str:
    """Return a random secret kept in the instance folder, creating it on first use.

    Every process of one deployment (web server, worker, CLI) reads the same file, so
    they agree on the session key, the label key and the token key without any set-up.
    """
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def load_config(app, overrides: dict | None = None) -> None:
    """Fill `app.config`: defaults, `BFF_*` environment, then `overrides` (tests)."""
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "bff.sqlite3"),
        PUBLIC_URL=DEFAULT_PUBLIC_URL,
        PARTICLE_API_URL=None,
        PARTICLE_PRODUCTS=None,
        TWILIO_ACCOUNT_SID=None,
        TWILIO_AUTH_TOKEN=None,
        TWILIO_FROM=None,
        SANDBOX_STATE_FILE=os.path.join(app.instance_path, "sandbox.json"),
        # SMS commands (bff/sms/webhook.py): how long a TwiML reply waits for the cloud before it says
        # "working on it" and the result follows as an outbound SMS; threads for that cloud work.
        SMS_REPLY_DEADLINE=0.25,
        SMS_THREADS=8,  # the work waits on the cloud (I/O): as many as a web process has request threads
        # POST /api/v1/claims (bff/api/claim_runs.py): how long the reply waits for the cloud before it
        # answers 202 with the claim still `requested` (the claim finishes on its own).
        API_REPLY_DEADLINE=2.0,
        # The operators' console (bff/ops): an operator's session ends after this many idle minutes.
        OPS_IDLE_MINUTES=30,
        # GET /metrics (Prometheus text) answers only with `Authorization: Bearer <token>`; off when unset.
        METRICS_TOKEN=None,
        # Events to the product creator's systems (bff/webhooks): endpoints (comma, space or new
        # line separated) and the secret that signs each delivery (HMAC-SHA256).
        # Sandbox mode (no products configured) is for one machine: the console answers loopback
        # browsers only and `flask bff serve` listens on loopback only, unless these say otherwise.
        CONSOLE_ON_NETWORK=False,
        # Logs (bff/logs.py): "json" (one JSON object a line) or "text". Proxies in front of bff
        # whose X-Forwarded-For / -Proto headers are trusted (bff/web/request_log.py).
        LOG_FORMAT="json",
        TRUSTED_PROXIES=0,
        SANDBOX_ON_NETWORK=False,
        WEBHOOK_URLS="",
        WEBHOOK_SECRET=None,
        # Who sold the devices, as customers read it on a refused claim's page: the last step when
        # nothing else helps (free text, e.g. "support@example.com or +1 800 555 0100").
        SELLER_CONTACT="",
        # Sandbox mode: the ownership mode of the demo products (README "Ownership modes"); with
        # BFF_PARTICLE_PRODUCTS each entry says its own mode.
        OWNERSHIP_MODE="customers",
    )
    app.config.from_prefixed_env(prefix="BFF")
    app.config.update(overrides or {})
    _finish(app)


def _finish(app) -> None:
    """Derive what the settings imply: secrets, product list, sandbox mode."""
    config = app.config
    config["PUBLIC_URL"] = str(config["PUBLIC_URL"]).rstrip("/")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = instance_secret(app.instance_path, "secret_key")
    if not config.get("LABEL_KEY"):
        config["LABEL_KEY"] = instance_secret(app.instance_path, "label_key")
    if not config.get("TOKEN_KEY"):  # seals tokens and codes at rest (bff/sealing.py); first key seals
        config["TOKEN_KEY"] = instance_secret(app.instance_path, "token_key")
    products = config.get("PARTICLE_PRODUCTS")
    if isinstance(products, str):
        config["PARTICLE_PRODUCTS"] = parse_products(products)
    config["SANDBOX_MODE"] = not config["PARTICLE_PRODUCTS"]
    config["OWNERSHIP_MODE"] = parse_ownership_mode(config.get("OWNERSHIP_MODE"))
    if config["OWNERSHIP_MODE"] == PRODUCT_MODE and not config["SANDBOX_MODE"]:
        raise ConfigError("BFF_OWNERSHIP_MODE sets the mode of the sandbox's demo products only. With "
                          "BFF_PARTICLE_PRODUCTS each entry says its own mode: write product:PRODUCT:API_USER_TOKEN "
                          "for a product in product mode, and unset BFF_OWNERSHIP_MODE.")
    config["WEBHOOK_URLS"] = parse_webhook_urls(config.get("WEBHOOK_URLS"))
    if config["WEBHOOK_URLS"] and not str(config.get("WEBHOOK_SECRET") or "").strip():
        # Refuse rather than send unsigned: a receiver could not tell bff's events from anyone's.
        raise ConfigError("BFF_WEBHOOK_URLS is set but BFF_WEBHOOK_SECRET is not: every event is signed with it. "
                          "Set BFF_WEBHOOK_SECRET to a long random string (e.g. `openssl rand -hex 32`) "
                          "and give the same string to the receiving systems.")
    if not config["PARTICLE_API_URL"] and not config["SANDBOX_MODE"]:
        config["PARTICLE_API_URL"] = REAL_PARTICLE_API_URL


def parse_webhook_urls(value) -> list[str]:
    """`BFF_WEBHOOK_URLS` as a list of http(s) URLs; raises ConfigError naming a bad entry."""
    if not value:
        return []
    entries = value if isinstance(value, (list, tuple)) else re.split(r"[\s,]+", str(value).strip())
    urls = [entry for entry in entries if entry]
    for url in urls:
        if not re.match(r"https?://[^\s/]+", url):
            raise ConfigError(f"BFF_WEBHOOK_URLS: {url!r} is not an http(s) URL. "
                              "List full URLs like https://crm.example.com/bff-events, separated by commas.")
    return urls
