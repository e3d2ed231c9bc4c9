"""Fixtures for the label tests: keys, devices, a builder of valid codes and a QR reader.

The QR reader decodes with zxing-cpp. SVGs are rendered by `SvgRasterizer` below, a small
rasterizer for exactly the SVG subset bff emits (a viewBox, a size in mm, one path of
M/m/H/h/V/v/Z/z commands), at a printed size and resolution, with 4x supersampling to get the
grey edges a printer and camera produce. No SVG library that renders offline is installed
(cairosvg needs the Cairo C library), and rendering our own path text tests more than
re-drawing `qrcode`'s matrix would.
"""
from __future__ import annotations

import io
import random
import re
from collections import deque

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from bff import labels

MM_PER_INCH = 25.4
SUPERSAMPLING = 4


class CodeBuilder:
    """Builds valid label codes with chosen symbols at chosen positions, the rest random."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def build(self, pinned: dict[int, str]) -> str:
        """A valid canonical code with `pinned[position]` at each pinned position."""
        last = labels.LABEL_CODE_LENGTH - 1
        free = [p for p in range(last) if p not in pinned]
        for _ in range(1000):
            symbols = [pinned.get(p) or self.rng.choice(labels.LABEL_CODE_ALPHABET) for p in range(last)]
            if last in pinned:
                self._solve(symbols, self.rng.choice(free), pinned[last])
            code = "".join(symbols) + labels.label_check_symbol("".join(symbols))
            if all(code[p] == symbol for p, symbol in pinned.items()):
                return code
        raise AssertionError(f"no code with {pinned}")

    @staticmethod
    def _solve(symbols: list[str], position: int, check: str) -> None:
        """Set `symbols[position]` so that the check symbol becomes `check` (tries all 29)."""
        for candidate in labels.LABEL_CODE_ALPHABET:
            symbols[position] = candidate
            if labels.label_check_symbol("".join(symbols)) == check:
                return


class SvgRasterizer:
    """Renders bff's QR SVG text to a greyscale PIL image at a printed size and resolution."""

    NUMBER_OR_COMMAND = re.compile(r"[MmHhVvZz]|-?\d+(?:\.\d+)?")

    def render(self, svg: str, dpi: float, size_mm: float | None = None) -> Image.Image:
        """The SVG as printed at `dpi`: `size_mm` wide, or as wide as its own width attribute."""
        side = float(re.search(r'viewBox="0 0 (\S+) \S+"', svg).group(1))
        size_mm = size_mm or float(re.search(r'width="([\d.]+)mm"', svg).group(1))
        pixels = round(size_mm / MM_PER_INCH * dpi)
        scale = pixels * SUPERSAMPLING / side
        image = Image.new("L", (pixels * SUPERSAMPLING,) * 2, 255)
        draw = ImageDraw.Draw(image)
        for polygon in self.polygons(re.search(r'<path[^>]* d="([^"]*)"', svg).group(1)):
            draw.polygon([(x * scale, y * scale) for x, y in polygon], fill=0)
        return image.resize((pixels, pixels), Image.BOX)

    def polygons(self, path_data: str) -> list[list[tuple[float, float]]]:
        """The closed sub-paths of the path data, as lists of points in user units."""
        tokens = deque(self.NUMBER_OR_COMMAND.findall(path_data))
        shapes, points, x, y = [], [], 0.0, 0.0
        while tokens:
            command = tokens.popleft()
            if command in "Zz":
                shapes.append(points)
                x, y = points[0]
                points = []
                continue
            if command in "Mm":
                dx, dy = float(tokens.popleft()), float(tokens.popleft())
                x, y = (x + dx, y + dy) if command == "m" else (dx, dy)
            else:
                value = float(tokens.popleft())
                x = {"H": value, "h": x + value}.get(command, x)
                y = {"V": value, "v": y + value}.get(command, y)
            points.append((x, y))
        return shapes

    def dark_modules(self, svg: str) -> set[tuple[int, int]]:
        """The (column, row) of every unit square the path covers (for 1x1-grid rectangles)."""
        path_data = re.search(r'<path[^>]* d="([^"]*)"', svg).group(1)
        cells = set()
        for polygon in self.polygons(path_data):
            xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
            cells |= {
                (col, row)
                for col in range(int(min(xs)), int(max(xs)))
                for row in range(int(min(ys)), int(max(ys)))
            }
        return cells


class QrReader:
    """Decodes QR images with zxing-cpp; each method returns the text, or None if unreadable."""

    def __init__(self):
        self.rasterizer = SvgRasterizer()

    def read_image(self, image: Image.Image) -> str | None:
        """The text of the single QR code in a PIL image."""
        results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        return results[0].text if len(results) == 1 and results[0].valid else None

    def read_png(self, png: bytes) -> str | None:
        """The text of a PNG image."""
        return self.read_image(Image.open(io.BytesIO(png)))

    def read_svg(self, svg: str, dpi: float, size_mm: float | None = None) -> str | None:
        """The text of an SVG printed at `dpi` (and `size_mm` wide, else its own width)."""
        return self.read_image(self.rasterizer.render(svg, dpi, size_mm))


@pytest.fixture
def code_builder() -> CodeBuilder:
    """A builder of valid codes, seeded so every run checks the same codes."""
    return CodeBuilder(random.Random(20261125))


@pytest.fixture(scope="session")
def qr_reader() -> QrReader:
    """A QR reader for PNG images and for SVG printed at a chosen size."""
    return QrReader()


@pytest.fixture(scope="session")
def svg_rasterizer() -> SvgRasterizer:
    """The test-side renderer of bff's SVG subset."""
    return SvgRasterizer()


@pytest.fixture
def label_key() -> bytes:
    """A label key as `BFF_LABEL_KEY` would provide it."""
    return b"test-label-key-0123456789abcdef"


@pytest.fixture
def device_id() -> str:
    """A Particle device ID (24 hex characters, lower case)."""
    return "3a0027000d47353033323637"


@pytest.fixture
def public_url() -> str:
    """The default `BFF_PUBLIC_URL`."""
    return "http://127.0.0.1:5000"
