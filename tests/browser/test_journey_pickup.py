"""Journey: pickup times with calendar invitations (issue 16).

The office lists chairs with a pickup window (Monday to Friday 08:00-15:00); the shop
reserves one and picks a time inside the window; the office accepts; both receive the
e-mail with hentetid.ics (read from the mail directory and parsed with icalendar); the
shop moves the time and both receive the updated invitation (same UID, higher
SEQUENCE). axe-core and 390 px on the pages this changes.
"""

from __future__ import annotations

import email
from datetime import datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.browser.conftest import axe_violations, leased_stack, screenshot

OFFICE = "kontor@demo.kretslop.no"   # Nesbru Kontorfellesskap AS (demo)
SHOP = "sofa@demo.kretslop.no"       # Miljøsofa Asker (demo)
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, browser):
    del browser  # a missing Chromium is reported before the stack starts
    with leased_stack(tmp_path_factory.mktemp("journey_pickup")) as live:
        yield live


def _login(browser, stack, email_address, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO",
                                  base_url=stack.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/login")
    page.get_by_label("E-post").fill(email_address)
    page.get_by_label("Passord").fill("kretslop-demo")
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    return context, page


TITLE = "Kontorstoler med hentetid"


def _invitations(stack, address: str) -> list[Calendar]:
    """The invitations about this journey's listing (the demo data has its own)."""
    found = []
    directory = stack.tmp / "mail"
    for path in sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) \
            if directory.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] != address:
            continue
        for part in message.iter_attachments():
            if part.get_filename() == "hentetid.ics":
                calendar = Calendar.from_ical(part.get_content())
                if TITLE in str(_event(calendar)["SUMMARY"]):
                    found.append(calendar)
    return found


def _event(calendar: Calendar):
    (vevent,) = calendar.walk("VEVENT")
    return vevent


def _checked(page, name: str) -> None:
    assert axe_violations(page) == [], page.url
    screenshot(page, name)


def _narrow(browser, stack, email_address, path: str) -> None:
    context, page = _login(browser, stack, email_address, width=390)
    try:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    finally:
        context.close()


def _next_weekday(days_ahead: int) -> datetime:
    day = datetime.now(OSLO).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=OSLO)


@pytest.mark.browser
def test_windows_reserve_with_a_time_accept_invitations_and_change(browser, stack):
    office_ctx, office = _login(browser, stack, OFFICE)
    shop_ctx, shop = _login(browser, stack, SHOP)
    try:
        # The lister sets a pickup window while creating the listing.
        office.goto("/listings/new")
        office.get_by_label("Tittel", exact=True).fill(TITLE)
        office.get_by_label("Kategori", exact=True).select_option("office-chair")
        office.get_by_label("Tilstand", exact=True).select_option("good")
        office.get_by_label("Antall", exact=True).fill("6")
        office.get_by_label("Enhet", exact=True).select_option("pcs")
        office.get_by_label("Henteadresse").fill("Nesbruveien 75")
        office.get_by_label("Postnummer for henting").fill("1394")
        office.locator("#pickup_windows-0-days").select_option("1,2,3,4,5")
        office.locator("#pickup_windows-0-start").fill("08:00")
        office.locator("#pickup_windows-0-end").fill("15:00")
        _checked(office, "pickup-listing-form")
        with office.expect_navigation():
            office.get_by_role("button", name="Publiser").click()
        listing_path = office.url.split(stack.url, 1)[1].replace("/edit", "")
        office.goto(listing_path)
        assert "man–fre 08:00–15:00" in office.inner_text("main")

        # The buyer picks a time inside the window when reserving.
        first = _next_weekday(3).replace(hour=10)
        shop.goto(listing_path)
        _checked(shop, "pickup-listing-page")
        shop.get_by_label("Antall", exact=True).fill("2")
        shop.get_by_label("Hentedato (valgfritt)").fill(first.date().isoformat())
        shop.get_by_label("Klokkeslett for henting").fill("10:00")
        with shop.expect_navigation():
            shop.get_by_role("button", name="Reserver").click()
        reservation_path = shop.url.split(stack.url, 1)[1]
        assert reservation_path.startswith("/reservations/")
        assert "foreslår henting" in shop.inner_text("main")

        # The seller accepts: the proposed time is agreed, both get the invitation.
        office.goto(reservation_path)
        _checked(office, "pickup-reservation-requested")
        with office.expect_navigation():
            office.get_by_role("button", name="Godta og hold av").click()
        assert "Avtalt:" in office.inner_text("#pickup")
        stack.wait_for(lambda: _invitations(stack, OFFICE) and _invitations(stack, SHOP),
                       timeout=60)
        office_cal, shop_cal = _invitations(stack, OFFICE)[0], _invitations(stack, SHOP)[0]
        uid = str(_event(office_cal)["UID"])
        for cal in (office_cal, shop_cal):
            vevent = _event(cal)
            assert cal["METHOD"] == "REQUEST" and str(vevent["UID"]) == uid
            assert int(vevent["SEQUENCE"]) == 0 and vevent["DTSTART"].dt == first
            assert "Nesbruveien 75" in str(vevent["LOCATION"])

        # The buyer moves the time: an updated invitation, same UID, higher SEQUENCE.
        shop.goto(reservation_path)
        _checked(shop, "pickup-reservation-agreed")
        second = first.replace(hour=13, minute=30)
        shop.get_by_text("Endre hentetid").click()
        shop.get_by_label("Ny hentedato").fill(second.date().isoformat())
        shop.get_by_label("Klokkeslett").fill("13:30")
        with shop.expect_navigation():
            shop.get_by_role("button", name="Lagre hentetid").click()
        stack.wait_for(lambda: len(_invitations(stack, OFFICE)) == 2
                       and len(_invitations(stack, SHOP)) == 2, timeout=60)
        for address in (OFFICE, SHOP):
            vevent = _event(_invitations(stack, address)[1])
            assert str(vevent["UID"]) == uid and int(vevent["SEQUENCE"]) == 1
            assert vevent["DTSTART"].dt == second
        assert shop.get_by_role("link", name="Legg i kalenderen (.ics)").is_visible()
    finally:
        office_ctx.close()
        shop_ctx.close()

    for path in (listing_path, reservation_path, "/listings/new"):
        _narrow(browser, stack, OFFICE, path)
