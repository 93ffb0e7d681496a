"""A self-registered (unverified) "kommune" cannot inflate the municipal figures: its
hand-overs appear only on the "Ikke verifiserte organisasjoner" line of the EU table, in
every format; ledger records keep the verification of both sides as it was."""

import csv
import io

import pytest
from openpyxl import load_workbook

from app.accounts import verification
from app.db import commit
from app.reporting.eu import eu_table
from tests.reporting.conftest import Ledger


@pytest.fixture
def book(people, make):
    fake = make.org("municipality", name="Selvregistrert kommune", verified=False)
    ledger = Ledger({**people.orgs, "fake": fake}, people.admin)
    ledger.handover(giver="business", receiver="reuse_shop", kg="100.000",
                    category="office-chair")  # furniture, both verified
    ledger.handover(giver="fake", receiver="reuse_shop", kg="7.000", category="office-chair")
    ledger.handover(giver="business", receiver="fake", kg="5.000", category="office-chair")
    return ledger, fake


def test_records_keep_both_sides_verification(book, people):
    ledger, fake = book
    record = ledger.handover(giver="fake", receiver="business", kg="1.000")
    assert (record.giver_verified, record.receiver_verified) == (False, True)
    # verifying the organisation later changes no record; a reversal copies the flags
    verification.verify(fake, people.admin, "Ringt og sjekket")
    commit()
    reversal, correction = ledger.reverse(record, corrected_kg="2.000")
    assert (reversal.giver_verified, reversal.receiver_verified) == (False, True)
    assert (correction.giver_verified, correction.receiver_verified) == (False, True)
    assert ledger.handover(giver="fake", receiver="business").giver_verified is True


def test_eu_table_counts_verified_records_and_shows_the_rest_apart(book):
    table = eu_table(2026)
    furniture = {r.eu_category: r for r in table.rows}["furniture"]
    assert furniture.figures.kg == 100 and table.total.figures.kg == 100
    assert table.unverified.figures.kg == 12 and table.unverified.figures.records == 2
    assert table.unverified.label == "Ikke verifiserte organisasjoner"


def test_every_format_has_the_separate_line(api, people, book):
    token = people.tokens["officer"]
    body = api.get("/reports/eu-2021-19?year=2026", token).get_json()
    assert body["total"]["kg"] == 100 and body["unverified"]["kg"] == 12
    reuse = api.get("/reports/reuse?from=2026-01-01&to=2026-12-31", token).get_json()
    assert reuse["total"]["kg"] == 100 and reuse["unverified"]["kg"] == 12
    text = api.get("/reports/eu-2021-19?year=2026&format=csv", token,
                   check=False).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["eu_category"] for r in rows][-1] == "unverified"
    assert rows[-1]["tonnes"] == "0.012000"
    assert sum(float(r["tonnes"]) for r in rows[:-1]) == pytest.approx(0.1)
    raw = api.get("/reports/eu-2021-19?year=2026&format=csv_excel", token,
                  check=False).get_data().decode("utf-8-sig")
    excel = list(csv.reader(io.StringIO(raw), delimiter=";"))
    assert excel[-2][:3] == ["total", "Totalt", "0,100000"]
    assert excel[-1][:3] == ["unverified", "Ikke verifiserte organisasjoner", "0,012000"]
    xlsx = api.get("/reports/eu-2021-19?year=2026&format=xlsx", token, check=False)
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    total = next(i for i, v in enumerate(values) if v and v[0] == "total")
    assert values[total + 1][:3] == ["unverified", "Ikke verifiserte organisasjoner",
                                     pytest.approx(0.012)]


def test_dashboard_page_shows_the_line(client, auth, people, book):
    auth.login(people.officer.email)
    page = client.get("/reporting?period=year&year=2026").get_data(as_text=True)
    assert "Ikke verifiserte organisasjoner" in page
    assert 'id="unverified-line"' in page
    line = page[page.index('id="unverified-line"'):].split("</p>")[0]
    assert "12,0\xa0kg, 2 overleveringer" in line


def test_record_export_has_both_columns(api, people, book):
    text = api.get("/reports/records?from=2026-01-01&to=2026-12-31&format=csv",
                   people.tokens["officer"], check=False).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["giver_verified"], r["receiver_verified"]) for r in rows] == [
        ("true", "true"), ("false", "true"), ("true", "false")]


def test_the_self_registered_kommune_cannot_read_them(api, people, book, make):
    _ledger, fake = book
    token = make.token(make.user(fake))
    for path in ("/reports/eu-2021-19", "/reports/reuse", "/reports/records"):
        assert api.get(path, token, check=False).status_code == 403
