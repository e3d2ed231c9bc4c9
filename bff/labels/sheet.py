"""Printable label sheets: one label per device with its QR, label code, device ID and product.

The sheet is one self-contained HTML document (inline CSS and SVG, no fonts or other requests)
made for printing from a browser at 100% scale: `@page` sets the paper size and zero margins,
and every page is a fixed grid of labels measured in millimetres. Each label is 99.1 x 38.1 mm,
2 across and 7 down (the size of common 14-per-sheet A4 label stock); on Letter the same grid is
centred. Light dashed outlines show where to cut when printing on plain paper.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from bff.labels.codes import check_label_code, format_label_code
from bff.labels.qr import canonical_device_id, device_claim_url, qr_svg

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
SHEET_TEMPLATE = "labels/sheet.html"

Paper = Literal["a4", "letter"]


@dataclass(frozen=True)
class Label:
    """What one printed label shows; `label_code` in any accepted spelling (canonical is best)."""

    device_id: str
    label_code: str
    product_name: str
    device_name: str | None = None


@dataclass(frozen=True)
class SheetLayout:
    """The geometry of one paper size, in millimetres."""

    css_size: str  # the `@page { size: ... }` keyword
    page_width: float
    page_height: float
    columns: int = 2
    rows: int = 7
    label_width: float = 99.1
    label_height: float = 38.1
    column_gap: float = 2.5
    qr_size: float = 30.0  # the QR image including its 4-module quiet zone

    @property
    def labels_per_page(self) -> int:
        """How many labels one page holds."""
        return self.columns * self.rows

    @property
    def margin_left(self) -> float:
        """Left margin that centres the grid across the page."""
        grid_width = self.columns * self.label_width + (self.columns - 1) * self.column_gap
        return round((self.page_width - grid_width) / 2, 2)

    @property
    def margin_top(self) -> float:
        """Top margin that centres the grid down the page."""
        return round((self.page_height - self.rows * self.label_height) / 2, 2)


SHEET_LAYOUTS: dict[str, SheetLayout] = {
    "a4": SheetLayout(css_size="A4", page_width=210.0, page_height=297.0),
    "letter": SheetLayout(css_size="letter", page_width=215.9, page_height=279.4),
}


@dataclass(frozen=True)
class _LabelView:
    """One label as the template shows it."""

    device_id: str
    label_code: str  # grouped for reading
    product_name: str
    device_name: str | None
    qr_svg: Markup


def render_label_sheet(
    labels: Iterable[Label], paper: Paper, public_url: str, label_key: bytes | str
) -> str:
    """The print-ready HTML sheet for `labels` on "a4" or "letter" paper.

    Raises `ValueError` (or a `LabelCodeError`) for an unknown paper size, a malformed
    device ID or a label code that does not check: a misprinted label is worse than none.
    """
    layout = sheet_layout(paper)
    views = [_label_view(label, layout, public_url, label_key) for label in labels]
    return _sheet_template().render(
        layout=layout,
        pages=_pages(views, layout.labels_per_page),
        public_host=_public_host(public_url),
    )


def sheet_layout(paper: str) -> SheetLayout:
    """The layout for a paper name ("a4" or "letter", any case)."""
    try:
        return SHEET_LAYOUTS[paper.lower()]
    except KeyError:
        raise ValueError(f"paper must be one of {sorted(SHEET_LAYOUTS)}, not {paper!r}") from None


def _label_view(label: Label, layout: SheetLayout, public_url: str, label_key: bytes | str) -> _LabelView:
    """Check one label's data and prepare what its printed label shows."""
    url = device_claim_url(public_url, label_key, label.device_id)
    return _LabelView(
        device_id=canonical_device_id(label.device_id),
        label_code=format_label_code(check_label_code(label.label_code)),
        product_name=label.product_name,
        device_name=label.device_name or None,
        qr_svg=Markup(qr_svg(url, size_mm=layout.qr_size)),
    )


def _pages(views: list[_LabelView], per_page: int) -> list[list[_LabelView]]:
    """`views` cut into pages of at most `per_page` labels."""
    return [views[start : start + per_page] for start in range(0, len(views), per_page)]


def _public_host(public_url: str) -> str:
    """The public URL as a person would type it: host and path, no scheme."""
    parts = urlsplit(public_url.rstrip("/"))
    return (parts.netloc + parts.path) or public_url


@functools.cache
def _sheet_template() -> jinja2.Template:
    """The sheet template, loaded once with HTML escaping and strict undefined names."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(SHEET_TEMPLATE)
