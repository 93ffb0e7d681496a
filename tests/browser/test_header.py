"""The site header on Designsystemet (issue #15): compact on a phone, a menu button that
opens the navigation, keyboard reachable, no menu button on a wide screen, axe-clean."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, login, screenshot

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}
TWO_ORGS = "kontor@demo.kretslop.no"


@pytest.fixture(scope="module")
def two_orgs(live):
    """The demo office user also joins a second organisation (as a member)."""
    from app.accounts.models import Membership, Organization, User
    from app.db import db

    with live.app_beside():
        user = db.session.scalar(sa.select(User).where(User.email == TWO_ORGS))
        other = db.session.scalar(
            sa.select(Organization).where(Organization.name == "Heggedal Bygg AS"))
        db.session.add(Membership(user_id=user.id, organization_id=other.id, role="member"))
        db.session.commit()
        names = sorted(m.organization.name for m in user.memberships)
    assert len(names) == 2
    return names


def _phone(browser, live):
    context = browser.new_context(viewport=PHONE, locale="nb-NO", base_url=live.url,
                                  has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _header_fits(page) -> float:
    height = page.locator("header.site-header").bounding_box()["height"]
    assert height <= 0.15 * PHONE["height"], f"header is {height} px at 390x844"
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 0, f"the page scrolls {sideways} px sideways"
    return height


def _menu_toggles(page):
    button = page.get_by_role("button", name="Meny")
    nav = page.get_by_role("navigation", name="Hovedmeny")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="Ombruk i tall")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    expect(button).to_be_focused()  # Escape gives focus back to the button


@pytest.mark.browser
def test_phone_header_logged_out_is_compact_and_the_menu_button_toggles_the_nav(browser, live):
    context, page = _phone(browser, live)
    try:
        page.goto("/")
        height = _header_fits(page)
        screenshot(page, "header_390_logged_out")
        _menu_toggles(page)
        # Keyboard: skip link, brand, language, then the menu button; Enter opens, Tab walks
        # the links.
        page.reload()
        page.keyboard.press("Tab")
        expect(page.locator(".skip-link")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.locator(".brand")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="English")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Meny")).to_be_focused()
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        expect(page.get_by_role("navigation", name="Hovedmeny").get_by_role(
            "link", name="Annonser")).to_be_focused()
        page.keyboard.press("Enter")
        page.wait_for_url("**/listings")
        assert height > 40  # the header is really measured (brand and button in it)
    finally:
        context.close()


@pytest.mark.browser
def test_phone_header_for_a_member_of_two_organisations(browser, live, two_orgs):
    context, page = _phone(browser, live)
    try:
        login(page, TWO_ORGS)
        page.goto("/")
        _header_fits(page)
        screenshot(page, "header_390_logged_in")
        # The unread count shows on the closed menu's button too, with its words.
        unread = page.locator("header nav .badge [aria-hidden]").inner_text()
        expect(page.get_by_role("button", name="Meny")).to_have_accessible_name(
            re.compile(rf"^Meny {unread} (ulest varsel|uleste varsler)$"))
        _menu_toggles(page)
        page.get_by_role("button", name="Meny").click()
        # Both organisations, Min konto and Logg ut are in the user menu inside the open menu.
        page.locator(".user-menu summary").click()
        for name in two_orgs:
            expect(page.get_by_role("link", name=name)).to_be_visible()
        expect(page.get_by_role("link", name="Min konto")).to_be_visible()
        expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        screenshot(page, "header_390_logged_in_open")
    finally:
        context.close()


@pytest.mark.browser
def test_without_javascript_the_phone_menu_is_simply_shown(browser, live):
    context = browser.new_context(viewport=PHONE, base_url=live.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.get_by_role("navigation", name="Hovedmeny")).to_be_visible()
        expect(page.get_by_role("button", name="Meny")).to_be_hidden()
    finally:
        context.close()


@pytest.mark.browser
def test_wide_screen_has_no_menu_button_and_the_home_page_is_axe_clean(browser, live, two_orgs):
    context = browser.new_context(viewport=WIDE, locale="nb-NO", base_url=live.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/")
        expect(page.get_by_role("button", name="Meny")).to_be_hidden()
        expect(page.get_by_role("navigation", name="Hovedmeny")).to_be_visible()
        assert axe_violations(page) == []
        login(page, TWO_ORGS)
        page.goto("/")
        expect(page.get_by_role("button", name="Meny")).to_be_hidden()
        user_menu = page.locator(".user-menu")
        expect(user_menu.get_by_role("link", name="Min konto")).to_be_hidden()  # closed
        user_menu.locator("summary").click()
        expect(user_menu.get_by_role("link", name="Min konto")).to_be_visible()
        assert axe_violations(page) == []
        screenshot(page, "header_1366_logged_in_open")
        page.keyboard.press("Escape")
        expect(user_menu.get_by_role("link", name="Min konto")).to_be_hidden()
    finally:
        context.close()


@pytest.mark.browser
def test_phone_home_is_axe_clean_logged_out_and_in(browser, live, two_orgs):
    context, page = _phone(browser, live)
    try:
        page.goto("/")
        assert axe_violations(page) == []
        login(page, TWO_ORGS)
        page.goto("/")
        page.get_by_role("button", name="Meny").click()
        assert axe_violations(page) == []
    finally:
        context.close()


@pytest.mark.browser
def test_phone_language_switch_is_outside_the_menu_and_the_english_header_fits(browser, live):
    context, page = _phone(browser, live)
    try:
        page.goto("/listings")
        expect(page.get_by_role("navigation", name="Hovedmeny")).to_be_hidden()
        page.get_by_role("button", name="English").click()  # no need to open the menu first
        page.wait_for_url("**/listings")
        assert page.locator("html").get_attribute("lang") == "en"
        _header_fits(page)  # with the longer "Norsk (bokmål)" and "Menu"
        screenshot(page, "header_390_english")
        expect(page.get_by_role("button", name="Norsk (bokmål)")).to_be_visible()
        page.get_by_role("button", name="Norsk (bokmål)").click()
        page.wait_for_url("**/listings")
        assert page.locator("html").get_attribute("lang") == "nb"
    finally:
        context.close()
