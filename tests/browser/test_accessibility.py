"""axe-core on the main pages: no serious or critical violations; lang set; labels."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, login, screenshot

# These lists are what the accessibility statement (/tilgjengelighet) says is tested:
# tests/test_pages.py holds app/pages/accessibility.py to them. Add a page here and there.
PUBLIC_PAGES = ["/", "/login", "/register", "/password/forgot", "/listings",
                "/om", "/kontakt", "/personvern", "/vilkar", "/tilgjengelighet",
                "/search?q=stol&free=1", "/wanted", "/ombruk-i-tall", "/emission-factors"]
SIGNED_IN_PAGES = ["/account", "/listings/mine", "/listings/new", "/account/data",
                   "/account/delete", "/account/profile", "/account/email", "/account/password",
                   "/reservations", "/inbox", "/inbox/settings", "/account/security",
                   "/account/security/two-factor"]
ADMIN_PAGES = ["/admin", "/admin/organizations", "/admin/users", "/admin/listings",
               "/admin/wanted", "/admin/reports?status=all", "/admin/audit",
               "/admin/search?q=kontor", "/admin/processing"]


@pytest.mark.browser
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_serious_violations(page, path):
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == "nb"
    violations = axe_violations(page)
    screenshot(page, "a11y" + path.replace("/", "_"))
    assert violations == []


@pytest.mark.browser
def test_signed_in_pages_have_no_serious_violations(page):
    login(page, "kontor@demo.kretslop.no")
    for path in SIGNED_IN_PAGES:
        page.goto(path)
        violations = axe_violations(page)
        screenshot(page, "a11y" + path.replace("/", "_"))
        assert violations == [], path


@pytest.mark.browser
def test_admin_console_pages_have_no_serious_violations(page):
    login(page, "admin@demo.kretslop.no")
    for path in ADMIN_PAGES:
        page.goto(path)
        violations = axe_violations(page)
        screenshot(page, "a11y" + path.split("?")[0].replace("/", "_"))
        assert violations == [], path
    for listing in ("/admin/organizations", "/admin/users", "/admin/listings"):
        page.goto(listing)  # and the first detail page of each list
        page.locator("table a").first.click()
        page.wait_for_load_state()
        assert axe_violations(page) == [], page.url


@pytest.mark.browser
def test_map_views_have_no_serious_violations(page):
    """The search page with its map shown, and a listing page with its pickup map (the
    tiles are blocked: tests run offline)."""
    page.goto("/search?q=stol")
    page.get_by_role("button", name="Vis på kart").click()
    page.locator("#results-map .leaflet-marker-icon").first.wait_for()
    assert axe_violations(page) == [], page.url
    page.goto(page.evaluate(
        "() => JSON.parse(document.getElementById('map-data').textContent).markers[0].url"))
    page.locator("#listing-map .leaflet-marker-icon").wait_for()
    screenshot(page, "a11y_listing_with_map")
    assert axe_violations(page) == [], page.url


@pytest.mark.browser
def test_designsystemet_pages_and_their_error_states_have_no_serious_violations(page):
    """D1's sweep: a listing, its report and question pages, a form with errors (error
    summary, ds-validation-message, radios), the import page and an error page."""
    page.goto("/login")
    page.get_by_role("button", name="Logg inn").click()  # empty: field errors
    expect(page.locator(".ds-error-summary")).to_be_visible()
    assert axe_violations(page) == [], "/login with errors"
    page.goto("/listings/999999999")
    assert axe_violations(page) == [], "404"
    login(page, "omigjen@demo.kretslop.no")
    page.goto("/listings")
    page.locator(".listing-card-link").first.click()
    page.wait_for_load_state()
    detail = page.url
    assert axe_violations(page) == [], detail
    page.goto(detail + "/questions")
    assert axe_violations(page) == [], page.url
    page.goto(detail + "/report")
    page.get_by_role("button", name="Send rapport").click()  # no reason chosen
    expect(page.locator(".ds-error-summary")).to_be_visible()
    expect(page.locator("#reason-error")).to_be_visible()
    screenshot(page, "a11y_report_errors")
    assert axe_violations(page) == [], page.url
    page.goto("/listings/import")
    assert axe_violations(page) == [], page.url
