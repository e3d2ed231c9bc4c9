"""`flask bff import-devices`, `flask bff labels` and `flask bff sandbox` as an operator runs them."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bff import labels
from bff.wiring import get_services

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.app_settings(PUBLIC_URL="https://claim.example.com")


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_import_devices_adds_them_to_the_product_with_label_codes(runner, app, control, electron, tmp_path):
    new = [control.create_device("electron", product=None, online=False)["id"] for _ in range(2)]
    listing = tmp_path / "devices.txt"
    listing.write_text("\n".join(device_id.upper() for device_id in new) + "\n")

    result = runner.invoke(args=["bff", "import-devices", str(listing), "--product", electron["slug"]])

    assert result.exit_code == 0, result.output
    store = get_services(app).store
    for device_id in new:
        assert control.device(device_id)["product_id"] == electron["id"]
        assert labels.is_label_code(store.device(device_id)["label_code"])


def test_the_label_sheet_holds_a_readable_qr_for_every_device(runner, app, electron, control, tmp_path,
                                                            qr_reader):
    sheet = tmp_path / "sheet.html"

    result = runner.invoke(args=["bff", "labels", "--product", electron["slug"], "--out", str(sheet),
                                 "--paper", "letter"])

    assert result.exit_code == 0, result.output
    html = sheet.read_text()
    store = get_services(app).store
    devices = store.devices(electron["slug"])
    assert devices and all(labels.format_label_code(d["label_code"]) in html for d in devices)
    urls = {qr_reader.read_svg(svg, dpi=150) for svg in re.findall(r"<svg.*?</svg>", html, re.S)}
    assert urls == {labels.device_claim_url("https://claim.example.com", "test-label-key", d["device_id"])
                    for d in devices}


@pytest.mark.skipif(not shutil.which("chromium"), reason="PDF sheets are printed by Chromium, not installed")
def test_the_label_sheet_as_pdf(runner, electron, tmp_path):
    sheet = tmp_path / "sheet.pdf"

    result = runner.invoke(args=["bff", "labels", "--product", electron["slug"], "--out", str(sheet)])

    assert result.exit_code == 0, result.output
    assert sheet.read_bytes().startswith(b"%PDF")


def test_an_unknown_sheet_format_is_refused(runner, electron, tmp_path):
    result = runner.invoke(args=["bff", "labels", "--product", electron["slug"], "--out", str(tmp_path / "x.doc")])

    assert result.exit_code != 0 and ".html or .pdf" in result.output


def test_the_sandbox_command_prints_its_demo_info_first(tmp_path):
    env = {**os.environ, "BFF_PARTICLE_PRODUCTS": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "bff", "sandbox", "--port", "0",
         "--state-file", str(tmp_path / "sandbox.json")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        info = json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(timeout=20)

    assert info["base_url"].startswith("http://127.0.0.1:")
    assert {p["platform_id"] for p in info["products"]} == {6, 10, 13, 32}
    assert all(p["client_id"] and p["client_secret"] and p["slug"] for p in info["products"])
