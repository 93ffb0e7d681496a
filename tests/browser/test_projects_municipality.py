"""The municipality's projects in a real browser (issue #21): Asker's officer follows the
reporting dashboard's link on a 390 px phone, sees the demo project with its figures and
the totals by year (stacked, axe-clean), opens the map on demand (Leaflet loads only
then, the markers are keyboard buttons whose popup links to the project), and the page
passes the responsive check at 390 and 1366 px in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import test_responsive as responsive
from tests.browser.conftest import axe_violations, login, popup_shown

OFFICER = "kommune@demo.kretslop.no"


@pytest.mark.browser
def test_the_officer_sees_the_projects_on_a_phone(page, live):
    login(page, OFFICER)
    page.set_viewport_size(responsive.PHONE)
    page.goto("/reporting")
    page.get_by_role("link", name="Byggeprosjekter i kommunen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Byggeprosjekter i kommunen")
    rows = page.locator("#municipal-projects tbody tr")
    assert rows.count() >= 1
    first = rows.first
    expect(first).to_contain_text("kg")
    expect(page.locator("#year-totals tbody tr").first).to_contain_text("kg")
    # Stacked at 390 px: each cell shows its label; no sideways scroll; axe-clean.
    assert first.locator("td").first.evaluate("e => getComputedStyle(e).display") != \
        "table-cell"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    assert page.evaluate("() => typeof window.L") == "undefined"  # not before it is asked

    show_map = page.get_by_role("button", name="Vis på kart")
    if show_map.count():
        show_map.click()
        expect(page.locator("#projects-map")).to_be_visible()
        icons = page.locator("#projects-map .leaflet-marker-icon")
        expect(icons.first).to_be_visible()
        icons.first.focus()
        page.keyboard.press("Enter")
        link = page.locator(".leaflet-popup a.map-popup-link").first
        expect(link).to_be_focused()
        assert "/prosjekter/" in link.get_attribute("href")
        popup_shown(page)
        assert axe_violations(page) == []
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Vis liste").click()
        expect(page.locator("#municipal-projects")).to_be_visible()

    # The filters: a bad year is announced (422) and axe-clean.
    page.get_by_label("År", exact=True).fill("20x6")
    with page.expect_navigation() as sent:
        page.get_by_role("button", name="Vis", exact=True).click()
    assert sent.value.status == 422
    expect(page.get_by_text("Skriv et årstall mellom 2000 og 2100.").first).to_be_visible()
    assert axe_violations(page) == []

    problems = responsive.check_pages(page, [("projects-municipality", "/prosjekter/kommune")],
                                      {})
    assert not problems, "\n".join(problems)
