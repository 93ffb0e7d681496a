"""Journey: notifications and "Til behandling".

A second-hand shop asks to reserve an office's listing; the office's person logs in, sees
the request in "Til behandling" on the home page and the unread count in the header,
accepts from there (the shop is e-mailed at once, checked by parsing the .eml); then the
office chooses "Bare i appen" for messages, and the shop's next message is listed in the
office's inbox but not e-mailed. axe-core (no serious or critical violations) on the home
page with items, /inbox and /inbox/settings, and none of them scrolls sideways at 390 px.
"""

from __future__ import annotations

import email
import re
import uuid
from email import policy
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, reload_until_visible, screenshot

OFFICE = "kontor@demo.kretslop.no"   # Nesbru Kontorfellesskap AS (demo): gives
SHOP = "sofa@demo.kretslop.no"       # Miljøsofa Asker (demo): asks


def _mails(live, to: str) -> list:
    found = []
    for path in Path(live.env["MAIL_DIR"]).glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == to:
            found.append(message)
    return found


def _subjects(live, to: str) -> list[str]:
    return [" ".join(m["Subject"].split()) for m in _mails(live, to)]


def _login(context, email_address: str):
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/login")
    page.get_by_label("E-post").fill(email_address)
    page.get_by_label("Passord").fill("kretslop-demo")
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    return page


def _no_sideways_scroll(page, path: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide at 390 px"
    page.set_viewport_size({"width": 1280, "height": 900})


def _accessible(page, path: str, name: str) -> None:
    page.goto(path)
    screenshot(page, name)
    assert axe_violations(page) == [], path


@pytest.mark.browser
def test_request_todo_accept_and_only_in_the_app(browser, live):
    title = f"Skrivebord hev-senk {uuid.uuid4().hex[:6]}"
    token = live.token(OFFICE)
    created = requests.post(f"{live.url}/api/v1/listings", timeout=20,
                            headers={"Authorization": f"Bearer {token}"},
                            json={"title": title, "category": "desk", "condition": "good",
                                  "quantity": 4, "unit": "pcs", "price_nok": 0,
                                  "postcode": "1396", "publish": True})
    assert created.status_code == 201, created.text
    listing_id = created.json()["id"]

    shop_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO",
                                   base_url=live.url)
    office_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO",
                                     base_url=live.url)
    try:
        # The shop asks.
        shop = _login(shop_ctx, SHOP)
        shop.goto(f"/listings/{listing_id}")
        shop.get_by_label("Antall").fill("2")
        shop.get_by_label("Melding til den som gir bort (valgfritt)").fill("Kan hente torsdag.")
        with shop.expect_navigation():
            shop.get_by_role("button", name="Reserver", exact=True).click()
        reservation_path = re.search(r"/reservations/\d+", shop.url).group(0)

        # The office sees it in "Til behandling" and in the header count.
        office = _login(office_ctx, OFFICE)
        todo = office.locator("section.todo")
        item = todo.locator("li.todo-item", has_text=title)
        reload_until_visible(office, item)
        expect(item).to_contain_text("Miljøsofa Asker ber om 2 stk")
        badge = office.locator("header nav .badge .visually-hidden")
        expect(badge).to_have_text(re.compile(r"^\d+ (ulest varsel|uleste varsler)$"))
        unread_before = int(badge.inner_text().split()[0])
        assert unread_before >= 1
        screenshot(office, "notifications-todo")
        assert axe_violations(office) == [], "home page with to-do items"
        _no_sideways_scroll(office, "/")

        # Accept from there, in one click.
        with office.expect_navigation():
            item.get_by_role("button", name=re.compile("^Godta")).click()
        assert office.url.endswith(reservation_path)
        expect(office.locator("main")).to_contain_text("Reservasjonen er godtatt")
        live.wait_until_idle()
        assert f"Reservasjonen er godtatt: {title}" in _subjects(live, SHOP)

        # The office chooses "only in the app" for messages.
        office.goto("/inbox/settings")
        group = office.get_by_role("group", name="Ny melding om en reservasjon")
        group.get_by_label("Bare i appen").check()
        with office.expect_navigation():
            office.get_by_role("button", name="Lagre").click()
        expect(office.locator(".flashes")).to_contain_text("Innstillingene er lagret")
        expect(office.get_by_role("group", name="Ny melding om en reservasjon")
               .get_by_label("Bare i appen")).to_be_checked()

        # The shop writes; the office is not e-mailed, but it is in the inbox.
        before = _subjects(live, OFFICE)
        shop.goto(reservation_path)
        shop.get_by_label("Melding", exact=True).fill("Vi kommer klokka ti.")
        with shop.expect_navigation():
            shop.get_by_role("button", name="Send melding").click()
        live.wait_until_idle()
        assert _subjects(live, OFFICE) == before
        office.goto("/inbox")
        entry = office.locator("li.notification", has_text=f"om «{title}»").first
        reload_until_visible(office, entry)
        expect(entry).to_have_class(re.compile(r"\bunread\b"))
        expect(entry).to_contain_text("Ny melding fra")
        with office.expect_navigation():
            entry.get_by_role("button", name=re.compile("^Åpne")).click()
        assert office.url.endswith(reservation_path)
        expect(office.locator("main")).to_contain_text("Vi kommer klokka ti.")

        _accessible(office, "/inbox", "notifications-inbox")
        _accessible(office, "/inbox/settings", "notifications-settings")
        for path in ("/inbox", "/inbox/settings"):
            _no_sideways_scroll(office, path)
    finally:
        shop_ctx.close()
        office_ctx.close()
