"""`/ops/audit`: filters, paging, the CSV export (parsed), formulas defused, and who may read it."""
from __future__ import annotations

import csv
import re
import io

import pytest

from bff.audit import safe_cell

from tests.support.ops import make_operator, ops_sign_in
from tests.support.pages import page_text

DEVICE = "0123456789abcdef01234567"


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_entries_are_listed_newest_first_with_their_parts(desk, services, operator_named):
    client, support = desk, operator_named("desk")
    services.audit.record(support, "device.release", device_id=DEVICE, person_id=7, detail="detail-one")
    services.audit.record(support, "claim.cancel", result="refused", detail="detail-two")
    text = page_text(client.get("/ops/audit"))
    assert text.index("detail-two") < text.index("detail-one")
    assert "desk (support)" in text and DEVICE in text and "refused" in text


@pytest.mark.parametrize("query, expected", [
    ("action=claim.cancel", ["b"]),
    (f"device_id={DEVICE.upper()}", ["a"]),
    ("person_id=7", ["a"]),
    ("result=refused", ["b"]),
    ("", ["c", "b", "a"]),
])
def test_filters_select_entries_and_the_csv_follows_them(desk, services, operator_named, query, expected):
    client, support = desk, operator_named("desk")
    services.audit.record(support, "device.release", device_id=DEVICE, person_id=7, detail="a")
    services.audit.record(support, "claim.cancel", result="refused", detail="b")
    services.audit.record(None, "operator.create", detail="c")
    rows = rows_of(client.get(f"/ops/audit?format=csv&{query}"))
    assert [row["detail"] for row in rows if row["detail"] in ("a", "b", "c")] == expected


def test_the_csv_is_a_download_with_utc_times_and_every_column(desk, services, operator_named):
    client, support = desk, operator_named("desk")
    services.audit.record(support, "device.give", device_id=DEVICE, person_id=3, detail="to +1 201 555 0100")
    response = client.get("/ops/audit?format=csv&action=device.give")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    [row] = rows_of(response)
    assert set(row) == {"id", "at_utc", "actor", "role", "action", "device_id", "person_id", "result", "detail"}
    assert (row["actor"], row["role"], row["device_id"], row["person_id"]) == ("desk", "support", DEVICE, "3")
    assert row["detail"] == "to +1 201 555 0100" and row["at_utc"][:2] == "20"


@pytest.mark.parametrize("value, cell", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1 201", "'+1 201"), ("-2", "'-2"), ("@sum", "'@sum"),
    ("plain", "plain"), (None, ""), (12, "12"),
])
def test_cells_a_spreadsheet_would_run_are_defused(value, cell):
    assert safe_cell(value) == cell


def test_date_filters_and_unreadable_filters(desk, services, operator_named):
    client, support = desk, operator_named("desk")
    services.audit.record(support, "claim.retry", detail="today")
    assert rows_of(client.get("/ops/audit?format=csv&from=2000-01-01&to=2000-01-02")) == []
    page = client.get("/ops/audit?from=yesterday&person_id=abc")
    text = page_text(page)
    assert page.status_code == 200 and "The from date must look like 2026-12-01." in text
    assert "person id must be a number." in text and "today" in text


def test_paging_goes_to_older_entries(desk, services, operator_named, monkeypatch):
    client, support = desk, operator_named("desk")
    monkeypatch.setattr("bff.ops.audit.PAGE_SIZE", 3)
    for n in range(5):
        services.audit.record(support, "claim.retry", detail=f"entry-{n}")
    first = client.get("/ops/audit?action=claim.retry")
    assert "entry-4" in first.text and "entry-1" not in first.text

    link = re.search(r'href="(/ops/audit\?[^"]*before=\d+[^"]*)"', first.text).group(1).replace("&amp;", "&")
    second = client.get(link)
    assert "entry-1" in second.text and "entry-0" in second.text and "entry-4" not in second.text


def test_field_crews_cannot_read_the_audit_log(app, services):
    make_operator(services, "crew", "field")
    client = app.test_client()
    ops_sign_in(client, services, "crew")
    assert client.get("/ops/audit").status_code == 403
    assert client.get("/ops/audit?format=csv").status_code == 403
