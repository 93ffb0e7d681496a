"""The dashboard: every period kind, charts as SVG with text alternatives beside real
tables, Norwegian numbers, and form errors (422) for bad periods."""

from datetime import UTC, datetime

import pytest


@pytest.fixture
def officer(auth, people):
    auth.login(people.officer.email)
    return people.officer


@pytest.fixture
def book(ledger):
    ledger.handover(at=datetime(2026, 3, 5, 9, tzinfo=UTC), kg="1234.5", quantity=3,
                    category="sofa", district="Heggedal")
    ledger.handover(at=datetime(2026, 4, 5, 9, tzinfo=UTC), kg="20", category="laptop",
                    district="Slemmestad", weighed=False, giver="nonprofit")
    ledger.handover(at=datetime(2026, 4, 6, 9, tzinfo=UTC), kg="3.25", category="rugs",
                    waste_origin=True)


@pytest.mark.parametrize("query", [
    "", "?period=year&year=2026", "?period=quarter&year=2026&quarter=2",
    "?period=month&year=2026&month=3", "?period=custom&from=2026-03-01&to=2026-04-30",
    "?period=custom&from=2010-01-01&to=2026-12-31",
])
def test_dashboard_renders_every_period(client, officer, book, query):
    response = client.get(f"/reporting{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") >= 5 and html.count('role="img"') >= 5
    assert "<desc" in html and "<caption>" in html
    assert 'scope="col"' in html and 'scope="row"' in html
    assert "estimert unngått utslipp" in html


def test_dashboard_numbers(client, officer, book):
    html = client.get("/reporting?period=year&year=2026").get_data(as_text=True)
    assert "1,26\u00a0t" in html  # 1257.75 kg in tonnes, decimal comma
    assert "1\u202f257,8\u00a0kg" in html  # thousands: narrow no-break space (U+202F)
    assert "Møbler" in html and "Heggedal" in html and "Sofa" in html
    assert "Ombruksbutikk" in html  # receiver kind
    assert "fullførte overleveringer" in html
    assert "98\u00a0%" in html  # weighed share: 1237.75 of 1257.75 kg
    assert "href=\"/reporting/download?" in html


def test_dashboard_without_data(client, officer):
    response = client.get("/reporting?period=year&year=2030")
    assert response.status_code == 200
    assert "Ingen overleveringer i perioden." in response.get_data(as_text=True)


@pytest.mark.parametrize("query,message", [
    ("?period=custom&from=2026-05-01&to=2026-04-01", "Fra-datoen kan ikke være etter"),
    ("?period=custom&from=2026-02-30&to=2026-04-01", "Ugyldig dato"),
    ("?period=custom&from=2000-01-01&to=2024-01-01", "lengre enn 20 år"),
    ("?period=year&year=abc", "Må være et årstall"),
    ("?period=decade", "Velg en av periodene"),
])
def test_bad_periods_are_form_errors(client, officer, query, message):
    response = client.get(f"/reporting{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "error-summary" in html


@pytest.mark.parametrize("query", ["table=all&format=csv", "table=colours&format=csv",
                                   "table=eu&format=pdf", "table=eu&from=2026-99-01"])
def test_bad_download_is_422(client, officer, query):
    response = client.get(f"/reporting/download?{query}",
                          headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.get_json()["errors"]


@pytest.mark.parametrize("table", ["eu", "category_month", "district", "org_kind"])
@pytest.mark.parametrize("fmt", ["csv", "csv_excel", "xlsx", "json"])
def test_every_table_downloads(client, officer, book, table, fmt):
    response = client.get(f"/reporting/download?table={table}&format={fmt}&from=2026-01-01"
                          f"&to=2026-12-31")
    assert response.status_code == 200
    if fmt == "json":
        assert response.get_json()["tables"]
    else:
        assert "attachment" in response.headers["Content-Disposition"]
        assert len(response.get_data()) > 100
