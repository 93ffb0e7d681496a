"""The project pages in a real browser (issue #21): a construction firm creates a project
on a 390 px screen (a form sent empty first: the errors are announced and axe-clean), and
the list, the project's page, the new-project and edit forms fit a phone with no serious
or critical axe-core violations (the measurements of ``test_responsive.check_pages``)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import test_responsive as responsive
from tests.browser.conftest import axe_violations, login

FIRM = "kontor@demo.kretslop.no"


@pytest.mark.browser
def test_create_a_project_on_a_phone_and_its_pages_fit(page, live):
    login(page, FIRM)
    page.set_viewport_size(responsive.PHONE)
    page.get_by_role("button", name="Meny").click()
    page.get_by_role("navigation", name="Hovedmeny").get_by_role(
        "link", name="Prosjekter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Byggeprosjekter")
    page.get_by_role("link", name="Nytt prosjekt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt prosjekt")
    # The regulation is explained where it matters: the BRA hint names TEK17 § 9-7.
    expect(page.get_by_text("100 m² BRA")).to_contain_text("TEK17 § 9-7")

    # Sent empty: 422 with the errors listed and the fields marked, nothing saved.
    with page.expect_navigation() as sent:
        page.get_by_role("button", name="Opprett prosjektet").click()
    assert sent.value.status == 422
    expect(page.get_by_text("Gi prosjektet et navn").first).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Prosjektnavn").fill("Riving av Nesbru skole")
    page.get_by_label("Type arbeid").select_option("demolition")
    page.get_by_label("Adresse").fill("Nesbruveien 75")
    page.get_by_label("Postnummer").fill("1394")
    page.get_by_label("Kommunenummer").fill("3203")
    page.get_by_label("Gårdsnummer (gnr)").fill("52")
    page.get_by_label("Bruksnummer (bnr)").fill("131")
    page.get_by_label("Byggeår").fill("1971")
    page.get_by_label("Tidligere bruk").fill("Skole")
    page.get_by_label("Areal som berøres (m² BRA)").fill("2 400")
    page.get_by_label("Kartlagt av").fill("Kari Kartlegger, Rådgiver AS")
    page.get_by_label("Dato for kartleggingen").fill("2026-11-30")
    page.get_by_label("Komponentene kan hentes fra").fill("2027-03-01")
    page.get_by_label("Rivingen starter").fill("2027-04-01")
    page.get_by_label("Mål for ombruk (% av kartlagt vekt)").fill("15")
    with page.expect_navigation():
        page.get_by_role("button", name="Opprett prosjektet").click()
    assert re.search(r"/prosjekter/\d+$", page.url), page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Riving av Nesbru skole")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("52/131")
    expect(facts).to_contain_text("2 400")
    project_id = int(page.url.rsplit("/", 1)[1])

    from app.db import db
    from app.projects.models import Project

    with live.app_beside():
        stored = db.session.scalar(sa.select(Project).where(Project.id == project_id))
        assert (stored.municipality_number, stored.gnr, stored.bnr, stored.building_year) \
            == ("3203", 52, 131, 1971)
        assert stored.access_date.isoformat() == "2027-03-01"
        # Figures with real widths for the phone check: 12 345 doors of 25 kg (308 625 kg)
        # and windows without a weight ("1 uten vekt").
        from app.accounts.models import User
        from app.listings.categories import ensure_categories
        from app.projects.services import create_component

        ensure_categories()
        firm = db.session.scalar(sa.select(User).where(User.email == FIRM))
        for extra in ({"name": "Innerdør eik", "quantity": 12345, "unit_weight_kg": 25,
                       "category": "door"},
                      {"name": "Vindu", "building_part": "234", "quantity": 40,
                       "category": "window"}):
            create_component(stored, firm, {"building_part": "244", "unit": "pcs",
                                             "condition": "good", "suitability": "suitable",
                                             **extra})
        db.session.commit()
    page.reload()
    expect(page.locator("table.figures-table tbody tr").first).to_contain_text("308")

    pages = [("projects", "/prosjekter"), ("project", "/prosjekter/{project}"),
             ("project-new", "/prosjekter/ny"), ("project-edit", "/prosjekter/{project}/endre")]
    problems = responsive.check_pages(page, pages, {"project": project_id})
    assert not problems, "\n".join(problems)
