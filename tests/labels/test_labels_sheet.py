"""The printable label sheet: content, paper sizes, page breaks, and QRs that scan on paper."""
from __future__ import annotations

import html
import re

import pytest

from bff.labels import (
    SHEET_LAYOUTS,
    Label,
    LabelCodeTypoError,
    format_label_code,
    render_label_sheet,
    verify_qr_tag,
)

PUBLIC_URL = "https://claim.example.com"
LABEL_DIV = re.compile(r'<div class="label" data-device-id="([0-9a-f]{24})">\s*(<svg.*?</svg>)', re.S)
CLAIM_URL = re.compile(r"^https://claim\.example\.com/d/([0-9a-f]{24})\?k=([a-z2-7]{16})$")


@pytest.fixture
def label_batch() -> list[Label]:
    """Three labels: one with a device name, one code typed in lower case with spaces."""
    return [
        Label("3a0027000d47353033323637", "K7Q2M9XA3F4T", "Acme Tracker", "Truck 12"),
        Label("3A0027000D47353033323638", "9v24 fck2 mjng", "Acme Tracker"),
        Label("e00fce68c4b0d4a3c8d1f2a1", "0D8QC980J9GN", "Acme Tracker <Pro> & Co"),
    ]


@pytest.fixture
def a4_sheet(label_batch, label_key) -> str:
    """The label batch on A4 paper."""
    return render_label_sheet(label_batch, "a4", PUBLIC_URL, label_key)


def label_qrs(sheet: str) -> list[tuple[str, str]]:
    """(device ID, inline SVG) for each label on the sheet, in order."""
    return LABEL_DIV.findall(sheet)


def test_each_label_shows_its_device_code_and_product(a4_sheet, label_batch):
    for label in label_batch:
        assert label.device_id.lower() in a4_sheet
        assert format_label_code(label.label_code) in a4_sheet
    assert "Truck 12" in a4_sheet
    assert a4_sheet.count("Scan with your phone camera to claim") == len(label_batch)
    assert "or type the code at claim.example.com" in a4_sheet


def test_text_is_escaped(a4_sheet):
    assert html.escape("Acme Tracker <Pro> & Co") in a4_sheet
    assert "<Pro>" not in a4_sheet


def test_each_qr_prints_readable_at_150_dpi(a4_sheet, label_batch, qr_reader, label_key):
    found = label_qrs(a4_sheet)
    assert [device for device, _ in found] == [label.device_id.lower() for label in label_batch]
    for device, svg in found:
        url = qr_reader.read_svg(svg, dpi=150)
        linked_device, tag = CLAIM_URL.match(url).groups()
        assert linked_device == device
        assert verify_qr_tag(label_key, device, tag)


def test_qr_symbols_are_at_least_22mm_wide(a4_sheet):
    for _, svg in label_qrs(a4_sheet):
        side = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
        width_mm = float(re.search(r'width="([\d.]+)mm"', svg).group(1))
        assert width_mm * (side - 8) / side >= 22


@pytest.mark.parametrize(
    "paper, size", [("a4", "A4"), ("A4", "A4"), ("letter", "letter"), ("Letter", "letter")]
)
def test_paper_sets_the_page_size(paper, size, label_batch, label_key):
    sheet = render_label_sheet(label_batch, paper, PUBLIC_URL, label_key)
    assert re.search(r"@page\s*\{\s*size:\s*" + size + r";\s*margin:\s*0;", sheet)
    layout = SHEET_LAYOUTS[paper.lower()]
    assert f"width: {layout.page_width}mm" in sheet


@pytest.mark.parametrize("layout", SHEET_LAYOUTS.values(), ids=SHEET_LAYOUTS.keys())
def test_the_label_grid_fits_on_the_paper(layout):
    grid_width = layout.columns * layout.label_width + (layout.columns - 1) * layout.column_gap
    assert layout.margin_left >= 4 and layout.margin_top >= 4
    assert 2 * layout.margin_left + grid_width == pytest.approx(layout.page_width)
    assert layout.qr_size < layout.label_height


def test_labels_flow_onto_new_pages(label_key):
    codes = ["K7Q2M9XA3F4T", "9V24FCK2MJNG", "0D8QC980J9GN", "M12NQVJ8RMCY"]
    batch = [Label(f"{n:024x}", codes[n % 4], "Acme") for n in range(15)]
    sheet = render_label_sheet(batch, "letter", PUBLIC_URL, label_key)
    pages = sheet.split('<section class="page">')[1:]
    assert [page.count('<div class="label"') for page in pages] == [14, 1]
    assert "2 pages, letter paper" in sheet


def test_an_empty_batch_makes_a_sheet_without_pages(label_key):
    sheet = render_label_sheet([], "a4", PUBLIC_URL, label_key)
    assert "<section" not in sheet and "</html>" in sheet


def test_the_sheet_makes_no_external_requests(a4_sheet):
    assert not re.search(r"\b(src|href)\s*=|url\(|@import|<script|<link", a4_sheet, re.I)


def test_a_label_code_with_a_typo_is_not_printed(label_key):
    with pytest.raises(LabelCodeTypoError):
        render_label_sheet(
            [Label("3a0027000d47353033323637", "K7Q2M9XA3F4V", "Acme")], "a4", PUBLIC_URL, label_key
        )


def test_a_malformed_device_id_is_not_printed(label_key):
    with pytest.raises(ValueError, match="device ID"):
        render_label_sheet([Label("3a0027", "K7Q2M9XA3F4T", "Acme")], "a4", PUBLIC_URL, label_key)


def test_unknown_paper_is_refused(label_batch, label_key):
    with pytest.raises(ValueError, match="paper"):
        render_label_sheet(label_batch, "a5", PUBLIC_URL, label_key)
