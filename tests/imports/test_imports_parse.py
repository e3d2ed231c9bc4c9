"""Reading a list of devices: one device a line, a serial number may follow; every line accounted for."""
from __future__ import annotations

import pytest

from bff.errors import ImportRefused
from bff.imports import MAX_LINES, parse_device_list

A = "e00fce68a1b2c3d4e5f60718"
B = "3a0027000d47353033323637"


def _by_line(lines):
    return {line.line_no: line for line in lines}


def test_ids_in_any_case_with_serial_numbers_after_a_comma_tab_or_spaces():
    text = f"{A.upper()}\n{B}, SN-2\nabcdef0123456789abcdef01\tSN-3\n0123456789abcdef01234567   SN 4\n"
    lines = _by_line(parse_device_list(text))
    assert [lines[n].device_id for n in (1, 2, 3, 4)] == [
        A, B, "abcdef0123456789abcdef01", "0123456789abcdef01234567"]
    assert [lines[n].serial_number for n in (1, 2, 3, 4)] == [None, "SN-2", "SN-3", "SN 4"]
    assert all(line.result == "pending" and line.reason is None for line in lines.values())


def test_header_blank_lines_and_comments_are_skipped_and_line_numbers_stay_the_files():
    text = f"device_id,serial\n\n# box 1\n{A},S1\n  \n{B},S2\n"
    lines = parse_device_list(text)
    assert [(line.line_no, line.device_id) for line in lines] == [(4, A), (6, B)]


def test_a_quoted_csv_and_a_byte_order_mark():
    data = ('\ufeff"Device ID","Serial"\r\n' f'"{A}","SN-1"\r\n').encode("utf-8")
    [line] = parse_device_list(data)
    assert (line.line_no, line.device_id, line.serial_number) == (2, A, "SN-1")


@pytest.mark.parametrize("written, reason", [
    (A[:23], "not a device ID: 23 characters, needs 24"),
    (A + "0", "not a device ID: 25 characters, needs 24"),
    (A[:23] + "g", "not a device ID: 'g' is not a hex digit (0-9, a-f)"),
    ("SN-12345", "not a device ID: 'S' is not a hex digit (0-9, a-f)"),
])
def test_an_invalid_line_says_why(written, reason):
    lines = _by_line(parse_device_list(f"{B}\n{written}, serial\n"))
    assert lines[2].result == "invalid" and lines[2].reason == reason
    assert lines[2].raw == f"{written}, serial" and lines[2].device_id is None
    assert lines[1].result == "pending"


def test_a_device_listed_twice_points_at_the_first_line():
    lines = _by_line(parse_device_list(f"# ids\n{B}\n{A}\n{A.upper()}, other serial\n"))
    assert lines[3].result == "pending"
    assert (lines[4].result, lines[4].reason) == ("invalid", "listed twice, see line 3")


@pytest.mark.parametrize("text", ["", "\n\n# only a comment\n", "device_id,serial\n"])
def test_nothing_to_import_is_refused(text):
    with pytest.raises(ImportRefused):
        parse_device_list(text)


def test_a_list_without_one_valid_id_is_refused_with_the_first_reason():
    with pytest.raises(ImportRefused) as refused:
        parse_device_list("1234\nhello world\n")
    assert "None of the 2 lines" in refused.value.public_message
    assert "4 characters, needs 24" in refused.value.public_message


def test_more_than_the_line_limit_is_refused():
    ids = [f"{n:024x}" for n in range(MAX_LINES + 1)]
    assert len(parse_device_list("\n".join(ids[:MAX_LINES]))) == MAX_LINES
    with pytest.raises(ImportRefused) as refused:
        parse_device_list("\n".join(ids))
    assert "100,000" in refused.value.public_message


def test_more_than_5_mb_is_refused():
    with pytest.raises(ImportRefused) as refused:
        parse_device_list(b"# " + b"x" * (5 * 1024 * 1024) + b"\n" + A.encode())
    assert "5 MB" in refused.value.public_message
