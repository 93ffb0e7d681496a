"""``/api/v1/reports/...``: shapes checked against the OpenAPI document, numbers equal the
ledger, downloads, and 422 with field errors for bad input."""

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.reporting.conftest import oracle


@pytest.fixture
def book(ledger):
    ledger.handover(at=datetime(2026, 1, 5, 9, tzinfo=UTC), kg="1200.125", quantity=4,
                    category="sofa", district="Heggedal")
    ledger.handover(at=datetime(2026, 2, 5, 9, tzinfo=UTC), kg="0.001", quantity=1,
                    category="laptop", district="Slemmestad", giver="nonprofit",
                    receiver="municipality")
    record = ledger.handover(at=datetime(2026, 2, 6, 9, tzinfo=UTC), kg="50.000",
                             category="door", weighed=False, unit="m2", quantity=3)
    ledger.reverse(record)
    ledger.handover(at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC), kg="10.000",
                    category="rugs", waste_origin=True)


def _decimal_json(response):
    return json.loads(response.get_data(as_text=True), parse_float=Decimal)


@pytest.mark.parametrize("group_by", ["eu_category", "category", "month", "year", "district",
                                      "org_kind", "organization", "municipality"])
@pytest.mark.parametrize("side", ["giver", "receiver"])
def test_reuse_report_equals_the_ledger(api, people, book, group_by, side):
    response = api.get(f"/reports/reuse?from=2026-01-01&to=2026-12-31&group_by={group_by}"
                       f"&side={side}", people.tokens["officer"])
    assert response.status_code == 200
    body = _decimal_json(response)
    assert (body["from"], body["to"], body["group_by"]) == ("2026-01-01", "2026-12-31",
                                                            group_by)
    want = oracle(group_by, side)
    got = {r["key"]: (r["records"], int(Decimal(r["items"]) * 1000),
                      int(r["kg"] * 1000), int(r["co2e_kg"] * 1000))
           for r in body["rows"] if r["records"] or r["kg"]}
    assert got == want  # the record at 2025-12-31T23:30Z is in 2026 (Oslo)
    total = body["total"]
    assert total["kg"] == Decimal("1210.126") and total["tonnes"] == Decimal("1.210126")
    assert total["records"] == 3 and total["items"] == 6
    assert all(r["label"] for r in body["rows"] if r["key"])


def test_eu_categories_months_and_years_are_always_listed(api, people, book):
    rows = api.get("/reports/reuse?from=2026-01-01&to=2026-12-31",
                   people.tokens["admin"]).get_json()["rows"]
    assert [r["key"] for r in rows] == ["textiles", "eee", "furniture", "construction", "other"]
    assert rows[3]["kg"] == 0 and rows[3]["records"] == 0  # the reversed door nets to 0
    months = api.get("/reports/reuse?from=2026-01-01&to=2026-12-31&group_by=month",
                     people.tokens["admin"]).get_json()["rows"]
    assert [r["key"] for r in months][:3] == ["2026-01", "2026-02", "2026-03"]
    assert len(months) == 12


def test_a_handover_at_2330z_on_new_years_eve_counts_in_the_next_year(api, people, book):
    body = api.get("/reports/reuse?from=2025-01-01&to=2026-12-31&group_by=year",
                   people.tokens["officer"]).get_json()
    assert {r["key"]: r["kg"] for r in body["rows"]} == {"2025": 0, "2026": 1210.126}


def test_eu_table(api, people, book):
    response = api.get("/reports/eu-2021-19?year=2026", people.tokens["officer"])
    body = _decimal_json(response)
    assert body["year"] == 2026 and body["unit"] == "tonnes"
    rows = {r["eu_category"]: r for r in body["rows"]}
    assert list(rows) == ["textiles", "eee", "furniture", "construction", "other"]
    assert rows["furniture"]["tonnes"] == Decimal("1.200125")
    assert rows["textiles"]["tonnes_preparing_for_reuse"] == Decimal("0.01")
    assert rows["textiles"]["tonnes_direct_reuse"] == 0
    assert rows["construction"]["tonnes"] == 0
    assert rows["eee"]["tonnes_weighed"] == Decimal("0.000001")
    factors = rows["furniture"]["factors"]
    assert factors and {"factor_id", "version", "kind", "substitution_rate", "source",
                        "taken_on"} <= set(factors[0])
    assert body["total"]["tonnes"] == Decimal("1.210126")


@pytest.mark.parametrize("path", ["/reports/reuse?from=2026-01-01&to=2026-12-31&format=csv",
                                  "/reports/eu-2021-19?year=2026&format=csv"])
def test_csv_download(api, people, book, path):
    response = api.get(path, people.tokens["officer"], check=False)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 6 and "total" not in [r.get("key") for r in rows]
    last = rows[-1]
    assert last.get("key", last.get("eu_category")) == "unverified"  # the separate line


def test_excel_csv_and_xlsx_downloads(api, people, book):
    token = people.tokens["officer"]
    raw = api.get("/reports/reuse?from=2026-01-01&to=2026-12-31&group_by=district"
                  "&format=csv_excel", token, check=False).get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nøkkel", "Bydel/lokalsamfunn", "Kg"]
    assert rows[1][2] == "1210,125" and rows[-2][:2] == ["total", "Totalt"]
    assert rows[-1][:2] == ["unverified", "Ikke verifiserte organisasjoner"]
    response = api.get("/reports/reuse?from=2026-01-01&to=2026-12-31&format=xlsx", token,
                       check=False)
    wb = load_workbook(io.BytesIO(response.get_data()))
    assert wb.sheetnames == ["EU-kategori", "Metode"]
    assert wb["EU-kategori"]["C5"].value == pytest.approx(1200.125)


@pytest.mark.parametrize("query,fields", [
    ("from=2026-02-01&to=2026-01-01", {"from"}),
    ("from=2026-13-01", {"from"}),
    ("to=yesterday", {"to"}),
    ("from=2026-1-5", {"from"}),
    ("from=2000-01-01&to=2020-01-01", {"to"}),
    ("group_by=colour", {"group_by"}),
    ("format=pdf", {"format"}),
    ("side=both", {"side"}),
    ("from=bad&group_by=bad&format=bad", {"from", "group_by", "format"}),
])
def test_bad_input_is_422_with_field_errors(api, people, query, fields):
    response = api.get(f"/reports/reuse?{query}", people.tokens["officer"])
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields


@pytest.mark.parametrize("query", ["year=twenty", "year=1850", "year=2026&format=doc"])
def test_bad_eu_year_is_422(api, people, query):
    response = api.get(f"/reports/eu-2021-19?{query}", people.tokens["officer"])
    assert response.status_code == 422 and response.get_json()["errors"]


def test_twenty_years_is_the_longest_period(api, people):
    ok = api.get("/reports/reuse?from=2006-01-01&to=2025-12-31", people.tokens["officer"])
    assert ok.status_code == 200
    too_long = api.get("/reports/reuse?from=2006-01-01&to=2026-01-01",
                       people.tokens["officer"])
    assert too_long.status_code == 422


def test_records_endpoint_json(api, people, book):
    response = api.get("/reports/records?from=2026-01-01&to=2026-12-31",
                       people.tokens["officer"])
    records = response.get_json()["records"]
    assert [r["kind"] for r in records] == ["handover"] * 3 + ["reversal", "handover"]
    assert records[3]["reverses_id"] == records[2]["id"] and records[3]["kg"] == -50
    assert records[4]["completed_at"] == "2026-01-01T00:30:00+01:00"


def test_streamed_records_are_produced_after_the_request_ended(committed_app):
    """Found by schemathesis (issue 9): under a real server the JSON and CSV record
    exports failed (500) for every caller. Their body is streamed after the request's
    session is removed, and choosing the language then read the detached user. The
    request runs in a thread of its own, without the test's app context, as under
    gunicorn."""
    import threading

    from flask.testing import FlaskClient

    from app.accounts import orgnr
    from app.accounts.services import _new_user, add_member, create_api_token, create_organization
    from app.db import commit, db
    from tests.conftest import bearer

    municipality = create_organization("Asker kommune", "municipality", orgnr.make(81234567))
    municipality.verification_state, municipality.registry_form = "verified", "KOMM"
    officer = _new_user("officer@stream.test", "Officer", "correct horse battery")
    db.session.flush()
    add_member(officer, municipality, "member")
    _token, raw = create_api_token(officer, "test")
    commit()
    bodies: dict[str, tuple[int, str]] = {}
    errors: list[BaseException] = []

    def download() -> None:
        client = FlaskClient(committed_app)
        try:
            for fmt in ("json", "csv", "csv_excel"):
                response = client.get(f"/api/v1/reports/records?format={fmt}",
                                      headers=bearer(raw))
                bodies[fmt] = (response.status_code, response.get_data(as_text=True))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=download)
    thread.start()
    thread.join(timeout=60)
    assert errors == []
    assert bodies["json"][0] == 200 and json.loads(bodies["json"][1])["records"] == []
    assert bodies["csv"][0] == 200 and bodies["csv"][1].startswith("id,kind,")
    assert bodies["csv_excel"][0] == 200 and "Post-id" in bodies["csv_excel"][1]
