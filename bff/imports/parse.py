"""Reading a list of devices to import: pasted text or an uploaded .txt / .csv file.

One device a line: a device ID (24 hex characters, any case), optionally followed by its serial
number after a comma, a semicolon, a tab or spaces. Blank lines and `#` comments are skipped, and
so is a header line such as `device_id,serial`. Every other line becomes one line of the batch:
pending (to be imported) or invalid, with the reason in plain words (`not a device ID: 23
characters, needs 24`, `listed twice, see line 3`). Line numbers are the file's own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bff.device_ids import is_device_id, normalize_device_id
from bff.errors import ImportRefused

MAX_BYTES = 5 * 1024 * 1024
MAX_LINES = 100_000
RAW_LIMIT = 200  # characters of a line kept to show the operator
SERIAL_LIMIT = 64
_SEPARATOR = re.compile(r"\s*[,;\t]\s*|\s+")
_HEADER_WORD = re.compile(r"[a-z_ ]*(device|id|serial)[a-z_ ]*", re.IGNORECASE)
_NOT_HEX = re.compile(r"[^0-9a-fA-F]")


@dataclass(frozen=True)
class ParsedLine:
    line_no: int
    raw: str
    device_id: str | None
    serial_number: str | None
    result: str  # pending | invalid
    reason: str | None = None

    def as_row(self) -> dict:
        return {"line_no": self.line_no, "raw": self.raw, "device_id": self.device_id,
                "serial_number": self.serial_number, "result": self.result, "reason": self.reason}


def parse_device_list(content: str | bytes) -> list[ParsedLine]:
    """Every device line of `content`; raises ImportRefused when there is nothing to import."""
    text = _text(content)
    lines: list[ParsedLine] = []
    first_line_of: dict[str, int] = {}
    for line_no, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#") or (not lines and _is_header(stripped)):
            continue
        if len(lines) >= MAX_LINES:
            raise ImportRefused(f"more than {MAX_LINES} lines", public_message=(
                f"The list has more than {MAX_LINES:,} devices."),
                next_step=f"Split it into lists of at most {MAX_LINES:,} lines.")
        lines.append(parse_line(line_no, stripped, first_line_of))
    _refuse_unless_some_valid(lines)
    return lines


def parse_line(line_no: int, stripped: str, first_line_of: dict[str, int]) -> ParsedLine:
    """One line: pending, or invalid with the reason (`first_line_of` remembers IDs seen)."""
    first, rest = _split(stripped)
    raw = stripped[:RAW_LIMIT]
    serial = rest.strip().strip("\"'")[:SERIAL_LIMIT] or None
    if not is_device_id(first):
        return ParsedLine(line_no, raw, None, serial, "invalid", why_not_a_device_id(first))
    device_id = normalize_device_id(first)
    if device_id in first_line_of:
        return ParsedLine(line_no, raw, device_id, serial, "invalid",
                          f"listed twice, see line {first_line_of[device_id]}")
    first_line_of[device_id] = line_no
    return ParsedLine(line_no, raw, device_id, serial, "pending")


def _split(stripped: str) -> tuple[str, str]:
    """(the first field without quotes around it, the rest of the line)."""
    parts = _SEPARATOR.split(stripped, maxsplit=1)
    return parts[0].strip("\"'"), parts[1] if len(parts) > 1 else ""


def why_not_a_device_id(text: str) -> str:
    """The plain reason `text` is not a device ID."""
    bad = _NOT_HEX.search(text)
    if bad:
        return f"not a device ID: {bad.group()!r} is not a hex digit (0-9, a-f)"
    return f"not a device ID: {len(text)} characters, needs 24"


def _text(content: str | bytes) -> str:
    data = content if isinstance(content, bytes) else content.encode("utf-8", errors="replace")
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"{len(data)} bytes", public_message="The list is bigger than 5 MB.",
                            next_step=f"Split it into files of at most 5 MB ({MAX_LINES:,} lines).")
    if isinstance(content, str):
        return content
    return data.decode("utf-8-sig", errors="replace")


def _is_header(stripped: str) -> bool:
    first = _split(stripped)[0]
    return not is_device_id(first) and _HEADER_WORD.fullmatch(first) is not None


def _refuse_unless_some_valid(lines: list[ParsedLine]) -> None:
    if not lines:
        raise ImportRefused("nothing to import")
    if all(line.result == "invalid" for line in lines):
        raise ImportRefused(
            f"no valid device ID in {len(lines)} lines",
            public_message=f"None of the {len(lines)} lines is a device ID (line {lines[0].line_no}: "
                           f"{lines[0].reason}).")
