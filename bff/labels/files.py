"""Label sheets as files: print-ready HTML, or PDF printed by headless Chromium when present."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from bff.errors import BffError
from bff.labels.sheet import Label, render_label_sheet

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-pdf-header-footer"]
PDF_TIMEOUT_SECONDS = 120


class LabelSheetError(BffError):
    """A label sheet could not be written."""

    public_message = "We could not write the label sheet."
    next_step = "Check the file name and try again."


def sheet_html(services, rows: list[dict], paper: str, config) -> str:
    """The HTML sheet for known-device rows (each with its label code)."""
    labels = [
        Label(device_id=row["device_id"], label_code=row["label_code"],
              product_name=services.devices.view(row).product_name, device_name=row.get("name"))
        for row in rows
    ]
    return render_label_sheet(labels, paper, config["PUBLIC_URL"], config["LABEL_KEY"])


def write_sheet(html: str, out_path: Path) -> None:
    """Write `html` to `out_path`: as is for .html, printed to PDF for .pdf."""
    suffix = out_path.suffix.lower()
    if suffix in (".html", ".htm"):
        out_path.write_text(html, encoding="utf-8")
    elif suffix == ".pdf":
        print_pdf(html, out_path)
    else:
        raise LabelSheetError(f"unknown sheet format {suffix!r}",
                              public_message="The file name must end in .html or .pdf.",
                              next_step="Choose a name like sheet.html or sheet.pdf.")


def print_pdf(html: str, out_path: Path) -> None:
    """Print the sheet to PDF with headless Chromium (the @page size sets the paper)."""
    browser = next((shutil.which(name) for name in CHROMIUM_NAMES if shutil.which(name)), None)
    if browser is None:
        raise LabelSheetError("no chromium", public_message="PDF needs Chromium, which is not installed.",
                              next_step="Write .html and print it from a browser.")
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "sheet.html"
        page.write_text(html, encoding="utf-8")
        command = [browser, *CHROMIUM_ARGS, f"--user-data-dir={folder}/profile",
                   f"--print-to-pdf={out_path.resolve()}", page.as_uri()]
        subprocess.run(command, check=True, capture_output=True, timeout=PDF_TIMEOUT_SECONDS)
    if not out_path.exists():
        raise LabelSheetError("chromium wrote no PDF", public_message="Chromium did not write the PDF.",
                              next_step="Write .html and print it from a browser.")
