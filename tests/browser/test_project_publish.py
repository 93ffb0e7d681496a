"""Publishing a project's components and the running report in a real browser (#21):
the demo firm publishes the rest of its reusable components on a 390 px phone, the
listing shows the project and dates, and the publish and report pages fit a phone
and pass axe-core (also for the municipality's officer)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import test_responsive as responsive
from tests.browser.conftest import axe_violations, login

FIRM = "bygg@demo.kretslop.no"
OFFICER = "kommune@demo.kretslop.no"


def _demo_project(live):
    from app.db import db
    from app.projects.demo import NAME
    from app.projects.models import Project

    with live.app_beside():
        return db.session.scalar(sa.select(Project.id).where(Project.name == NAME))


@pytest.mark.browser
def test_publish_on_a_phone_and_the_report_fits(page, live):
    project_id = _demo_project(live)
    assert project_id is not None
    login(page, FIRM)
    page.set_viewport_size(responsive.PHONE)
    response = page.goto(f"/prosjekter/{project_id}/publiser")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Publiser komponenter")
    assert axe_violations(page) == []
    boxes = page.locator('input[name="components"]')
    waiting = boxes.count()
    assert waiting > 0  # the demo publishes only some of its reusable components
    with page.expect_navigation() as sent:
        page.get_by_role("button", name="Publiser valgte").click()
    assert sent.value.status == 200
    expect(page.get_by_role("status").first).to_contain_text(f"{waiting} komponent")
    assert axe_violations(page) == []
    page.locator("ul.component-list a").first.click()
    expect(page.locator(".listing-project")).to_contain_text("Fra byggeprosjektet")
    expect(page.locator("article.listing")).to_contain_text("Rivingen starter")

    problems = responsive.check_pages(
        page, [("project-publish", "/prosjekter/{id}/publiser"),
               ("project-report", "/prosjekter/{id}/rapport")], {"id": project_id})
    assert problems == []
    page.goto(f"/prosjekter/{project_id}/rapport?lang=nb")
    rows = dict(line.split("\t", 1) for line in
                page.locator("table.figures-table tbody").inner_text().splitlines())
    assert rows["Publisert"] == rows["Egnet for ombruk"]  # every reusable one is out now

    page.context.clear_cookies()
    login(page, OFFICER)
    assert responsive.check_pages(page, [("project-report-officer", "/prosjekter/{id}/rapport")],
                                  {"id": project_id}) == []
