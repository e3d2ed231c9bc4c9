"""QR possession tags, claim URLs and QR images (SVG and PNG) for box labels.

The QR on a box holds ``{PUBLIC_URL}/d/{device_id}?k={tag}``. The tag proves that the person
holds the box: it is HMAC-SHA256 of the lower-case device ID under `BFF_LABEL_KEY`, cut to
80 bits and written as 16 lower-case base32 letters (10 bytes encode to exactly 16 symbols,
so there is no padding, and a-z2-7 needs no escaping in a URL). 80 bits is well above the
64-bit floor: tags are only checked online, one guess per request, and wrong tags are limited
per person, phone and address (bff/guesses.py, checked in bff/claims/proofs.py), so
guessing one device's tag with a 2**-80 chance per try is out of reach; 3 more symbols than
64 bits would need do not make the QR bigger for usual public URLs (see `tests/labels`).

QR images use error correction level Q (about 25% of the symbol can be lost): box labels get
scuffed, creased, taped over and printed on cheap thermal printers, and the claim URL is short,
so Q costs one QR version (four modules a side) over M. The quiet zone is the 4 modules the QR
standard asks for, and it is part of every image, so a label needs no extra white margin.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import itertools
from urllib.parse import quote

import qrcode
import qrcode.constants

from bff.device_ids import is_device_id, normalize_device_id

QR_TAG_BITS = 80
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_Q
QR_QUIET_ZONE_MODULES = 4


def qr_tag(label_key: bytes | str, device_id: str) -> str:
    """The possession tag for a device: 16 lower-case base32 symbols (80 bits of HMAC-SHA256).

    `label_key` is `BFF_LABEL_KEY` (a str is used as its UTF-8 bytes); the device ID may be
    in any case. Raises `ValueError` for an empty key or a malformed device ID.
    """
    message = canonical_device_id(device_id).encode("ascii")
    digest = hmac.new(_key_bytes(label_key), message, hashlib.sha256).digest()
    return base64.b32encode(digest[: QR_TAG_BITS // 8]).decode("ascii").lower()


def verify_qr_tag(label_key: bytes | str, device_id: str, tag: str) -> bool:
    """Whether `tag` is the device's possession tag; constant-time, any case for both."""
    if not isinstance(tag, str) or not tag.isascii() or not is_device_id(device_id):
        return False
    expected = qr_tag(label_key, device_id)
    return hmac.compare_digest(expected.encode("ascii"), tag.strip().lower().encode("ascii"))


def claim_url(public_url: str, device_id: str, tag: str) -> str:
    """The URL a box QR holds: ``{public_url}/d/{device_id}?k={tag}``, device ID in lower case."""
    return f"{public_url.rstrip('/')}/d/{canonical_device_id(device_id)}?k={quote(tag, safe='')}"


def device_claim_url(public_url: str, label_key: bytes | str, device_id: str) -> str:
    """The claim URL for a device with its possession tag computed under `label_key`."""
    return claim_url(public_url, device_id, qr_tag(label_key, device_id))


def canonical_device_id(device_id: str) -> str:
    """A Particle device ID in lower case; raises `ValueError` (InvalidDeviceId) unless it is 24 hex characters."""
    return normalize_device_id(device_id)


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR symbol for `data` as rows of modules (True = dark), quiet zone included."""
    return _qr_code(data, box_size=1).get_matrix()


def qr_svg(data: str, size_mm: float | None = None) -> str:
    """The QR as SVG text to inline in HTML (no XML prolog): a white square and one path.

    One user unit is one module. With `size_mm` the image has that printed width and height;
    without it, it scales to its container.
    """
    matrix = qr_matrix(data)
    side = len(matrix)
    size = f' width="{size_mm:g}mm" height="{size_mm:g}mm"' if size_mm else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}"{size}'
        ' shape-rendering="crispEdges" role="img" aria-label="QR code">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{svg_path_data(matrix)}"/></svg>'
    )


def svg_path_data(matrix: list[list[bool]]) -> str:
    """SVG path data drawing each horizontal run of dark modules as one rectangle."""
    return "".join(
        f"M{x} {y}h{width}v1h-{width}z"
        for y, row in enumerate(matrix)
        for x, width in _dark_runs(row)
    )


def qr_png(data: str, module_px: int = 10) -> bytes:
    """The QR as PNG bytes, black on white, `module_px` pixels per module."""
    image = _qr_code(data, box_size=module_px).make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _qr_code(data: str, box_size: int) -> qrcode.QRCode:
    """A QR code object for `data` at the smallest version that holds it."""
    code = qrcode.QRCode(
        error_correction=QR_ERROR_CORRECTION, border=QR_QUIET_ZONE_MODULES, box_size=box_size
    )
    code.add_data(data)
    code.make(fit=True)
    return code


def _dark_runs(row: list[bool]):
    """(start, length) of each run of dark modules in a row."""
    x = 0
    for dark, run in itertools.groupby(row):
        length = len(list(run))
        if dark:
            yield x, length
        x += length


def _key_bytes(label_key: bytes | str) -> bytes:
    """The label key as bytes; an empty key would make every tag forgeable."""
    key = label_key.encode("utf-8") if isinstance(label_key, str) else bytes(label_key)
    if not key:
        raise ValueError("the label key (BFF_LABEL_KEY) is empty")
    return key
