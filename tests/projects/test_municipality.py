"""The municipality's view of projects (/prosjekter/kommune): who sees which projects,
figures equal to ``progress_for``, the year and status filters, and the downloads (CSV
with a formula neutralised, XLSX read back)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.db import commit
from app.projects import progress

URL = "/prosjekter/kommune"


@pytest.fixture
def area(world, make, handed_over):
    """Asker's project (world.project, 2026) with 12 doors of which 4 are handed over;
    a second Asker project mapped in 2025 with an injection name; Bærum's project."""
    old = make.project(world.firm, world.owner, name="=cmd|' /C calc'!A0",
                       mapping_date="2025-03-01", gnr=7, bnr=9, lat=59.83, lng=10.43)
    make.component(old, world.owner, quantity=3, unit_weight_kg=100)
    baerum = make.project(world.firm, world.owner, name="Rivning i Bærum",
                          address="Bærumsveien 2", postcode="1340", municipality_number="3201",
                          gnr=3, bnr=4)
    return {"asker": world.project, "old": old, "baerum": baerum}


def _officer(auth):
    auth.login("saksbehandler@asker.kommune.no")


def test_the_officer_sees_her_municipalitys_projects_only(area, client, auth):
    assert area["asker"].municipality_number == "3203"
    assert area["baerum"].municipality_number == "3201"
    _officer(auth)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'/prosjekter/{area["asker"].id}"' in html
    assert f'/prosjekter/{area["old"].id}"' in html
    assert "Rivning i Bærum" not in html and f'/prosjekter/{area["baerum"].id}"' not in html
    assert "2 prosjekter" in html
    assert 'data-label="Overlevert"' in html  # the table stacks at 390 px


@pytest.mark.parametrize("email", ["fake@selvlaget.no", "medlem@riving.no",
                                   "kari@radgiver.no"])
def test_others_are_refused(area, client, auth, email):
    auth.login(email)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "/eksport.csv").status_code == 403
    assert client.get(URL + "?year=abc").status_code == 403  # not a 422 that tells more


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_site_admin_sees_every_project(area, make, client, auth):
    make.user(None, site_admin=True, email="admin@kretslop.no")
    auth.login("admin@kretslop.no")
    html = client.get(URL).get_data(as_text=True)
    for project in area.values():
        assert f'/prosjekter/{project.id}"' in html
    assert "3 prosjekter" in html


def test_figures_match_progress_and_the_totals_by_year(area, client, auth):
    figures = progress.progress_for([area["asker"].id, area["old"].id])
    asker, old = figures[area["asker"].id], figures[area["old"].id]
    assert asker.totals["mapped"].kg == Decimal(780)
    assert asker.totals["handed_over"].kg == Decimal(100)
    assert old.totals["mapped"].kg == Decimal(300)
    _officer(auth)
    body = client.get(URL + "/eksport.csv").get_data(as_text=True)
    rows = {int(r["project_id"]): r for r in csv.DictReader(io.StringIO(body))}
    assert set(rows) == {area["asker"].id, area["old"].id}
    row = rows[area["asker"].id]
    assert Decimal(row["mapped_kg"]) == asker.totals["mapped"].kg
    assert Decimal(row["reusable_kg"]) == asker.totals["reusable"].kg == Decimal(300)
    assert Decimal(row["handed_over_kg"]) == asker.totals["handed_over"].kg
    assert Decimal(row["achieved_percent"]) == asker.achieved_percent == Decimal("12.8")
    assert row["mapping_date"] == "2026-11-20" and row["year"] == "2026"
    assert row["municipality_number"] == "3203" and row["gnr"] == "41"
    html = client.get(URL).get_data(as_text=True)
    totals = html.split('id="year-totals"')[1].split("</table>")[0]
    assert "<th scope=\"row\" data-label=\"År\">2026</th>" in totals
    assert "<th scope=\"row\" data-label=\"År\">2025</th>" in totals
    assert "780\xa0kg" in totals and "100\xa0kg" in totals and "300\xa0kg" in totals
    assert "12,8\xa0%" in html


def test_year_and_status_filters(area, client, auth):
    from app.projects.services import complete_project

    _officer(auth)
    html = client.get(URL + "?year=2025").get_data(as_text=True)
    assert f'/prosjekter/{area["old"].id}"' in html
    assert f'/prosjekter/{area["asker"].id}"' not in html
    body = client.get(URL + "/eksport.csv?year=2026").get_data(as_text=True)
    assert [int(r["project_id"]) for r in csv.DictReader(io.StringIO(body))] == \
        [area["asker"].id]
    complete_project(area["old"])
    commit()
    html = client.get(URL + "?status=completed").get_data(as_text=True)
    assert f'/prosjekter/{area["old"].id}"' in html
    assert f'/prosjekter/{area["asker"].id}"' not in html


def test_bad_filters_are_field_errors(area, client, auth):
    _officer(auth)
    page = client.get(URL + "?year=20x6&status=gone")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Skriv et årstall mellom 2000 og 2100." in html
    assert "Velg en av verdiene i listen." in html
    problem = client.get(URL + "/eksport.xlsx?year=1999",
                         headers={"Accept": "application/json"})
    assert problem.status_code == 422
    assert "year" in problem.get_json()["errors"]


def test_csv_injection_is_neutralised(area, client, auth):
    _officer(auth)
    response = client.get(URL + "/eksport.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    names = [r["name"] for r in rows]
    assert "'=cmd|' /C calc'!A0" in names
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r.values()
                   if cell and not cell.lstrip("-").replace(".", "").isdigit())


def test_the_xlsx_reads_back(area, client, auth):
    _officer(auth)
    response = client.get(URL + "/eksport.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["Prosjekter", "Per år"]
    sheet = book["Prosjekter"]
    header = [c.value for c in sheet[2]]
    rows = [dict(zip(header, (c.value for c in row), strict=True))
            for row in sheet.iter_rows(min_row=3) if row[0].value is not None]
    by_id = {r["Prosjekt-ID"]: r for r in rows}
    assert set(by_id) == {area["asker"].id, area["old"].id}
    assert by_id[area["asker"].id]["Overlevert (kg)"] == 100
    # a text cell, never a formula (openpyxl reads a formula back with data_type "f")
    name_cell = next(row[1] for row in sheet.iter_rows(min_row=3)
                     if row[0].value == area["old"].id)
    assert name_cell.value == "=cmd|' /C calc'!A0" and name_cell.data_type == "s"
    years = book["Per år"]
    lines = [[c.value for c in row] for row in years.iter_rows(min_row=3)
             if row[0].value is not None]
    assert [line[:3] for line in lines] == [[2026, 1, 780], [2025, 1, 300]]


def test_projects_without_coordinates_are_listed_beside_the_map(area, app, client, auth):
    app.config["MAP_TILE_URL"] = "https://cache.kartverket.no/{z}/{y}/{x}.png"
    area["asker"].lat = area["asker"].lng = None
    commit()
    _officer(auth)
    html = client.get(URL).get_data(as_text=True)
    assert 'id="map-data"' in html and 'data-map="search"' in html
    data = html.split('id="map-data">')[1].split("</script>")[0]
    assert f'"id": {area["old"].id}' in data or f'"id":{area["old"].id}' in data
    assert f'"id": {area["asker"].id}' not in data
    unplaced = html.split('id="unplaced-heading"')[1]
    assert f'/prosjekter/{area["asker"].id}"' in unplaced
