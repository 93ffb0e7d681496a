"""Journey: the site admin at work in /admin.

1. A new organisation registers (the registry is off in the live stack, so it stays
   unverified); the site admin finds it in the verification queue, tries to verify it
   without a reason (the error is shown at the field), verifies it with one, and the
   badge changes for the admin and for the organisation's owner.
2. A shop reports a listing through "Rapporter annonse" on the listing page; the site
   admin sees the report in the console and hides the listing with a reason; the
   listing is gone from search and the list, and its owner sees the reason.

axe-core runs on every console page the journey opens, and the console is used at
390 px wide as well.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from app.accounts import orgnr
from tests.accounts.signup import wait_for_confirmation_path
from tests.browser.conftest import (
    axe_violations,
    pass_two_factor,
    reload_until_visible,
    screenshot,
)

ADMIN = "admin@demo.kretslop.no"
OFFICE = "kontor@demo.kretslop.no"  # Nesbru Kontorfellesskap AS (demo)
SHOP = "sofa@demo.kretslop.no"      # Miljøsofa Asker (demo)


def _context(browser, live, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO",
                                  base_url=live.url)
    context.set_default_timeout(15_000)
    return context


def _login(context, email: str, password: str = "kretslop-demo"):
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    pass_two_factor(page)  # the site admin's second step
    return page


def _no_violations(page, name: str) -> None:
    violations = axe_violations(page)
    screenshot(page, name)
    assert violations == [], (page.url, violations)


def _fits(page) -> None:
    """Nothing wider than the viewport: wide tables scroll inside their wrapper."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, (page.url, width)


def _register(page, live, email: str, org_name: str, number: str) -> None:
    page.goto("/register")
    page.get_by_label("Ditt navn").fill("Siri Styreleder")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Organisasjonens navn").fill(org_name)
    page.get_by_label("Type organisasjon").select_option("business")
    page.get_by_label("Organisasjonsnummer").fill(number)
    page.get_by_label("Postnummer").fill("1384")
    with page.expect_navigation():
        page.get_by_role("button", name="Registrer").click()
    page.goto(wait_for_confirmation_path(email, live.env["MAIL_DIR"]))
    page.get_by_label("Passord (minst 10 tegn)").fill("et godt passord")  # chosen here
    with page.expect_navigation():
        page.get_by_role("button", name="Fullfør registreringen").click()
    assert "Organisasjonen er registrert" in page.content()


@pytest.mark.browser
def test_site_admin_verifies_a_new_organisation(browser, live):
    org_name = "Vettre Snekkerverksted AS"
    owner_ctx, admin_ctx = _context(browser, live), _context(browser, live)
    try:
        owner = owner_ctx.new_page()
        _register(owner, live, "siri@vettre-snekker.no", org_name, orgnr.make(93456781))
        owner.locator(".user-menu summary").click()  # the organisations are in the user menu
        owner.get_by_role("link", name=org_name).first.click()
        expect(owner.locator("h1 .verification-badge, .verification-badge").first
               ).to_have_class("verification-badge verification-unverified")

        admin = _login(admin_ctx, ADMIN)
        admin.get_by_role("link", name="Administrasjon").first.click()
        expect(admin.get_by_role("heading", name="Verifiseringskø")).to_be_visible()
        _no_violations(admin, "admin-queue")
        admin.get_by_role("link", name=org_name).click()
        expect(admin.get_by_role("table", name="Oppgitt og Enhetsregisteret")).to_be_visible()
        form = admin.locator("#form-verify")
        with admin.expect_navigation():
            form.get_by_role("button", name="Verifiser").click()
        # no reason: the error is at the field and in the summary
        reason = admin.locator("#verify-reason")
        expect(admin.locator("#verify-reason-error")).to_have_text("Skriv en begrunnelse.")
        expect(reason).to_have_attribute("aria-describedby", "verify-reason-hint "
                                                             "verify-reason-error")
        expect(admin.locator(".ds-error-summary")).to_be_visible()
        _no_violations(admin, "admin-organization-error")
        admin.locator("#verify-reason").fill("Ringt daglig leder; registeret var nede")
        with admin.expect_navigation():
            admin.locator("#form-verify").get_by_role("button", name="Verifiser").click()
        expect(admin.get_by_text("Organisasjonen er verifisert.")).to_be_visible()
        expect(admin.locator("h1 .verification-badge")).to_have_class(
            "verification-badge verification-verified")
        expect(admin.get_by_role("cell", name="Ringt daglig leder; registeret var nede")
               .first).to_be_visible()  # the audit entry on the page
        _no_violations(admin, "admin-organization-verified")

        owner.reload()
        expect(owner.locator(".verification-badge").first).to_have_class(
            "verification-badge verification-verified")

        # the audit log shows the decision, and exports it
        admin.get_by_role("navigation", name="Administrasjon").get_by_role(
            "link", name="Revisjonslogg").click()
        admin.get_by_label("Handling").select_option("organization.verify")
        with admin.expect_navigation():
            admin.get_by_role("button", name="Filtrer").click()
        expect(admin.get_by_role("cell", name="Ringt daglig leder; registeret var nede",
                                 exact=True)).to_be_visible()
        _no_violations(admin, "admin-audit")
        with admin.expect_download() as download:
            admin.get_by_role("link", name="Last ned som CSV").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert "organization.verify" in text and ADMIN in text
    finally:
        owner_ctx.close()
        admin_ctx.close()


@pytest.mark.browser
def test_site_admin_hides_a_reported_listing(browser, live):
    token = live.token(OFFICE)
    listings = requests.get(f"{live.url}/api/v1/listings?per_page=100", timeout=20,
                            headers={"Authorization": f"Bearer {token}"}).json()["items"]
    listing = next(item for item in listings
                   if item["organization"]["name"] == "Nesbru Kontorfellesskap AS")
    listing_id, title = listing["id"], listing["title"]
    shop_ctx, admin_ctx, office_ctx = (_context(browser, live), _context(browser, live),
                                       _context(browser, live))
    anonymous_ctx = _context(browser, live)
    try:
        shop = _login(shop_ctx, SHOP)
        shop.goto(f"/listings/{listing_id}")
        shop.get_by_role("link", name="Rapporter annonse").click()
        shop.get_by_label("Svindel eller falsk annonse").check()
        shop.get_by_label("Melding til administratorene (valgfritt)").fill(
            "Samme bilder som en nettbutikk bruker")
        with shop.expect_navigation():
            shop.get_by_role("button", name="Send rapport").click()
        expect(shop.get_by_text("Takk! Rapporten er sendt")).to_be_visible()

        admin = _login(admin_ctx, ADMIN)
        admin.goto("/admin")
        admin.get_by_role("link", name="Rapporter fra brukere").click()
        row = admin.get_by_role("row").filter(has_text="Samme bilder som en nettbutikk bruker")
        expect(row).to_be_visible()
        _no_violations(admin, "admin-reports")
        row.get_by_role("link", name="Behandle").click()
        expect(admin.get_by_role("heading", name="Svindel eller falsk annonse · Åpen")
               ).to_be_visible()
        admin.locator("#hide-reason").fill("Bildene er kopiert fra en nettbutikk")
        with admin.expect_navigation():
            admin.locator("#form-hide").get_by_role("button", name="Skjul annonsen").click()
        expect(admin.get_by_text("Annonsen er skjult.")).to_be_visible()
        expect(admin.get_by_role("heading", name="Svindel eller falsk annonse · Fulgt opp")
               ).to_be_visible()
        _no_violations(admin, "admin-listing-hidden")

        # gone from search and the public list (a worker may deliver a moment later)
        anonymous = anonymous_ctx.new_page()
        anonymous.goto(f"/search?q={title}")
        hit = anonymous.get_by_role("link", name=title)
        deadline = time.monotonic() + 30
        while hit.count() and time.monotonic() < deadline:
            anonymous.reload()
        assert hit.count() == 0
        response = anonymous.goto(f"/listings/{listing_id}")
        assert response.status == 404

        # the owner sees the reason on the listing
        office = _login(office_ctx, OFFICE)
        office.goto(f"/listings/{listing_id}")
        reload_until_visible(office, office.get_by_text("Bildene er kopiert fra en nettbutikk"))
        screenshot(office, "admin-hidden-owner")
    finally:
        for context in (shop_ctx, admin_ctx, office_ctx, anonymous_ctx):
            context.close()


@pytest.mark.browser
def test_console_at_390_px(browser, live):
    context = _context(browser, live, width=390)
    try:
        admin = _login(context, ADMIN)
        for path in ("/admin", "/admin/organizations", "/admin/users", "/admin/listings",
                     "/admin/reports?status=all", "/admin/audit", "/admin/search?q=a"):
            admin.goto(path)
            _fits(admin)
            _no_violations(admin, "admin-390" + path.split("?")[0].replace("/", "_"))
        admin.goto("/admin/organizations")
        admin.locator("table a").first.click()
        _fits(admin)
        _no_violations(admin, "admin-390-organization")
    finally:
        context.close()
