"""Current Particle hardware through bff: each of Boron, B-SoM, Tracker, M-SoM, Argon and P2 /
Photon 2 is imported into its product, printed on a label sheet, and claimed by a person who
scans the label's QR code.

The demo has a Boron and a P2 product; `current_products` adds one of each other platform to the
sandbox and to bff's configuration, as a product creator would configure them.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from bff.config import ProductCredentials
from bff.devices import platform_name
from bff.sandbox.demo import client_for
from bff.sandbox.state import Product

from tests.labels.conftest import QrReader
from tests.support.imports import loose_devices
from tests.support.pages import claim, landing_path, page_text

pytestmark = pytest.mark.app_settings(PUBLIC_URL="https://claim.example.com")

# platform word -> (platform id, name people read)
CURRENT_PLATFORMS = {
    "argon": (12, "Argon"), "boron": (13, "Boron"), "bsom": (23, "B-SoM"),
    "tracker": (26, "Tracker"), "p2": (32, "P2 / Photon 2"), "msom": (35, "M-SoM"),
}


@pytest.fixture
def current_products(sandbox, demo, services) -> dict[str, dict]:
    """A product of each current platform, in the sandbox and in bff's configuration: the demo's
    Boron and P2 products, and new ones for the others (platform word -> id, slug, name)."""
    found = {p["platform"]: p for p in demo["products"] if p["platform"] in CURRENT_PLATFORMS}
    with sandbox.store.write() as state:
        for word in CURRENT_PLATFORMS.keys() - found.keys():
            platform_id = CURRENT_PLATFORMS[word][0]
            spec = {"id": 9900 + platform_id, "slug": f"sandbox-{word}", "name": f"Sandbox {word} product",
                    "platform_id": platform_id, "description": "current hardware (test product)"}
            client_id, secret = client_for(spec)
            state.products[spec["id"]] = Product(**spec, client_id=client_id, client_secret=secret)
            services.particle.products[spec["slug"]] = ProductCredentials(spec["slug"], client_id, secret)
            found[word] = spec
    return found


def import_batch(app, tmp_path, device_id: str, product_slug: str) -> int:
    """`flask bff import-devices` of one device, as an operator runs it; the batch's id."""
    listing = tmp_path / "devices.txt"
    listing.write_text(device_id + "\n")
    result = app.test_cli_runner().invoke(args=["bff", "import-devices", str(listing), "--product", product_slug])
    assert result.exit_code == 0 and "Added 1." in result.output, result.output
    return int(re.search(r"--batch (\d+)", result.output).group(1))


def qr_links_on_sheet(app, tmp_path, batch_id: int) -> list[str]:
    """The claim links the QR codes of the batch's label sheet hold (`flask bff labels --batch`)."""
    sheet = tmp_path / "sheet.html"
    result = app.test_cli_runner().invoke(args=["bff", "labels", "--batch", str(batch_id), "--out", str(sheet)])
    assert result.exit_code == 0, result.output
    svgs = re.findall(r"<svg.*?</svg>", sheet.read_text(), re.S)
    return [QrReader().read_svg(svg, dpi=150) for svg in svgs]


@pytest.mark.parametrize("platform", sorted(CURRENT_PLATFORMS))
def test_a_current_device_is_imported_labelled_and_claimed_by_its_qr_code(
        platform, app, services, sandbox, control, current_products, member, tmp_path):
    product = current_products[platform]
    device_id = loose_devices(sandbox, 1, platform=platform)[0]

    batch_id = import_batch(app, tmp_path, device_id, product["slug"])
    assert control.device(device_id)["product_id"] == product["id"]
    [link] = qr_links_on_sheet(app, tmp_path, batch_id)
    scanned = urlsplit(link)
    assert f"{scanned.path}?{scanned.query}" == landing_path(device_id)

    control.power(device_id, True)
    response = claim(member, device_id, tag=parse_qs(scanned.query)["k"][0])
    assert "This device is yours" in page_text(member.get(response.headers["Location"]))
    owner = control.device(device_id)["owner"]
    assert owner and services.store.device(device_id)["owner"] == owner


@pytest.mark.parametrize("platform", sorted(CURRENT_PLATFORMS))
def test_people_read_the_platforms_name(platform):
    platform_id, name = CURRENT_PLATFORMS[platform]
    assert platform_name(platform_id) == name
