"""Exports: the per-record CSV (fast path = typed path, byte for byte; parsed back, also
the Excel variant with BOM, ';' and decimal comma), XLSX with typed cells and the Metode
sheet, and JSON."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.db import commit, db
from app.reporting import records, records_csv
from app.reporting.exports import csv_chunks
from app.reporting.periods import Period

PERIOD = Period(date(2025, 1, 1), date(2026, 12, 31))


@pytest.fixture
def book(ledger, people):
    """A small ledger with everything an export must get right."""
    first = ledger.handover(at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC), kg="31.500",
                            quantity=2, price_ore=15099, waste_origin=True)
    ledger.handover(at=datetime(2026, 7, 1, 10, tzinfo=UTC), kg="0.005", category="laptop",
                    giver="nonprofit", district="", weighed=False, unit="m2", quantity=3)
    odd = ledger.handover(at=datetime(2026, 3, 29, 1, 30, tzinfo=UTC), kg="12.000",
                          district="Asker, sentrum \"øst\"", category="rugs")
    ledger.reverse(first, corrected_kg="30.250",
                   reason='=SUM(A1), "veid" på nytt\r\nAndre linje')
    ledger.reverse(odd, reason="-feil; kategori")
    commit()
    return first


def _text(chunks) -> str:
    return "".join(chunks)


@pytest.mark.parametrize("excel", [False, True])
def test_fast_record_csv_equals_the_typed_export(book, excel):
    fast = _text(records_csv.csv_stream(db.session, PERIOD, excel))
    typed = _text(csv_chunks(records.records_table(db.session, PERIOD), excel))
    assert fast == typed
    assert fast.count("\r\n") >= 6


def test_record_csv_parses_back_with_every_column(book):
    rows = list(csv.DictReader(io.StringIO(_text(records_csv.csv_stream(db.session, PERIOD)))))
    assert [c.key for c in records.columns()] == list(rows[0])
    assert len(rows) == 6
    first = rows[0]
    assert first["completed_at"] == "2026-01-01T00:30:00+01:00"
    assert (first["kind"], first["kg"], first["quantity"], first["unit"]) == (
        "handover", "31.500", "2.000", "pcs")
    assert (first["price_nok"], first["gift"], first["waste_origin"]) == ("150.99", "false",
                                                                          "true")
    assert first["municipality_number"] == "3203" and first["giver_orgnr"]
    assert first["factor_id"] and first["factor_version"] == "1"
    reversal = next(r for r in rows if r["reverses_id"] == first["id"])
    assert (reversal["kind"], reversal["kg"], reversal["price_nok"]) == (
        "reversal", "-31.500", "-150.99")
    # a formula in a text cell is neutralised in the plain CSV too (issue #14, item 14)
    assert reversal["reason"] == "'=SUM(A1), \"veid\" på nytt\r\nAndre linje"
    correction = next(r for r in rows if r["replaces_id"] == first["id"])
    assert (correction["kind"], correction["kg"], correction["weight_method"]) == (
        "correction", "30.250", "weighed")
    summer = next(r for r in rows if r["category"] == "rugs")
    assert summer["completed_at"] == "2026-03-29T03:30:00+02:00"
    assert summer["district"] == 'Asker, sentrum "øst"'
    gift = next(r for r in rows if r["category"] == "laptop")
    assert (gift["giver_orgnr"], gift["district"], gift["gift"]) == ("", "", "true")


def test_excel_csv_has_bom_semicolons_and_decimal_commas(book, people, auth, client):
    auth.login(people.officer.email)
    response = client.get("/reporting/download?table=records&format=csv_excel"
                          "&from=2025-01-01&to=2026-12-31")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert "Fullført (ISO 8601, Europe/Oslo)" in header and len(body) == 6
    kg = header.index("Kg")
    assert body[0][kg] == "31,500" and body[0][header.index("Pris (kr)")] == "150,99"
    assert body[0][header.index("Fra avfallsstrømmen")] == "ja"
    reason = [r[header.index("Begrunnelse")] for r in body if r[header.index("Begrunnelse")]]
    assert "'=SUM(A1), \"veid\" på nytt\r\nAndre linje" in reason
    assert "'-feil; kategori" in reason


def test_crlf_outside_quotes_only_across_blocks():
    text, quoted = records_csv._crlf('1,"a\nb', False)
    assert (text, quoted) == ('1,"a\nb', True)
    text, quoted = records_csv._crlf('c""d",2\n3,x\n', quoted)
    assert (text, quoted) == ('c""d",2\r\n3,x\r\n', False)


def test_workbook_has_typed_sheets_and_method(book, people, auth, client):
    auth.login(people.officer.email)
    response = client.get("/reporting/download?table=all&format=xlsx&from=2025-01-01"
                          "&to=2026-12-31")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(response.get_data()))
    assert wb.sheetnames[:2] == ["EU 2021-19 2025", "EU 2021-19 2026"]
    assert "Kategori x måned" in wb.sheetnames and wb.sheetnames[-1] == "Metode"
    eu = wb["EU 2021-19 2026"]
    header = [c.value for c in eu[2]]
    assert header[:3] == ["EU-kategori", "Produktkategori", "Tonn ombrukt"]
    categories = [eu.cell(row=r, column=1).value for r in range(3, 8)]
    assert categories == ["textiles", "eee", "furniture", "construction", "other"]
    furniture = eu.cell(row=5, column=3)
    assert furniture.value == pytest.approx(0.03025) and furniture.number_format == "#,##0.000000"
    total = [c.value for c in eu[8]]
    assert total[0] == "total" and total[2] == pytest.approx(0.030255)
    eu25 = wb["EU 2021-19 2025"]
    assert all(eu25.cell(row=r, column=3).value == 0 for r in range(3, 8))
    method = wb["Metode"]
    titles = [c.value for c in method[2]]
    for title in ("Verdi (kg CO2e per kg)", "Type (brutto/netto)", "Substitusjonsgrad",
                  "Kilde", "Versjon", "Hentet dato"):
        assert title in titles
    first = [c.value for c in method[3]]
    assert isinstance(first[titles.index("Hentet dato")], datetime)
    assert isinstance(first[titles.index("Verdi (kg CO2e per kg)")], float)
    notes = [r[0].value for r in method.iter_rows() if r and isinstance(r[0].value, str)]
    assert any("Estimert unngått utslipp" in n for n in notes)


def test_record_xlsx_has_typed_local_time(book, people, auth, client):
    auth.login(people.officer.email)
    response = client.get("/reporting/download?table=records&format=xlsx&from=2025-01-01"
                          "&to=2026-12-31")
    wb = load_workbook(io.BytesIO(response.get_data()))
    sheet = wb[wb.sheetnames[0]]
    header = [c.value for c in sheet[2]]
    local = sheet.cell(row=3, column=header.index("Fullført (norsk tid)") + 1)
    assert local.value == datetime(2026, 1, 1, 0, 30)
    kg = sheet.cell(row=3, column=header.index("Kg") + 1)
    assert kg.value == pytest.approx(31.5) and kg.number_format == "#,##0.000"
    reasons = [sheet.cell(row=r, column=header.index("Begrunnelse") + 1) for r in range(3, 9)]
    formula_like = [c for c in reasons if c.value and c.value.startswith("=SUM(A1)")]
    assert len(formula_like) == 2 and all(c.data_type == "s" for c in formula_like)


def test_record_json_download(book, people, auth, client):
    auth.login(people.officer.email)
    response = client.get("/reporting/download?table=records&format=json&from=2025-01-01"
                          "&to=2026-12-31")
    body = response.get_json()
    assert body["from"] == "2025-01-01" and len(body["records"]) == 6
    assert Decimal(str(body["records"][0]["kg"])) == Decimal("31.5")
