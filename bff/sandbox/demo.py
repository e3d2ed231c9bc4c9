"""The demo data a fresh (or reset) sandbox starts with. Deterministic: same ids every time.

- four products, each with a product OAuth client whose id and secret never change (a running
  bff stays configured across resets): Electron (platform 10) and Photon (6), set up by ICCID
  and over SoftAP; Boron (13) and P2 / Photon 2 (32), current cellular and Wi-Fi hardware (a P2
  sets up Wi-Fi over Bluetooth, which the sandbox does not simulate: its devices join the
  product and come online);
- a developer user (password grant, any client) who is a team member of all four;
- one org holding the four products, and for each product its API user with the least scopes
  bff needs when products own their devices (DEMO_API_USER_SCOPES), whose username and
  non-expiring token never change either (derived from the seed, as the client secrets);
- one WPA2-AES Wi-Fi network;
- imported, unclaimed devices: Electrons (two online, two offline), Photons (one online with the
  demo Wi-Fi stored, two offline), Borons (two online, one offline), P2s (one online, one
  offline), plus two Electrons not yet imported (for import demos).
Devices are made in the order of DEVICES from one seeded IdFactory: products added later come
last, so every earlier device keeps its ID, serial number and name.
The client secrets are published on purpose: they only open this local sandbox.
"""
from __future__ import annotations

import hashlib

from . import api_users
from .ids import IdFactory
from .platforms import BY_ID, PLATFORM_NAMES
from .state import DEFAULT_OPTIONS, ApiUser, Device, Org, Product, State, User, Wifi

SEED = "bff-sandbox-demo-v1"
DEVELOPER = {"username": "developer@sandbox.example", "password": "sandbox-developer"}
WIFI = {"ssid": "SandboxWiFi", "password": "sandbox-wifi-pass", "security": 4194308,
        "channel": 6, "rssi": -48}
PRODUCTS = [
    {"id": 9901, "slug": "sandbox-electron", "name": "Sandbox Electron Tracker",
     "platform_id": 10, "description": "Cellular trackers (sandbox demo product)"},
    {"id": 9902, "slug": "sandbox-photon", "name": "Sandbox Photon Lamp",
     "platform_id": 6, "description": "Wi-Fi lamps set up over SoftAP (sandbox demo product)"},
    {"id": 9903, "slug": "sandbox-boron", "name": "Sandbox Boron Sensor",
     "platform_id": 13, "description": "Cellular sensors on current hardware (sandbox demo product)"},
    {"id": 9904, "slug": "sandbox-p2", "name": "Sandbox P2 Plug",
     "platform_id": 32, "description": "Wi-Fi plugs on P2 / Photon 2, set up over Bluetooth "
                                       "(sandbox demo product)"},
]
# (product id or None, online, name) of each demo device, in creation order (new ones last).
DEVICES = [
    (9901, True, "amber_otter"), (9901, True, "brisk_lynx"), (9901, False, "calm_raven"),
    (9901, False, "dusty_heron"),
    (9902, True, "eager_puffin"), (9902, False, "fuzzy_badger"), (9902, False, "gentle_osprey"),
    (None, False, "hazy_falcon"), (None, False, "ivory_marten"),
    (9903, True, "jolly_wombat"), (9903, True, "keen_stoat"), (9903, False, "lucky_vole"),
    (9904, True, "merry_finch"), (9904, False, "nimble_wren"),
]
PLATFORM_OF_PRODUCT = {spec["id"]: spec["platform_id"] for spec in PRODUCTS}
ORG = {"slug": "sandbox-org", "name": "Sandbox Demo Org"}
# What bff calls on a product whose devices stay unclaimed: list, get, rename and import devices,
# follow the product's events, read the product (docs/particle.md#api-users).
DEMO_API_USER_SCOPES = ("devices:list", "devices:get", "devices:update", "devices:import",
                        "events:get", "products:get")
NOT_IMPORTED_PLATFORM = 10  # the devices in no product are Electrons


def client_for(product: dict) -> tuple[str, str]:
    """The product's fixed OAuth client id (no ':' in it) and secret."""
    client_id = f"{product['slug']}-client-{product['id']}"
    secret = hashlib.sha256(f"{SEED}/{client_id}".encode()).hexdigest()[:40]
    return client_id, secret


def api_user_for(product_id: int, slug: str) -> tuple[str, str]:
    """The demo product's API user: its fixed username and token (40 hex digits)."""
    digest = hashlib.sha256(f"{SEED}/api-user/{product_id}".encode()).hexdigest()
    symbols = api_users.SUFFIX_SYMBOLS
    suffix = "".join(symbols[int(digest[i:i + 2], 16) % len(symbols)] for i in range(0, 20, 2))
    return api_users.username_for(f"{slug} api user", suffix), digest[24:64]


def add_org_and_api_users(state: State, now: float) -> None:
    """The demo org and the demo products' API users (also into a state saved before they
    existed: one with neither orgs nor API users)."""
    products = tuple(spec["id"] for spec in PRODUCTS if spec["id"] in state.products)
    org_id = api_users.org_id_for(ORG["slug"])
    state.orgs[org_id] = Org(id=org_id, **ORG, products=products)
    for spec in PRODUCTS:
        if spec["id"] in state.products:
            username, token = api_user_for(spec["id"], spec["slug"])
            api_users.create(state, now, f"{spec['slug']} api user", DEMO_API_USER_SCOPES,
                             product_id=spec["id"], username=username, token=token)


def build_state(now: float, options: dict | None = None,
                clients: dict[int, tuple[str, str]] | None = None) -> State:
    """A fresh demo state; `clients` keeps earlier OAuth clients by product id."""
    state = State(options={**DEFAULT_OPTIONS, **(options or {})})
    for spec in PRODUCTS:
        client_id, secret = (clients or {}).get(spec["id"]) or client_for(spec)
        state.products[spec["id"]] = Product(**spec, client_id=client_id, client_secret=secret)
    state.users[DEVELOPER["username"]] = User(**DEVELOPER, products=[p["id"] for p in PRODUCTS])
    state.wifi.append(Wifi(**WIFI))
    add_org_and_api_users(state, now)
    factory = IdFactory(SEED)
    for index, (product_id, online, name) in enumerate(DEVICES):
        device = _device(factory, product_id, name)
        if online:
            _set_online(device, index, now)
        state.devices[device.id] = device
    return state


def _device(factory: IdFactory, product_id: int | None, name: str) -> Device:
    """A demo device, its identifiers drawn from `factory` in a fixed order (IDs never change);
    Photons hold the demo network's credentials, as if set up before (the sandbox checks stored
    credentials only for SoftAP devices)."""
    platform = BY_ID[PLATFORM_OF_PRODUCT.get(product_id, NOT_IMPORTED_PLATFORM)]
    return Device(
        id=factory.device_id(), platform_id=platform.id, product_id=product_id,
        serial_number=factory.serial_number(platform.id),
        iccid=factory.iccid() if platform.cellular else None,
        imei=factory.imei() if platform.cellular else None,
        mac_wifi=factory.mac() if platform.wifi else None, name=name,
        firmware_version=1 if product_id else None,
        wifi={k: WIFI[k] for k in ("ssid", "password", "security")} if platform.softap else None,
    )


def _set_online(device: Device, index: int, now: float) -> None:
    """Online as if it connected `index + 1` minutes ago."""
    device.online = True
    device.last_handshake_at = device.last_heard = now - 60 * (index + 1)
    device.last_ip_address = f"10.0.0.{index + 10}"


def demo_info(state: State, base_url: str | None) -> dict:
    """What `python -m bff.sandbox` prints first and GET /sandbox/demo answers."""
    return {
        "base_url": base_url,
        "products": [{"id": p.id, "slug": p.slug, "name": p.name, "platform_id": p.platform_id,
                      "platform": PLATFORM_NAMES.get(p.platform_id, str(p.platform_id)),
                      "client_id": p.client_id, "client_secret": p.client_secret,
                      **_api_user_info(state.api_users.get(api_user_for(p.id, p.slug)[0]))}
                     for p in state.products.values()],
        "orgs": [{"id": o.id, "slug": o.slug, "name": o.name, "products": list(o.products)}
                 for o in state.orgs.values()],
        "wifi": [{"ssid": w.ssid, "password": w.password, "security": w.security}
                 for w in state.wifi],
        "developer": next(({"username": u.username, "password": u.password}
                           for u in state.users.values()), {}),
    }


def _api_user_info(user: ApiUser | None) -> dict:
    """The demo product's API user (null fields once it was deleted)."""
    return {"api_user_username": user.username if user else None,
            "api_user_token": user.token if user else None,
            "api_user_scopes": list(user.scopes) if user else []}
