"""A person changes their e-mail address under Min konto: asks for it with their password,
opens the link from the mail sent to the new address in another browser (not signed in),
confirms, and logs in with the new address; the old address was told and no longer
works. On the way: the password page's live feedback (the same rules as the server), and
the settings pages at 390 px without sideways scrolling, axe-clean."""

from __future__ import annotations

import email
import re
import time
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, login, screenshot

OLD = "kontor@demo.kretslop.no"
NEW = "ny-adresse@example.no"


def _mails(live, to: str, subject: str | None = None, timeout: float = 30.0) -> list:
    """The messages to ``to`` (with ``subject``, if given) in the stack's MAIL_DIR,
    waiting for a served stack's worker. The demo seed has already mailed some of these
    addresses, so a caller waiting for one particular message names its subject."""
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for path in Path(live.env["MAIL_DIR"]).glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == to and (subject is None or message["Subject"] == subject):
                found.append(message)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.browser
def test_password_feedback_while_typing(page):
    login(page, OLD)
    page.goto("/account/password")
    field = page.get_by_label("Nytt passord")
    feedback = page.locator("#new_password-feedback")
    expect(feedback).to_have_attribute("aria-live", "polite")
    field.fill("kort")
    expect(feedback).to_contain_text("minst 10 tegn")
    field.fill("")
    field.press_sequentially("passord2024!")
    expect(feedback).to_contain_text("mest brukte passordene")
    field.fill("kontor-demo-kretslop")  # built on the e-mail address
    field.press("End")
    field.press_sequentially("x")
    expect(feedback).to_contain_text("e-postadressen eller navnet ditt")
    field.fill("")
    field.press_sequentially("sju grønne epler i kurven")
    expect(feedback).to_have_text("Passordet oppfyller kravene.")
    assert axe_violations(page) == []
    # The server says the same without the script.
    page.get_by_label("Nåværende passord").fill("kretslop-demo")
    field.fill("passord2024!")
    page.get_by_role("button", name="Lagre nytt passord").click()
    expect(page.locator("#new_password-error")).to_contain_text("mest brukte passordene")


@pytest.mark.browser
def test_change_email_through_the_link_and_log_in_with_the_new_address(page, browser, live):
    login(page, OLD)
    page.goto("/account/email")
    assert axe_violations(page) == []
    page.get_by_label("Ny e-postadresse").fill(NEW)
    page.get_by_label("Nåværende passord").fill("kretslop-demo")
    page.get_by_role("button", name="Send lenke").click()
    expect(page.locator(".ds-alert").first).to_contain_text(f"Vi har sendt en lenke til {NEW}")

    [confirm] = _mails(live, NEW)
    link = re.search(r"(http://\S+/account/email/confirm/\S+)", _body(confirm)).group(1)
    [notice] = _mails(live, OLD, subject="E-postadressen din på Kretsløp endres")
    assert NEW in _body(notice) and "/account/email/confirm/" not in _body(notice)

    other = browser.new_context(viewport={"width": 390, "height": 844}, locale="nb-NO",
                                base_url=live.url)
    try:
        phone = other.new_page()
        phone.goto(link)
        expect(phone.get_by_role("heading", level=1)).to_have_text("Bekreft ny e-postadresse")
        assert axe_violations(phone) == []
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, "account-email-confirm-390")
        phone.get_by_role("button", name="Bekreft ny adresse").click()
        phone.wait_for_url("**/login")
        expect(phone.locator(".ds-alert").first).to_contain_text(
            f"E-postadressen er endret til {NEW}")
        login(phone, NEW)
        phone.goto("/account/email")
        expect(phone.locator("main")).to_contain_text(f"Du logger inn med {NEW}")
        # The link worked once.
        phone.goto(link)
        expect(phone.get_by_role("heading", level=1)).to_have_text("Lenken virker ikke")
    finally:
        other.close()

    old = browser.new_context(locale="nb-NO", base_url=live.url)
    try:
        tab = old.new_page()
        tab.goto("/login")
        tab.get_by_label("E-post").fill(OLD)
        tab.get_by_label("Passord").fill("kretslop-demo")
        tab.get_by_role("button", name="Logg inn").click()
        expect(tab.locator("main")).to_contain_text("Feil e-post eller passord")
    finally:
        old.close()


@pytest.mark.browser
def test_settings_and_service_pages_fit_390_px(browser, live):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="nb-NO",
                                  base_url=live.url)
    page = context.new_page()
    try:
        for path in ("/om", "/kontakt", "/personvern", "/vilkar", "/tilgjengelighet"):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
            screenshot(page, "pages-390" + path.replace("/", "_"))
        login(page, "bygg@demo.kretslop.no")
        for path in ("/account/profile", "/account/email", "/account/password"):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
            assert axe_violations(page) == [], path
            screenshot(page, "settings-390" + path.replace("/", "_"))
    finally:
        context.close()
