"""QR images: they decode at printed sizes, keep their quiet zone, and survive some damage."""
from __future__ import annotations

import io

import pytest
import qrcode.constants
from PIL import Image, ImageDraw

from bff import labels
from bff.labels import device_claim_url, qr_matrix, qr_png, qr_svg

QUIET = labels.QR_QUIET_ZONE_MODULES
LONG_PUBLIC_URL = "https://devices.claim.some-long-company-name.example.com/bff"


@pytest.fixture
def claim_link(public_url, label_key, device_id) -> str:
    """The URL a box QR holds for the default public URL."""
    return device_claim_url(public_url, label_key, device_id)


@pytest.fixture
def long_claim_link(label_key, device_id) -> str:
    """A claim URL under a long public URL (a bigger, denser QR)."""
    return device_claim_url(LONG_PUBLIC_URL, label_key, device_id)


def version_of(matrix: list[list[bool]]) -> int:
    """The QR version of a matrix with its quiet zone."""
    return (len(matrix) - 2 * QUIET - 17) // 4


def module_box(x: int, y: int, side: int, module_px: int) -> list[int]:
    """The pixel box of a square of `side` modules whose top-left module is (x, y)."""
    return [x * module_px, y * module_px, (x + side) * module_px - 1, (y + side) * module_px - 1]


def matrix_image(matrix: list[list[bool]], module_px: int) -> Image.Image:
    """The matrix drawn with square modules, for damage experiments."""
    image = Image.new("L", (len(matrix) * module_px,) * 2, 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle(module_box(x, y, 1, module_px), fill=0)
    return image


def test_png_decodes_to_the_claim_url(qr_reader, claim_link):
    assert qr_reader.read_png(qr_png(claim_link)) == claim_link
    assert qr_reader.read_png(qr_png(claim_link, module_px=2)) == claim_link


def test_png_has_square_modules_and_a_4_module_quiet_zone(claim_link):
    image = Image.open(io.BytesIO(qr_png(claim_link, module_px=5))).convert("L")
    side = len(qr_matrix(claim_link))
    assert image.size == (side * 5, side * 5)
    border = image.crop((0, 0, image.width, QUIET * 5))
    assert border.getextrema() == (255, 255)


def test_matrix_has_a_4_module_quiet_zone(claim_link):
    matrix = qr_matrix(claim_link)
    rows_and_columns = matrix[:QUIET] + matrix[-QUIET:] + [row[:QUIET] + row[-QUIET:] for row in matrix]
    assert not any(any(line) for line in rows_and_columns)
    assert matrix[QUIET][QUIET]  # the top-left finder pattern starts right after the quiet zone


def test_error_correction_is_level_q():
    assert labels.QR_ERROR_CORRECTION == qrcode.constants.ERROR_CORRECT_Q


def test_svg_can_be_inlined_in_html(claim_link):
    svg = qr_svg(claim_link, size_mm=25)
    side = len(qr_matrix(claim_link))
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert svg.count("<path") == 1
    assert f'viewBox="0 0 {side} {side}"' in svg
    assert 'width="25mm" height="25mm"' in svg
    assert f'<rect width="{side}" height="{side}" fill="#fff"/>' in svg


def test_svg_without_size_scales_to_its_container(claim_link):
    assert "width=" not in qr_svg(claim_link).split("<rect")[0]


def test_svg_path_draws_exactly_the_dark_modules(svg_rasterizer, claim_link):
    matrix = qr_matrix(claim_link)
    dark = {(x, y) for y, row in enumerate(matrix) for x, is_dark in enumerate(row) if is_dark}
    assert svg_rasterizer.dark_modules(qr_svg(claim_link)) == dark


@pytest.mark.parametrize("dpi", [150, 300])
@pytest.mark.parametrize("link", ["claim_link", "long_claim_link"])
def test_svg_printed_25mm_wide_decodes(qr_reader, request, link, dpi):
    url = request.getfixturevalue(link)
    assert qr_reader.read_svg(qr_svg(url, size_mm=25), dpi=dpi) == url


def test_a_scratch_over_an_eighth_of_the_symbol_still_reads(qr_reader, claim_link):
    matrix = qr_matrix(claim_link)
    symbol_side = len(matrix) - 2 * QUIET
    scratch = round(symbol_side * 0.36)  # 0.36**2 = 13% of the symbol's area
    start = (len(matrix) - scratch) // 2
    image = matrix_image(matrix, module_px=6)
    ImageDraw.Draw(image).rectangle(module_box(start, start, scratch, 6), fill=255)
    assert qr_reader.read_image(image) == claim_link


def test_usual_claim_urls_fit_in_a_small_qr(claim_link, long_claim_link):
    assert version_of(qr_matrix(claim_link)) <= 6
    assert version_of(qr_matrix(long_claim_link)) <= 8


def test_an_80_bit_tag_makes_the_qr_no_bigger_than_a_64_bit_one(public_url, device_id):
    tag_64_bits = "a" * 13  # 13 base32 symbols = 65 bits
    tag_80_bits = "a" * 16
    urls = [labels.claim_url(public_url, device_id, tag) for tag in (tag_64_bits, tag_80_bits)]
    sides = [len(qr_matrix(url)) for url in urls]
    assert sides[0] == sides[1]
