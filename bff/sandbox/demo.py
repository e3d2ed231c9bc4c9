"""The demo data a fresh (or reset) sandbox starts with. Deterministic: same ids every time.

- an Electron product (platform 10) and a Photon product (platform 6), each with a product
  OAuth client whose id and secret never change (a running bff stays configured across resets);
- a developer user (password grant, any client) who is a team member of both;
- one WPA2-AES Wi-Fi network;
- imported, unclaimed devices: Electrons (two online, two offline) and Photons (one online with
  the demo Wi-Fi stored, two offline), plus two Electrons not yet imported (for import demos).
The client secrets are published on purpose: they only open this local sandbox.
"""
from __future__ import annotations

import hashlib

from .ids import IdFactory
from .platforms import CELLULAR, PLATFORM_NAMES
from .state import DEFAULT_OPTIONS, Device, Product, State, User, Wifi

SEED = "bff-sandbox-demo-v1"
DEVELOPER = {"username": "developer@sandbox.example", "password": "sandbox-developer"}
WIFI = {"ssid": "SandboxWiFi", "password": "sandbox-wifi-pass", "security": 4194308,
        "channel": 6, "rssi": -48}
PRODUCTS = [
    {"id": 9901, "slug": "sandbox-electron", "name": "Sandbox Electron Tracker",
     "platform_id": 10, "description": "Cellular trackers (sandbox demo product)"},
    {"id": 9902, "slug": "sandbox-photon", "name": "Sandbox Photon Lamp",
     "platform_id": 6, "description": "Wi-Fi lamps set up over SoftAP (sandbox demo product)"},
]
# (product id or None, online) for each demo device, in creation order.
DEVICES = [(9901, True), (9901, True), (9901, False), (9901, False),
           (9902, True), (9902, False), (9902, False),
           (None, False), (None, False)]
ADJECTIVES = ["amber", "brisk", "calm", "dusty", "eager", "fuzzy", "gentle", "hazy", "ivory"]
NOUNS = ["otter", "falcon", "badger", "heron", "lynx", "marten", "osprey", "puffin", "raven"]
PLATFORM_OF_PRODUCT = {9901: 10, 9902: 6}


def client_for(product: dict) -> tuple[str, str]:
    """The product's fixed OAuth client id (no ':' in it) and secret."""
    client_id = f"{product['slug']}-client-{product['id']}"
    secret = hashlib.sha256(f"{SEED}/{client_id}".encode()).hexdigest()[:40]
    return client_id, secret


def build_state(now: float, options: dict | None = None,
                clients: dict[int, tuple[str, str]] | None = None) -> State:
    """A fresh demo state; `clients` keeps earlier OAuth clients by product id."""
    state = State(options={**DEFAULT_OPTIONS, **(options or {})})
    for spec in PRODUCTS:
        client_id, secret = (clients or {}).get(spec["id"]) or client_for(spec)
        state.products[spec["id"]] = Product(**spec, client_id=client_id, client_secret=secret)
    state.users[DEVELOPER["username"]] = User(**DEVELOPER, products=[p["id"] for p in PRODUCTS])
    state.wifi.append(Wifi(**WIFI))
    factory = IdFactory(SEED)
    for index, (product_id, online) in enumerate(DEVICES):
        device = _device(factory, index, product_id, online, now)
        state.devices[device.id] = device
    return state


def _device(factory: IdFactory, index: int, product_id: int | None, online: bool,
            now: float) -> Device:
    platform_id = PLATFORM_OF_PRODUCT.get(product_id, 10)
    cellular = platform_id in CELLULAR
    device = Device(
        id=factory.device_id(), platform_id=platform_id, product_id=product_id,
        serial_number=factory.serial_number(platform_id),
        iccid=factory.iccid() if cellular else None, imei=factory.imei() if cellular else None,
        mac_wifi=None if cellular else factory.mac(),
        name=f"{ADJECTIVES[index % 9]}_{NOUNS[(index * 4) % 9]}",
        firmware_version=1 if product_id else None,
        wifi=None if cellular else {k: WIFI[k] for k in ("ssid", "password", "security")},
    )
    if online:
        device.online = True
        device.last_handshake_at = device.last_heard = now - 60 * (index + 1)
        device.last_ip_address = f"10.0.0.{index + 10}"
    return device


def demo_info(state: State, base_url: str | None) -> dict:
    """What `python -m bff.sandbox` prints first and GET /sandbox/demo answers."""
    return {
        "base_url": base_url,
        "products": [{"id": p.id, "slug": p.slug, "name": p.name, "platform_id": p.platform_id,
                      "platform": PLATFORM_NAMES.get(p.platform_id, str(p.platform_id)),
                      "client_id": p.client_id, "client_secret": p.client_secret}
                     for p in state.products.values()],
        "wifi": [{"ssid": w.ssid, "password": w.password, "security": w.security}
                 for w in state.wifi],
        "developer": next(({"username": u.username, "password": u.password}
                           for u in state.users.values()), {}),
    }
