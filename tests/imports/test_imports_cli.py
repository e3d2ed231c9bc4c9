"""`flask bff import-devices` and `flask bff labels --batch`: the same batches as /ops/import."""
from __future__ import annotations

import re

import pytest

from bff import labels
from bff.wiring import get_services

from tests.labels.conftest import QrReader
from tests.support.imports import loose_devices

pytestmark = pytest.mark.app_settings(PUBLIC_URL="https://claim.example.com")


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_import_devices_prints_the_counts_and_the_lines_that_did_not_go_in(runner, app, sandbox, electron,
                                                                          online_device, tmp_path, control):
    new = loose_devices(sandbox, 2)
    listing = tmp_path / "devices.csv"
    listing.write_text(f"device_id,serial\n{new[0]},SN-1\n{new[1].upper()}\n{online_device}\n{new[0][:23]}\n")
    control.add_fault(path=f"/v1/products/{electron['slug']}/devices", method="POST", status=429,
                      retry_after=1, times=1)

    result = runner.invoke(args=["bff", "import-devices", str(listing), "--product", electron["slug"]])

    assert result.exit_code == 0, result.output
    assert "Added 2. Already in the product: 1. Not valid: 1. Refused by the cloud: 0." in result.output
    assert "line 5: " in result.output and "23 characters, needs 24" in result.output
    assert "Waiting 1 s" in result.output  # the rate limit waited out in the foreground
    store = get_services(app).store
    assert store.device(new[0])["serial_number"] == "SN-1"
    assert [batch["state"] for batch in store.import_batches()] == ["done"]


def test_import_devices_refuses_a_list_without_device_ids(runner, electron, tmp_path):
    listing = tmp_path / "devices.txt"
    listing.write_text("hello\n")
    result = runner.invoke(args=["bff", "import-devices", str(listing), "--product", electron["slug"]])
    assert result.exit_code != 0 and "None of the 1 lines is a device ID" in result.output


def test_labels_of_one_batch(runner, app, sandbox, electron, tmp_path):
    services = get_services(app)
    ids = loose_devices(sandbox, 2)
    batch = services.imports.start_batch(None, electron["slug"], "\n".join(ids), "pasted")
    services.imports.work(batch.id)
    sheet = tmp_path / "sheet.html"

    result = runner.invoke(args=["bff", "labels", "--batch", str(batch.id), "--out", str(sheet)])

    assert result.exit_code == 0, result.output
    assert "Wrote 2 labels" in result.output
    urls = {QrReader().read_svg(svg, dpi=150) for svg in re.findall(r"<svg.*?</svg>", sheet.read_text(), re.S)}
    assert urls == {labels.device_claim_url("https://claim.example.com", "test-label-key", d) for d in ids}


def test_labels_needs_a_product_or_a_batch(runner, electron, tmp_path):
    both = runner.invoke(args=["bff", "labels", "--product", electron["slug"], "--batch", "1",
                               "--out", str(tmp_path / "x.html")])
    assert both.exit_code != 0 and "either --product or --batch" in both.output
    missing = runner.invoke(args=["bff", "labels", "--batch", "42", "--out", str(tmp_path / "x.html")])
    assert missing.exit_code != 0 and "no import batch 42" in missing.output
