"""Journey: a person turns on two-factor sign-in and signs in with it.

Reads the key off the set-up page (as a person typing it into an app would), confirms
with a code, keeps the recovery codes, logs out, signs in with password and then a code
(a wrong code first: the error is shown at the field), and finds this session marked in
the list. axe-core on every page of it; the pages also at 390 px wide.
"""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, login, screenshot, totp_code

EMAIL = "kontor@demo.kretslop.no"


def _clean(page, name: str) -> None:
    violations = axe_violations(page)
    screenshot(page, name)
    assert violations == [], (page.url, violations)
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                && !e.closest('.table-scroll'))
        .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
    assert width <= page.viewport_size["width"] + 1, (page.url, width, wide)


@pytest.mark.browser
@pytest.mark.parametrize("width", [390])
def test_turn_on_two_factor_and_sign_in_with_it(browser, live, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO",
                                  base_url=live.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        login(page, EMAIL)
        page.goto("/account")
        page.get_by_role("link", name="Gå til innlogging og sikkerhet").click()
        _clean(page, "2fa_security_off")
        page.get_by_role("link", name="Slå på tofaktor-innlogging").click()
        expect(page.locator(".totp-qr svg")).to_be_visible()
        _clean(page, "2fa_setup")
        secret = page.locator("#totp-secret").inner_text().strip()
        page.get_by_label("Kode", exact=True).fill(totp_code(page, secret))
        page.get_by_role("button", name="Slå på").click()
        expect(page.get_by_role("heading", name="Reservekoder")).to_be_visible()
        codes = re.findall(r"[a-z0-9]{5}-[a-z0-9]{5}",
                           page.locator("#recovery-codes").inner_text())
        assert len(codes) == 10
        _clean(page, "2fa_recovery_codes")
        page.get_by_role("link", name="Jeg har tatt vare på kodene").click()
        expect(page.locator("#two-factor ~ p .ds-tag").first).to_have_text("På")

        page.get_by_role("button", name="Logg ut").first.click()
        page.wait_for_url("**/")
        page.goto("/login")
        page.get_by_label("E-post").fill(EMAIL)
        page.get_by_label("Passord").fill("kretslop-demo")
        with page.expect_navigation():
            page.get_by_role("button", name="Logg inn").click()
        assert "/login/two-factor" in page.url
        _clean(page, "2fa_login_code")
        wrong = pyotp.TOTP(pyotp.random_base32()).now()
        page.get_by_label("Kode", exact=True).fill(wrong)
        page.get_by_role("button", name="Logg inn").click()
        expect(page.locator(".ds-validation-message")).to_contain_text("Feil kode")
        _clean(page, "2fa_login_code_error")
        page.get_by_label("Kode", exact=True).fill(totp_code(page, secret))
        with page.expect_navigation():
            page.get_by_role("button", name="Logg inn").click()
        expect(page.get_by_text("Velkommen")).to_be_visible()
        page.goto("/account/security")
        expect(page.locator("tr[aria-current='true']")).to_contain_text("Denne økten")
        expect(page.locator("tr[aria-current='true']")).to_contain_text("Chrom")
    finally:
        context.close()
