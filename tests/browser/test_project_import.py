"""Importing components from a spreadsheet in a real browser on a 390 px phone (issue #21):
upload a consultant's CSV, see the guessed column mapping, change one column, meet the
row errors (axe-clean, nothing imported), fix the file and import; the upload page and
the mapping page fit a phone with no serious or critical axe-core violations."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import test_responsive as responsive
from tests.browser.conftest import axe_violations, login

FIRM = "kontor@demo.kretslop.no"
HEADER = ["NS3451", "Komponent", "Antall", "Enhet", "Vekt per enhet (kg)", "Tilstand",
          "Egnethet", "Begrunnelse", "Miljøgifter", "Notat"]


def _file(rows: list[list[str]]) -> dict:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows([HEADER, *rows])
    return {"name": "kartlegging.csv", "mimeType": "text/csv",
            "buffer": buffer.getvalue().encode("utf-8-sig")}


def _rows(bad: bool) -> list[list[str]]:
    rows = [["244", f"Innerdør {i}", "2", "stk", "25,5", "god", "egnet", "", "", f"rom {i}"]
            for i in range(20)]
    rows.append(["252", "Vinylbelegg", "40", "m²", "2,8", "brukbar", "ikke egnet",
                 "Asbestholdig lim", "asbest, PCB", ""])
    if bad:
        rows[3][0] = "99"
        rows[7][6] = "kanskje"
    return rows


def _upload(page, project_id: int, rows) -> None:
    # ?lang= sticks to the session: the page check before shows English too
    response = page.goto(f"/prosjekter/{project_id}/import?lang=nb")
    assert response is not None and response.status == 200
    page.get_by_label("Regneark (CSV eller XLSX)").set_input_files(rows)
    with page.expect_navigation():
        page.get_by_role("button", name="Last opp og velg kolonner").click()


@pytest.mark.browser
def test_import_a_consultants_spreadsheet_on_a_phone(page, live):
    from app.accounts.models import User
    from app.db import db
    from app.projects.models import Component
    from app.projects.services import create_project

    with live.app_beside():
        firm = db.session.scalar(sa.select(User).where(User.email == FIRM))
        project = create_project(firm, firm.memberships[0].organization, {
            "name": "Riving av Billingstad skole", "work_kind": "demolition",
            "postcode": "1396", "municipality_number": "3203", "gnr": 60, "bnr": 12})
        db.session.commit()
        project_id = project.id

    login(page, FIRM)
    page.set_viewport_size(responsive.PHONE)
    _upload(page, project_id, _file(_rows(bad=True)))
    expect(page.get_by_role("heading", level=2, name="Velg hva kolonnene er")).to_be_visible()
    assert page.get_by_label("NS3451").input_value() == "building_part"
    assert page.get_by_label("Miljøgifter").input_value() == "hazards"
    assert page.get_by_label("Notat").input_value() == ""
    page.get_by_label("Notat").select_option("room")  # the mapping is the person's choice
    token_url = page.url

    with page.expect_navigation() as sent:
        page.get_by_role("button", name="Importer 21 komponenter").click()
    assert sent.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("2 rader har feil")
    errors = page.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.first).to_contain_text("Ukjent bygningsdel «99»")
    assert page.get_by_label("Notat").input_value() == "room"  # the choice is kept
    assert axe_violations(page) == []
    with live.app_beside():
        assert db.session.scalar(sa.select(sa.func.count(Component.id)).where(
            Component.project_id == project_id)) == 0

    problems = responsive.check_pages(
        page, [("project-import", "/prosjekter/{project}/import"),
               ("project-import-mapping", token_url.split(live.url, 1)[-1])],
        {"project": project_id})
    assert not problems, "\n".join(problems)

    page.set_viewport_size(responsive.PHONE)
    _upload(page, project_id, _file(_rows(bad=False)))
    page.get_by_label("Notat").select_option("room")
    with page.expect_navigation():
        page.get_by_role("button", name="Importer 21 komponenter").click()
    assert re.search(rf"/prosjekter/{project_id}/komponenter$", page.url), page.url
    expect(page.get_by_text("21 komponenter importert.")).to_be_visible()
    with live.app_beside():
        stored = db.session.scalars(sa.select(Component).where(
            Component.project_id == project_id).order_by(Component.id)).all()
        assert len(stored) == 21
        assert (stored[0].room, stored[0].unit_weight_kg, stored[-1].hazards) == (
            "rom 0", 25.5, ["asbestos", "pcb"])
