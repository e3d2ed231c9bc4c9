"""The sandbox console: demo devices with their labels, power buttons, the SMS outbox."""
from __future__ import annotations

import re

import zxingcpp
from PIL import Image, ImageDraw

from bff import create_app, labels

from tests.support.pages import attributes, claim, csrf_token, landing_path, page_text


def test_console_shows_every_demo_device_with_its_label(client, control, demo):
    response = client.get("/console")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert "Sandbox" in text and all(product["name"] in text for product in demo["products"])
    in_products = [d for d in control.state()["devices"] if d["product_id"]]
    assert {d["product_id"] for d in in_products} == {product["id"] for product in demo["products"]}
    for device in in_products:
        block = re.search(rf'id="device-{device["id"]}".*?</li>', html, re.S).group(0)
        assert device["name"] in block
        assert f'href="{landing_path(device["id"])}"' in block  # the claim link
        assert "<svg" in block  # the label QR
        code = re.search(r"data-label-code>([0-9A-Z-]+)<", block).group(1)
        assert labels.check_label_code(code)  # the code a person could type on "/"
        assert ("Switch off" if device["online"] else "Switch on") in block


def test_console_names_the_current_hardware_as_people_know_it(client, control, demo):
    html = client.get("/console").get_data(as_text=True)
    for platform, name in (("boron", "Boron"), ("p2", "P2 / Photon 2")):
        product = next(p for p in demo["products"] if p["platform"] == platform)
        device = next(d for d in control.state()["devices"] if d["product_id"] == product["id"])
        assert name in re.search(rf'id="device-{device["id"]}".*?</li>', html, re.S).group(0)


def test_console_qr_holds_the_claim_url(client, online_device):
    html = client.get("/console").get_data(as_text=True)
    block = re.search(rf'id="device-{online_device}".*?</li>', html, re.S).group(0)
    svg = re.search(r"<svg.*?</svg>", block, re.S).group(0)
    matrix = _svg_matrix(svg)
    assert zxingcpp.read_barcode(matrix).text == "http://bff.test" + landing_path(online_device)


def test_console_claim_link_opens_the_landing(client, online_device):
    html = client.get("/console").get_data(as_text=True)
    link = re.search(rf'id="device-{online_device}".*?href="([^"]+)" data-claim-link', html, re.S).group(1)
    assert client.get(link.replace("&amp;", "&")).status_code == 200


def test_console_switches_devices_on_and_off(client, control, online_device):
    page = client.get("/console")
    response = client.post(f"/console/devices/{online_device}/offline", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/console#device-{online_device}"
    assert control.device(online_device)["online"] is False
    after = client.get("/console")
    assert "is now off" in page_text(after)
    client.post(f"/console/devices/{online_device}/online", data={"csrf_token": csrf_token(after)})
    assert control.device(online_device)["online"] is True


def test_console_power_buttons_need_the_form_token(client, control, online_device):
    response = client.post(f"/console/devices/{online_device}/offline")
    assert response.status_code == 400
    assert control.device(online_device)["online"] is True


def test_outbox_shows_sign_in_codes_newest_first(app, client, services):
    with app.app_context():
        services.sms.send("+15551230001", "first text", purpose="test")
        services.sms.send("+15551230002", "second text", purpose="test")
    data = client.get("/console/outbox.json").get_json()
    bodies = [m["body"] for m in data["messages"]]
    assert bodies[:2] == ["second text", "first text"]
    assert {"id", "to", "body", "purpose", "status", "created_at"} <= set(data["messages"][0])
    text = page_text(client.get("/console"))
    assert text.index("second text") < text.index("first text")


def test_outbox_gets_the_code_of_a_sign_in(client):
    page = client.get("/login")
    client.post("/login", data={"csrf_token": csrf_token(page), "phone": "+12025550143"})
    messages = client.get("/console/outbox.json").get_json()["messages"]
    assert messages and messages[0]["to"] == "+12025550143"
    assert re.search(r"\b\d{6}\b", messages[0]["body"])


def test_console_is_only_there_in_sandbox_mode(sandbox, tmp_path):
    app = create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "real.sqlite3"), "SECRET_KEY": "k", "LABEL_KEY": "l",
         "PARTICLE_API_URL": sandbox.base_url, "PARTICLE_PRODUCTS": "sandbox-electron:id:secret"},
        instance_path=str(tmp_path / "real-instance"),
    )
    assert not app.config["SANDBOX_MODE"]
    client = app.test_client()
    assert client.get("/console").status_code == 404
    assert client.get("/console/outbox.json").status_code == 404
    assert client.get("/console/outbox.json").is_json


def test_console_has_no_external_requests(client):
    response = client.get("/console")
    for tag, name, value in attributes(response):
        if name in ("src", "href", "action"):
            assert not re.match(r"(?i)\s*(https?:)?//", value), (tag, name, value)


def _svg_matrix(svg: str) -> Image.Image:
    """Draw bff's one-path QR SVG (M x y h w v1 h-w z runs) at 8 px a module."""
    side = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    scale = 8
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        x, y, width = int(x), int(y), int(width)
        draw.rectangle([x * scale, y * scale, (x + width) * scale - 1, (y + 1) * scale - 1], fill=0)
    return image


def test_console_shows_a_claimed_device_as_claimed_in_either_mode(client, member, online_device, ownership_mode):
    claim(member, online_device, follow=True)

    block = re.search(rf'id="device-{online_device}".*?</li>', client.get("/console").get_data(as_text=True), re.S)
    assert "Claimed" in block.group(0) and "Free" not in block.group(0)  # product mode: bff's owner, not the cloud's
