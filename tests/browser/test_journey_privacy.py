"""Personal data journeys (issue 18): a person downloads their data and finds their own
listing and message in the ZIP; a person who made hand-overs deletes their account and
the municipal dashboard shows the same figures before and after."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, login, reload_until_visible, screenshot


def _api(live, token, method, path, **kwargs):
    response = requests.request(method, live.url + "/api/v1" + path, timeout=15,
                                headers={"Authorization": f"Bearer {token}"}, **kwargs)
    assert response.status_code < 300, (path, response.status_code, response.text)
    return response.json()


@pytest.fixture(scope="module")
def handed_over(live):
    """Heggedal Bygg (Kari Nordmann, bygg@) lists doors, Omigjen reserves them, Kari writes
    a message and the hand-over is completed (a ledger record)."""
    giver = live.token("bygg@demo.kretslop.no")
    receiver = live.token("omigjen@demo.kretslop.no")
    marker = uuid.uuid4().hex[:8]
    title = f"Innerdører fra Heggedal, personvern {marker}"
    message = f"Dørene står klare ved porten, spør etter Kari ({marker})"
    listing = _api(live, giver, "POST", "/listings", json={
        "title": title, "category": "door", "condition": "good", "quantity": 6,
        "unit": "pcs", "price_nok": 0, "postcode": "1389", "publish": True})
    reservation = _api(live, receiver, "POST", "/reservations",
                       json={"listing_id": listing["id"], "quantity": 6})
    _api(live, giver, "POST", f"/reservations/{reservation['id']}/accept", json={})
    _api(live, giver, "POST", f"/reservations/{reservation['id']}/messages",
         json={"body": message})
    _api(live, receiver, "POST", f"/reservations/{reservation['id']}/handover", json={})
    _api(live, giver, "POST", f"/reservations/{reservation['id']}/handover",
         json={"weight_kg": 150})
    return {"title": title, "message": message, "reservation": reservation["id"]}


@pytest.mark.browser
def test_download_my_data_and_find_my_listing_and_message(page, live, handed_over):
    login(page, "bygg@demo.kretslop.no")
    page.goto("/account/data")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Lag fil med dataene mine").click()
    link = page.get_by_role("link", name="Last ned", exact=False).first
    reload_until_visible(page, link)  # the job (a worker at scale) builds the file
    screenshot(page, "privacy-my-data")
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    with open(download.path(), "rb") as file:
        archive = zipfile.ZipFile(io.BytesIO(file.read()))
    listings = json.loads(archive.read("listings.json"))
    assert handed_over["title"] in [x["title"] for x in listings]
    messages = json.loads(archive.read("messages.json"))
    assert handed_over["message"] in [m["body"] for m in messages]
    profile = json.loads(archive.read("profile.json"))
    assert profile["email"] == "bygg@demo.kretslop.no"
    assert "password_hash" not in profile and "session_token" not in profile
    assert "Dine data fra Kretsløp" in archive.read("README.txt").decode()
    # The inbox says the file is ready.
    page.goto("/inbox")
    expect(page.get_by_text("Dataene dine er klare til nedlasting").first).to_be_visible()


def _dashboard_figures(page) -> dict[str, str]:
    return {name: page.locator(f'section[aria-labelledby="{name}"]').inner_text()
            for name in ("kpi-heading", "eu-heading", "category-heading", "kind-heading")}


@pytest.mark.browser
def test_delete_a_person_who_made_hand_overs_and_the_municipal_totals_stay(
        browser, page, live, handed_over):
    today = datetime.now(ZoneInfo("Europe/Oslo")).date()
    path = (f"/reporting?period=custom&from={(today - timedelta(days=700)).isoformat()}"
            f"&to={today.isoformat()}")
    officer = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO",
                                  base_url=live.url)
    officer_page = officer.new_page()
    try:
        login(officer_page, "kommune@demo.kretslop.no")
        officer_page.goto(path)
        before = _dashboard_figures(officer_page)
        assert "fullførte overleveringer" in before["kpi-heading"]

        login(page, "bygg@demo.kretslop.no")
        page.goto("/account/delete")
        assert axe_violations(page) == []
        page.get_by_label("Passord").fill("feil passord")
        page.get_by_label("Skriv SLETT for å bekrefte").fill("SLETT")
        page.get_by_role("button", name="Slett kontoen min for godt").click()
        expect(page.get_by_text("Passordet stemmer ikke.").first).to_be_visible()
        assert axe_violations(page) == []
        page.get_by_label("Passord").fill("kretslop-demo")
        page.get_by_label("Skriv SLETT for å bekrefte").fill("SLETT")
        page.get_by_role("button", name="Slett kontoen min for godt").click()
        expect(page.get_by_text("Kontoen din er slettet").first).to_be_visible()
        screenshot(page, "privacy-deleted")

        officer_page.goto(path)
        assert _dashboard_figures(officer_page) == before
        screenshot(officer_page, "privacy-dashboard-after")
        # The receiver still sees the conversation, written by "Tidligere bruker".
        login(page, "omigjen@demo.kretslop.no")
        page.goto(f"/reservations/{handed_over['reservation']}")
        expect(page.get_by_text(handed_over["message"])).to_be_visible()
        expect(page.get_by_text("Tidligere bruker").first).to_be_visible()
        assert "Kari Nordmann" not in page.locator("main").inner_text()
    finally:
        officer.close()

    # The deleted person cannot log in.
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("E-post").fill("bygg@demo.kretslop.no")
    page.get_by_label("Passord").fill("kretslop-demo")
    page.get_by_role("button", name="Logg inn").click()
    assert "/login" in page.url


@pytest.mark.browser
def test_privacy_pages_fit_390_px(browser, live):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="nb-NO",
                                  base_url=live.url)
    page = context.new_page()
    try:
        for email, paths in (("kontor@demo.kretslop.no", ("/account/data", "/account/delete")),
                             ("admin@demo.kretslop.no", ("/admin/processing",))):
            page.context.clear_cookies()
            login(page, email)
            for path in paths:
                page.goto(path)
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, (path, width)
                assert axe_violations(page) == [], path
                screenshot(page, "privacy-390" + path.replace("/", "_"))
    finally:
        context.close()
