"""Box labels: human label codes, QR possession tags, QR images and printable label sheets.

Everything here is pure: nothing is stored or sent. The caller keeps each device's label code
(SQLite, see bff/db/store.py) and passes `BFF_LABEL_KEY` and `BFF_PUBLIC_URL` in.

- `bff.labels.codes`: the 12-symbol label code with its check symbol, derived from the device ID
  under `BFF_LABEL_KEY` (scheme and proof there).
- `bff.labels.qr`: the QR possession tag, the claim URL and QR images (SVG and PNG).
- `bff.labels.sheet`: the print-ready HTML label sheet (templates/labels/sheet.html).

Import from this module; the split is only to keep each file short.
"""
from bff.labels.codes import (
    LABEL_CODE_ALPHABET,
    LABEL_CODE_EXAMPLE,
    LABEL_CODE_LENGTH,
    LABEL_CODE_RANDOM_BITS,
    LabelCodeError,
    LabelCodeTypoError,
    NotALabelCodeError,
    check_label_code,
    derived_label_code,
    derived_label_codes,
    format_label_code,
    is_label_code,
    label_check_symbol,
    new_label_code,
    normalize_label_code,
)
from bff.labels.qr import (
    QR_ERROR_CORRECTION,
    QR_QUIET_ZONE_MODULES,
    QR_TAG_BITS,
    claim_url,
    device_claim_url,
    qr_matrix,
    qr_png,
    qr_svg,
    qr_tag,
    verify_qr_tag,
)
from bff.labels.sheet import SHEET_LAYOUTS, Label, SheetLayout, render_label_sheet, sheet_layout

__all__ = [
    "LABEL_CODE_ALPHABET",
    "LABEL_CODE_EXAMPLE",
    "LABEL_CODE_LENGTH",
    "LABEL_CODE_RANDOM_BITS",
    "LabelCodeError",
    "LabelCodeTypoError",
    "NotALabelCodeError",
    "check_label_code",
    "derived_label_code",
    "derived_label_codes",
    "format_label_code",
    "is_label_code",
    "label_check_symbol",
    "new_label_code",
    "normalize_label_code",
    "QR_ERROR_CORRECTION",
    "QR_QUIET_ZONE_MODULES",
    "QR_TAG_BITS",
    "claim_url",
    "device_claim_url",
    "qr_matrix",
    "qr_png",
    "qr_svg",
    "qr_tag",
    "verify_qr_tag",
    "SHEET_LAYOUTS",
    "Label",
    "SheetLayout",
    "render_label_sheet",
    "sheet_layout",
]
