"""Bulk import: CSV (comma, semicolon, BOM, Windows-1252), XLSX, bad rows, templates,
the command and the page."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app import outbox
from app.db import db
from app.listings import CHANGED, importer, spreadsheet
from app.listings.models import Listing

HEADER = ["tittel", "kategori", "tilstand", "antall", "enhet", "vekt_per_enhet_kg", "pris_nok",
          "postnummer", "adresse", "tilgjengelig_til", "materiale", "mål"]
UNTIL = (date.today() + timedelta(days=30)).isoformat()
GOOD = [
    ["Kontorstoler", "office-chair", "god", "12", "stk", "", "0", "1394", "Nesbruveien 75",
     UNTIL, "Stål", ""],
    ["Teglstein", "Teglstein", "brukbar", "2400", "", "3,1", "2,50", "1389", "", "", "Tegl",
     "228 x 108 x 62 mm"],
    ["Dører", "Door", "som ny", "4", "stk", "", "150", "3470", "", "", "", "80 x 210"],
]
BAD = [
    ["", "office-chair", "god", "1", "stk", "", "", "1394", "", "", "", ""],  # no title
    ["Romskip", "romskip", "god", "1", "stk", "", "", "1394", "", "", "", ""],
    ["Minus", "desk", "god", "-2", "stk", "", "-1", "12", "", "", "", ""],
    ["Datofeil", "desk", "god", "1", "stk", "", "", "1394", "", "31.02.2027", "", ""],
]


def _csv(rows, delimiter=",", bom=False, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([HEADER, *rows])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode(encoding)


def _xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _titles() -> list[str]:
    return sorted(db.session.scalars(sa.select(Listing.title)))


@pytest.mark.parametrize("data", [
    _csv(GOOD), _csv(GOOD, ";", bom=True), _csv(GOOD, ";", encoding="cp1252"), _xlsx(GOOD),
], ids=["comma", "semicolon-bom", "cp1252", "xlsx"])
def test_valid_rows_are_imported_in_every_format(app, owner, data):
    result = importer.import_listings(data, owner.org, owner.user)
    assert (result.rows, result.created, result.errors, result.file_errors) == (3, 3, [], [])
    listings = {x.title: x for x in db.session.scalars(sa.select(Listing))}
    chairs, bricks, doors = listings["Kontorstoler"], listings["Teglstein"], listings["Dører"]
    assert chairs.weight_estimated and chairs.unit_weight_kg == 15 and chairs.status == "draft"
    assert chairs.available_until.date().isoformat() == UNTIL
    assert bricks.unit == "pcs" and bricks.price_ore == 250 and not bricks.weight_estimated
    assert doors.condition == "like_new" and doors.category.slug == "door"
    assert doors.district == "Slemmestad" and doors.dimensions == "80 x 210"
    assert chairs.organization_id == owner.org.id and chairs.created_by_id == owner.user.id


def test_xlsx_cells_keep_their_types(app, owner):
    row = ["Vinduer", "window", "ny", 8, "stk", 32.5, 1200, 1389, "", date.today() +
           timedelta(days=10), "", ""]
    result = importer.import_listings(_xlsx([row]), owner.org, None, publish=True)
    assert result.created == 1, result.errors
    listing = db.session.scalar(sa.select(Listing))
    assert listing.postcode == "1389" and listing.status == "published"
    assert listing.price_ore == 120000 and float(listing.unit_weight_kg) == 32.5


def test_bad_rows_are_reported_and_good_rows_still_imported(app, owner):
    rows = [GOOD[0], *BAD, GOOD[1], ["", "", "", "", "", "", "", "", "", "", "", ""]]
    result = importer.import_listings(_csv(rows, ";"), owner.org, owner.user)
    assert result.created == 2 and result.rows == 6 and result.failed_rows == 4
    found = {(e.row, e.column) for e in result.errors}
    assert {(3, "tittel"), (4, "kategori"), (5, "antall"), (5, "pris_nok"), (5, "postnummer"),
            (6, "tilgjengelig_til")} <= found
    assert "31.02.2027" in next(e.message for e in result.errors if e.row == 6)
    assert _titles() == ["Kontorstoler", "Teglstein"]


def test_english_headers_and_unknown_columns(app, owner):
    header = ["Title", "Category", "Condition", "Quantity", "Postcode", "Colour"]
    data = _xlsx([["Sofa", "sofa", "good", 1, "1384", "blå"]], header=header)
    result = importer.import_listings(data, owner.org, None)
    assert result.created == 1 and "Colour" in result.notices[0]


@pytest.mark.parametrize(("data", "words"), [
    (b"", "tom"),
    (b"tittel;kategori\nA;b\n", "Mangler kolonner"),
    (b"PK\x03\x04 not really a zip", "XLSX"),
    (b"tittel,tittel,kategori,tilstand,antall,postnummer\n", "to ganger"),
])
def test_unusable_files_are_refused_whole(app, owner, data, words):
    result = importer.import_listings(data, owner.org, None)
    assert result.created == 0 and words in result.file_errors[0]
    assert _titles() == []


def test_row_limit_refuses_the_whole_file(app, owner):
    result = importer.import_listings(_csv(GOOD * 2), owner.org, None, max_rows=5)
    assert result.created == 0 and "5" in result.file_errors[0]


def test_imported_listings_emit_listing_changed_in_batches(app, owner, monkeypatch):
    seen: list[int] = []
    outbox._HANDLERS.setdefault(CHANGED, {})["tests.spy"] = lambda p: seen.append(
        p["listing_id"])
    monkeypatch.setattr(importer, "BATCH", 2)
    try:
        result = importer.import_listings(_csv(GOOD), owner.org, None)
        from app.db import commit

        commit()
    finally:
        outbox._HANDLERS[CHANGED].pop("tests.spy")
    assert sorted(seen) == sorted(result.created_ids) and len(seen) == 3


def test_templates_import_cleanly(app, owner, client):
    csv_response = client.get("/listings/import/template.csv")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    assert csv_response.data.startswith("\ufefftittel;".encode())
    xlsx_response = client.get("/listings/import/template.xlsx")
    assert xlsx_response.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx_response.data), read_only=True)
    assert workbook.sheetnames == ["Annonser", "Veiledning", "Kategorier"]
    workbook.close()
    assert client.get("/listings/import/template.pdf").status_code == 404
    for data in (csv_response.data, xlsx_response.data):
        result = importer.import_listings(data, owner.org, None)
        assert result.created == 2, result.errors
    assert spreadsheet.descriptions().keys() == {c[0] for c in importer.COLUMNS}


def test_cli_import_with_progress_and_errors(runner, owner, tmp_path):
    path = tmp_path / "annonser.csv"
    path.write_bytes(_csv([GOOD[0], BAD[1], GOOD[2]], ";", bom=True))
    result = runner.invoke(args=["listings", "import", str(path), "--org", owner.org.name,
                                 "--user", owner.user.email, "--publish"])
    assert result.exit_code == 1
    assert "2 listings imported, 1 rows with errors (of 3)" in result.output
    assert "row 3, kategori: Ukjent kategori" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Listing.status == "published")) == 2
    missing = runner.invoke(args=["listings", "import", str(path), "--org", "Ingen AS"])
    assert missing.exit_code == 2
    bad = tmp_path / "tom.csv"
    bad.write_bytes(b"")
    assert runner.invoke(args=["listings", "import", str(bad), "--org",
                               owner.org.name]).exit_code == 2


def _import_page(client, auth, **fields):
    token = auth.csrf("/listings/import")
    data = {"csrf_token": token, **fields}
    return client.post("/listings/import", data=data, content_type="multipart/form-data")


def test_import_page_lists_errors_by_row(client, auth, owner):
    auth.login(owner.user.email)
    page = client.get("/listings/import")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/listings/import/template.xlsx"' in html and "<label" in html
    response = _import_page(client, auth, organization_id=str(owner.org.id), publish="y",
                            file=(io.BytesIO(_csv([GOOD[0], BAD[1]], ";")), "a.csv"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "1 av 2 rader ble importert" in html
    assert re.search(r"<td>3</td><td>kategori</td><td>Ukjent kategori «romskip».</td>", html)
    assert _titles() == ["Kontorstoler"]


def test_import_page_refuses_missing_and_broken_files(client, auth, owner):
    auth.login(owner.user.email)
    response = _import_page(client, auth, organization_id=str(owner.org.id))
    assert response.status_code == 422 and "Velg en CSV" in response.get_data(as_text=True)
    response = _import_page(client, auth, organization_id=str(owner.org.id),
                            file=(io.BytesIO(b"hei;hopp\n1;2\n"), "a.csv"))
    assert response.status_code == 422 and "Mangler kolonner" in response.get_data(as_text=True)
    response = _import_page(client, auth, organization_id=str(owner.org.id),
                            file=(io.BytesIO(_csv(BAD)), "a.csv"))
    assert response.status_code == 422
    assert _titles() == []
    no_csrf = client.post("/listings/import", data={"organization_id": str(owner.org.id)})
    assert no_csrf.status_code == 400


@pytest.mark.parametrize("until", ["0001-01-01", "31.12.9999", "9999-12-31"])
def test_a_date_outside_the_years_we_keep_is_a_row_error(app, owner, until):
    """Year 1 or 9999 in a sheet is the row's error, like on the pages and the API: the
    importer's dates go through the same field rules (rules.parse_time's year check)."""
    row = [*GOOD[0][:9], until, *GOOD[0][10:]]
    result = importer.import_listings(_csv([row, GOOD[1]], ";"), owner.org, owner.user)
    assert result.created == 1 and result.failed_rows == 1
    assert [(e.row, e.column) for e in result.errors] == [(2, "tilgjengelig_til")]
    assert "1900" in result.errors[0].message and "2199" in result.errors[0].message
