"""Journey: asking before reserving (issue 16).

The office lists chairs; the shop asks a question on the listing page; the office finds
it under "Spørsmål" (waiting for an answer) and answers in the thread; the shop reads the
answer on the listing page and reserves; the reservation page shows the questions asked
before. A second request while the first waits is refused with a link to it. axe-core on
every new page, and 390 px without sideways scrolling (the thread, the list, the
organisation profile).
"""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, leased_stack, screenshot

OFFICE = "kontor@demo.kretslop.no"   # Nesbru Kontorfellesskap AS (demo)
SHOP = "sofa@demo.kretslop.no"       # Miljøsofa Asker (demo)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, browser):
    del browser  # a missing Chromium is reported before the stack starts
    with leased_stack(tmp_path_factory.mktemp("journey_questions")) as live:
        yield live


def _login(browser, stack, address, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="nb-NO",
                                  base_url=stack.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/login")
    page.get_by_label("E-post").fill(address)
    page.get_by_label("Passord").fill("kretslop-demo")
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    return context, page


def _checked(page, name: str) -> None:
    assert axe_violations(page) == [], page.url
    screenshot(page, name)


def _narrow(browser, stack, address, paths) -> None:
    context, page = _login(browser, stack, address, width=390)
    try:
        for path in paths:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
            _checked(page, "questions-390" + path.replace("/", "_"))
    finally:
        context.close()


@pytest.mark.browser
def test_shop_asks_office_answers_shop_reserves(browser, stack):
    token = stack.token(OFFICE)
    listing = requests.post(f"{stack.url}/api/v1/listings", timeout=20,
                            headers={"Authorization": f"Bearer {token}"},
                            json={"title": "Kontorstoler med armlener, spørsmål",
                                  "category": "office-chair", "condition": "good",
                                  "quantity": 6, "unit": "pcs", "price_nok": 0,
                                  "postcode": "1396", "publish": True})
    assert listing.status_code == 201, listing.text
    listing_id = listing.json()["id"]

    shop_ctx, shop = _login(browser, stack, SHOP)
    office_ctx, office = _login(browser, stack, OFFICE)
    try:
        # The shop asks on the listing page.
        shop.goto(f"/listings/{listing_id}")
        expect(shop.get_by_role("heading", name="Still et spørsmål")).to_be_visible()
        _checked(shop, "questions-listing-before")
        shop.get_by_label("Spørsmålet ditt").fill("Kan armlenene tas av?")
        with shop.expect_navigation():
            shop.get_by_role("button", name="Send spørsmålet").click()
        expect(shop.locator("#question-thread")).to_contain_text("Kan armlenene tas av?")
        thread_path = shop.url.split(stack.url, 1)[1].split("#", 1)[0]
        assert thread_path.startswith("/questions/")
        _checked(shop, "questions-thread-asked")

        # The office sees it waiting and answers in the thread.
        office.goto("/questions")
        expect(office.get_by_role("link", name="Til våre annonser")).to_have_attribute(
            "aria-current", "page")
        card = office.locator(".reservation-card", has_text="Kontorstoler med armlener")
        expect(card).to_contain_text("Venter på svar")
        _checked(office, "questions-list-lister")
        with office.expect_navigation():
            card.get_by_role("link").click()
        office.get_by_label("Melding", exact=True).fill("Ja, de skrus av med en unbrakonøkkel.")
        with office.expect_navigation():
            office.get_by_role("button", name="Send", exact=True).click()
        expect(office.locator("#question-thread")).to_contain_text("unbrakonøkkel")
        office.goto("/questions?role=lister")
        expect(office.locator(".reservation-card", has_text="Kontorstoler med armlener")
               ).not_to_contain_text("Venter på svar")

        # The shop reads the answer on the listing page and reserves.
        shop.goto(f"/listings/{listing_id}")
        questions = shop.locator("#questions")
        expect(questions).to_contain_text("Kan armlenene tas av?")
        expect(questions).to_contain_text("unbrakonøkkel")
        _checked(shop, "questions-listing-answered")
        shop.get_by_label("Antall").fill("2")
        with shop.expect_navigation():
            shop.get_by_role("button", name="Reserver").click()
        before = shop.locator("#questions-before")
        expect(before).to_contain_text("Kan armlenene tas av?")
        expect(before).to_contain_text("unbrakonøkkel")
        reservation_path = shop.url.split(stack.url, 1)[1]
        _checked(shop, "questions-reservation")

        # A second request while the first waits: refused, with the way to the first.
        shop.goto(f"/listings/{listing_id}/reserve")
        shop.get_by_label("Antall").fill("1")
        shop.get_by_role("button", name="Reserver").click()
        expect(shop.locator("#existing-request")).to_be_visible()
        expect(shop.locator("#existing-request a")).to_have_attribute("href", reservation_path)

        # The lister sees the same thread on the reservation page, and the profile.
        office.goto(reservation_path)
        expect(office.locator("#questions-before")).to_contain_text("Kan armlenene tas av?")
        office.goto(f"/listings/{listing_id}")
        with office.expect_navigation():
            office.locator(".listing-facts").get_by_role(
                "link", name="Nesbru Kontorfellesskap AS").click()
        expect(office.locator("h1")).to_contain_text("Nesbru Kontorfellesskap AS")
        expect(office.locator(".listing-grid")).to_contain_text("Kontorstoler med armlener")
        _checked(office, "questions-profile")
        profile_path = office.url.split(stack.url, 1)[1]
    finally:
        shop_ctx.close()
        office_ctx.close()
    _narrow(browser, stack, SHOP, [thread_path, "/questions?role=asker",
                                   f"/listings/{listing_id}", profile_path])
