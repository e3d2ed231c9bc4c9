"""`/ops/import` and `/ops/batches/<id>`: an admin imports a batch (pasted or uploaded), follows it,
sees every line that did not go in, and prints its labels, without the command line."""
from __future__ import annotations

import io
import re
import shutil

import pytest

from bff import labels
from tests.labels.conftest import QrReader
from tests.support import LABEL_KEY
from tests.support.imports import loose_devices
from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import csrf_token, page_text


@pytest.fixture
def slug(electron) -> str:
    return electron["slug"]


def _post_import(browser, slug, *, ids: str = "", file: tuple[bytes, str] | None = None, token=True):
    data = {"product": slug, "ids": ids}
    if token:
        data["csrf_token"] = csrf_token(browser.get("/ops/import"))
    if file is not None:
        data["file"] = (io.BytesIO(file[0]), file[1])
    return browser.post("/ops/import", data=data, content_type="multipart/form-data")


def _batch_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.fullmatch(r"/ops/batches/(\d+)", response.headers["Location"]).group(1))


def test_the_form_offers_each_product_and_a_paste_box_and_a_file(boss, electron, photon):
    page = boss.get("/ops/import")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'value="{electron["slug"]}"' in html and f'value="{photon["slug"]}"' in html
    assert 'enctype="multipart/form-data"' in html and "<textarea" in html and 'type="file"' in html
    assert 'for="import-ids"' in html and 'for="import-file"' in html  # labelled fields


def test_pasted_ids_become_a_batch_the_worker_imports(boss, services, sandbox, slug, control, electron):
    ids = loose_devices(sandbox, 3)
    started = _post_import(boss, slug, ids="\n".join(ids))
    batch_id = _batch_id(started)

    waiting = boss.get(f"/ops/batches/{batch_id}")
    assert waiting.status_code == 200 and 'http-equiv="refresh"' in waiting.get_data(as_text=True)
    assert "<progress" in waiting.get_data(as_text=True) and "0 of 3 lines done" in page_text(waiting)
    assert f'data-live="/ops/batches/{batch_id}.json"' in waiting.get_data(as_text=True)  # with JavaScript
    before = boss.get(f"/ops/batches/{batch_id}.json").get_json()
    assert before["pending"] == 3

    services.imports.work_due()  # the worker's job
    assert boss.get(f"/ops/batches/{batch_id}.json").get_json()["version"] != before["version"]

    done = boss.get(f"/ops/batches/{batch_id}")
    text = page_text(done)
    assert "3 of 3 lines done (100%)" in text and "done" in text
    assert 'http-equiv="refresh"' not in done.get_data(as_text=True)
    assert all(control.device(device_id)["product_id"] == electron["id"] for device_id in ids)
    assert boss.get(f"/ops/batches/{batch_id}.json").get_json()["added"] == 3
    assert f"Import {batch_id}" in page_text(boss.get("/ops/import"))  # listed as recent


def test_an_uploaded_csv_with_serial_numbers(boss, services, sandbox, slug):
    ids = loose_devices(sandbox, 2)
    csv = f"device_id,serial_number\r\n{ids[0]},SN-A\r\n{ids[1]},SN-B\r\n".encode()
    batch_id = _batch_id(_post_import(boss, slug, file=(csv, "devices.csv")))
    batch = services.imports.work(batch_id)
    assert (batch.source, batch.added) == ("file devices.csv", 2)
    assert services.store.device(ids[1])["serial_number"] == "SN-B"


def test_ten_thousand_lines_with_three_bad_ones(boss, services, sandbox, slug):
    good = loose_devices(sandbox, 9_998)
    lines = [*good[:5000], good[0][:23], *good[5000:9000], good[1].upper(), *good[9000:], "ZZ" + good[2][2:]]
    batch_id = _batch_id(_post_import(boss, slug, ids="\n".join(lines)))

    batch = services.imports.work(batch_id)

    assert (batch.state, batch.total, batch.added, batch.invalid, batch.refused) == ("done", 10_001, 9_998, 3, 0)
    problems = boss.get(f"/ops/batches/{batch_id}?show=problems")
    rows = re.findall(r"<tr>\s*<td class=\"num\">(\d+)</td>", problems.get_data(as_text=True))
    assert rows == ["5001", "9002", "10001"]
    text = page_text(problems)
    assert "23 characters, needs 24" in text and "listed twice, see line 2" in text
    assert "'Z' is not a hex digit" in text
    every = boss.get(f"/ops/batches/{batch_id}?page=2")
    assert "Page 2 of 101" in page_text(every) and ">101<" in every.get_data(as_text=True)


def test_nothing_valid_is_refused_plainly_and_nothing_is_stored(boss, services, slug):
    refused = _post_import(boss, slug, ids="hello\n1234\n")
    assert refused.status_code == 400
    assert "None of the 2 lines is a device ID" in page_text(refused)
    assert services.imports.recent() == []


def test_a_file_over_5_mb_is_refused_plainly(boss, services, slug):
    big = b"# padding\n" * (6 * 1024 * 1024 // 10)
    refused = _post_import(boss, slug, file=(big, "huge.txt"))
    assert refused.status_code == 413 and "bigger than 5 MB" in page_text(refused)
    assert services.imports.recent() == []


def test_a_paste_bigger_than_a_form_field_usually_may_be_is_taken(boss, services, slug):
    ids = "\n".join(f"{n:024x}" for n in range(1, 30_001))  # 750 KB: over werkzeug's 500 KB default
    batch_id = _batch_id(_post_import(boss, slug, ids=ids))
    assert services.imports.batch(batch_id).total == 30_000


def test_importing_needs_the_form_token(boss, services, sandbox, slug):
    refused = _post_import(boss, slug, ids=loose_devices(sandbox, 1)[0], token=False)
    assert refused.status_code == 400 and services.imports.recent() == []


@pytest.mark.parametrize("role", ["support", "field"])
def test_only_admins_import(app, services, sandbox, slug, role):
    batch = services.imports.start_batch(None, slug, loose_devices(sandbox, 1)[0], "pasted")
    make_operator(services, "someone", role)
    browser = app.test_client()
    ops_sign_in(browser, services, "someone")
    for path in ("/ops/import", f"/ops/batches/{batch.id}", f"/ops/batches/{batch.id}.json",
                 f"/ops/batches/{batch.id}/labels", f"/ops/batches/{batch.id}/labels.pdf"):
        assert browser.get(path).status_code == 403, path
    token = csrf_token(browser.get("/ops/import"))  # the 403 page's sign-out form has one
    posted = browser.post("/ops/import", data={"csrf_token": token, "product": slug,
                                                "ids": loose_devices(sandbox, 1)[0]})
    assert posted.status_code == 403
    assert len(services.imports.recent()) == 1


def test_the_label_sheet_has_one_label_per_imported_device_whose_qr_claims_it(
        boss, services, sandbox, slug, online_device):
    new = loose_devices(sandbox, 2)
    photon = loose_devices(sandbox, 1, platform="photon")[0]  # refused by the cloud: no label
    batch_id = _batch_id(_post_import(boss, slug, ids="\n".join([*new, online_device, photon, "bad"])))
    services.imports.work(batch_id)

    sheet = boss.get(f"/ops/batches/{batch_id}/labels?paper=letter")

    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and sheet.mimetype == "text/html"
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    imported = [*new, online_device]
    assert len(svgs) == 3
    reader = QrReader()
    assert {reader.read_svg(svg, dpi=150) for svg in svgs} == {
        labels.device_claim_url("http://bff.test", LABEL_KEY, device_id) for device_id in imported}
    for device_id in imported:
        assert labels.format_label_code(services.store.device(device_id)["label_code"]) in html
    assert photon not in html
    [entry] = services.audit.entries(action="labels.print")
    assert entry.actor_login == "boss" and "3 labels" in entry.detail


def test_without_chromium_the_pdf_link_says_to_print_the_html(boss, services, sandbox, slug, monkeypatch):
    batch = services.imports.start_batch(None, slug, loose_devices(sandbox, 1)[0], "pasted")
    services.imports.work(batch.id)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    page = boss.get(f"/ops/batches/{batch.id}/labels.pdf")
    assert page.status_code == 503
    assert "Chromium" in page_text(page) and "prints from any browser" in page_text(page)


@pytest.mark.skipif(not shutil.which("chromium"), reason="PDF sheets are printed by Chromium, not installed")
def test_the_label_sheet_as_pdf(boss, services, sandbox, slug):
    batch = services.imports.start_batch(None, slug, loose_devices(sandbox, 1)[0], "pasted")
    services.imports.work(batch.id)
    pdf = boss.get(f"/ops/batches/{batch.id}/labels.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF")


def test_an_unknown_batch_is_404(boss):
    assert boss.get("/ops/batches/999").status_code == 404
