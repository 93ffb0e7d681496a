"""Journey 4: the main pages at phone width and in English."""

import pytest

from tests.browser.conftest import axe_violations, login, screenshot

PAGES = ["/", "/listings", "/search?q=stol", "/wanted", "/ombruk-i-tall", "/login",
         "/register", "/emission-factors"]
SIGNED_IN = ["/listings/new", "/listings/mine", "/reservations", "/inbox", "/reporting",
             "/account"]


@pytest.fixture
def phone(browser, live):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2, base_url=live.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _check(page, path: str, lang: str) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    assert page.locator("html").get_attribute("lang") == lang
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at phone width"
    screenshot(page, f"phone-{lang}{path.replace('/', '_').replace('?', '_')}")
    assert axe_violations(page) == [], path


@pytest.mark.browser
def test_public_pages_at_phone_width_in_bokmal_and_english(phone):
    for path in PAGES:
        _check(phone, path, "nb")
    phone.goto("/")
    phone.get_by_role("button", name="English").click()
    phone.wait_for_load_state()
    for path in PAGES:
        _check(phone, path, "en")
    assert "Sign in" in phone.content() or "Log in" in phone.content()


@pytest.mark.browser
def test_signed_in_pages_at_phone_width_in_english(phone):
    login(phone, "kommune@demo.kretslop.no")
    phone.goto("/?lang=en")
    for path in SIGNED_IN:
        _check(phone, path, "en")
