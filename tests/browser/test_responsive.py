"""Mobile first (issue #15): every main page at 390x844 without sideways scrolling, a
header of at most 15 % of the screen's height and no serious or critical axe-core
violations; the same pages at 1366x900 do not scroll sideways either, and the EU table
shows all its columns there.

Screenshots of every page at 1366x900 and 390x844, in bokmål and English, land in
``test-artifacts/screenshots/<lang>/<width>/<page>.png`` (``SCREENSHOT_DIR`` overrides the
directory). They are artifacts for people to look at; the asserts are the measurements.
One browser context and one page for the module; each role logs in once.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.browser.conftest import ARTIFACTS, axe_violations, block_map_tiles, login

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or ARTIFACTS)

PUBLIC = [
    ("home", "/"),
    ("listings", "/listings"),
    ("listing", "/listings/{listing}"),
    ("search", "/search?q=stol"),
    ("wanted", "/wanted"),
    ("wanted-request", "/wanted/{wanted}"),
    ("statistics", "/ombruk-i-tall"),
    ("emission-factors", "/emission-factors"),
    ("login", "/login"),
    ("register", "/register"),
]
MEMBER = [
    ("mine", "/listings/mine"),
    ("listing-new", "/listings/new"),
    ("reservations", "/reservations"),
    ("reservation", "/reservations/{reservation}"),
    ("inbox", "/inbox"),
    ("notifications", "/inbox/settings"),
    ("organisation", "/organizations/{org}"),
    ("account", "/account"),
    ("our-impact", "/reporting/mine"),
    ("our-wanted", "/wanted/mine"),
]
MUNICIPALITY = [
    ("reporting", "/reporting"),
    ("reporting-eu", "/reporting#eu"),
]
ADMIN_PAGES = [("admin", "/admin")]
ADMIN = "admin@demo.kretslop.no"
ROLES = {
    # role: (email, the organisation whose ids the member pages use)
    "business": ("kontor@demo.kretslop.no", "Nesbru Kontorfellesskap AS"),
    "reuse-shop": ("sofa@demo.kretslop.no", "Miljøsofa Asker"),
}


@pytest.fixture(scope="module")
def ids(live) -> dict[str, dict[str, int]]:
    """Ids for the detail pages, read from the demo data: a published listing and an open
    wanted request (public), and per role its organisation and one of its reservations."""
    from app.accounts.models import Organization
    from app.db import db
    from app.exchange.models import Reservation
    from app.listings.models import Listing
    from app.wanted.models import WantedRequest

    found: dict[str, dict[str, int]] = {}
    with live.app_beside():
        found["public"] = {
            "listing": db.session.scalar(sa.select(sa.func.min(Listing.id)).where(
                Listing.status == "published")),
            "wanted": db.session.scalar(sa.select(sa.func.min(WantedRequest.id)).where(
                WantedRequest.status == "open")),
        }
        for role, (_email, org_name) in ROLES.items():
            org = db.session.scalar(sa.select(Organization).where(Organization.name == org_name))
            reservation = db.session.scalar(sa.select(sa.func.max(Reservation.id)).where(
                sa.or_(Reservation.buyer_org_id == org.id, Reservation.seller_org_id == org.id)))
            found[role] = {"org": org.id, "reservation": reservation}
    for role, values in found.items():
        assert all(values.values()), f"the demo data lacks a detail page for {role}: {values}"
    return found


@pytest.fixture(scope="module")
def tab(browser, live):
    """One context and one page for the whole module (a phone-sized viewport to start)."""
    context = browser.new_context(viewport=PHONE, locale="nb-NO", base_url=live.url)
    block_map_tiles(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _with_lang(path: str, lang: str) -> str:
    base, _hash, anchor = path.partition("#")
    base += ("&" if "?" in base else "?") + f"lang={lang}"
    return base + (f"#{anchor}" if anchor else "")


def _sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _widest(page) -> list[str]:
    """What sticks out to the right (for the failure message): up to five elements."""
    return page.evaluate("""() => {
        const w = window.innerWidth, out = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > w + 1 && !el.closest('.table-scroll')) {
                out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                         (el.className && typeof el.className === 'string' ?
                          '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                         ' right=' + Math.round(r.right));
            }
        }
        return out.slice(0, 5);
    }""")


def _shoot(page, lang: str, viewport: dict, name: str, anchor: str = "") -> None:
    """The whole page, or with an anchor only that part of it (the EU table's section)."""
    path = SHOTS / lang / str(viewport["width"]) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if anchor:
        page.locator(f"#{anchor}").screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)


def check_pages(page, pages: list[tuple[str, str]], values: dict[str, int],
                prefix: str = "") -> list[str]:
    """Measure every page at 390x844 (sideways scroll, header height, axe) and at 1366x900
    (sideways scroll); screenshot both widths in nb and en. Returns what failed."""
    problems: list[str] = []
    for name, template in pages:
        path = template.format(**values)
        shot, anchor = prefix + name, path.partition("#")[2]
        page.set_viewport_size(PHONE)
        # ?lang= sticks to the session: name bokmål, or the last page's English stays
        response = page.goto(_with_lang(path, "nb"))
        assert response is not None and response.status == 200, (path, response and response.status)
        sideways = _sideways(page)
        if sideways > 0:
            problems.append(f"{path} at 390: scrolls {sideways} px sideways: {_widest(page)}")
        header = page.locator("header.site-header").bounding_box()["height"]
        if header > 0.15 * PHONE["height"]:
            problems.append(f"{path} at 390: the header is {header:.0f} px high")
        violations = axe_violations(page)
        if violations:
            problems.append(f"{path} at 390: axe: {violations}")
        _shoot(page, "nb", PHONE, shot, anchor)
        page.set_viewport_size(WIDE)
        page.goto(_with_lang(path, "nb"))
        assert page.locator("html").get_attribute("lang") == "nb", path
        sideways = _sideways(page)
        if sideways > 0:
            problems.append(f"{path} at 1366: scrolls {sideways} px sideways: {_widest(page)}")
        _shoot(page, "nb", WIDE, shot, anchor)
        page.goto(_with_lang(path, "en"))
        assert page.locator("html").get_attribute("lang") == "en", path
        _shoot(page, "en", WIDE, shot, anchor)
        page.set_viewport_size(PHONE)
        page.goto(_with_lang(path, "en"))
        sideways = _sideways(page)
        if sideways > 0:
            problems.append(f"{path} at 390 in English: scrolls {sideways} px sideways: "
                            f"{_widest(page)}")
        _shoot(page, "en", PHONE, shot, anchor)
    return problems


@pytest.mark.browser
def test_public_pages_fit_a_phone(tab, ids):
    tab.context.clear_cookies()
    problems = check_pages(tab, PUBLIC, ids["public"])
    assert not problems, "\n".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize("role", list(ROLES))
def test_member_pages_fit_a_phone(tab, ids, role):
    tab.context.clear_cookies()
    tab.set_viewport_size(WIDE)
    login(tab, ROLES[role][0])
    problems = check_pages(tab, MEMBER, ids[role], prefix=f"{role}-")
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_municipal_reporting_fits_a_phone_and_the_eu_table_fits_1366(tab, ids):
    tab.context.clear_cookies()
    tab.set_viewport_size(WIDE)
    login(tab, "kommune@demo.kretslop.no")
    problems = check_pages(tab, MUNICIPALITY, {})
    # The EU table at 1366: all of it visible, nothing to scroll in its region.
    tab.set_viewport_size(WIDE)
    tab.goto("/reporting")
    tables = tab.locator("#eu table")
    assert tables.count() >= 1
    for i in range(tables.count()):
        region = tables.nth(i).locator("xpath=ancestor::div[contains(@class, 'table-scroll')][1]")
        assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
        hidden = region.evaluate("el => el.scrollWidth - el.clientWidth")
        assert hidden <= 0, f"EU table {i} at 1366: {hidden} px hidden to the side"
        box = tables.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDE["width"]
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def admin_secret(live) -> str:
    """Site admins must use two-factor: the demo admin's TOTP secret (enrolled here if the
    demo data has not done it)."""
    from app.accounts import two_factor
    from app.accounts.models import User
    from app.db import db

    with live.app_beside():
        user = db.session.scalar(sa.select(User).where(User.email == ADMIN))
        row = two_factor.setup_of(user)
        secret = (two_factor.secret_of(row) if row is not None and row.confirmed_at
                  else two_factor.enroll_for_tests(user))
        db.session.commit()
    assert secret
    return secret


@pytest.mark.browser
def test_admin_index_fits_a_phone(tab, ids, admin_secret):
    import pyotp

    tab.context.clear_cookies()
    tab.set_viewport_size(WIDE)
    tab.goto("/login")
    tab.get_by_label("E-post").fill(ADMIN)
    tab.get_by_label("Passord").fill("kretslop-demo")
    tab.get_by_role("button", name="Logg inn").click()
    tab.get_by_label("Kode").fill(pyotp.TOTP(admin_secret).now())
    tab.get_by_role("button", name="Logg inn").click()
    tab.wait_for_url("**/")
    problems = check_pages(tab, ADMIN_PAGES, {})
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_search_shows_results_first_on_a_phone_and_filters_beside_them_on_a_wide_screen(tab):
    from playwright.sync_api import expect

    tab.context.clear_cookies()
    tab.set_viewport_size(PHONE)
    tab.goto("/search?q=stol&free=1")
    first_result = tab.locator(".search-grid > li").first
    category = tab.get_by_role("radio", name="Alle kategorier")
    expect(first_result).to_be_visible()
    expect(category).to_be_hidden()  # the panel is closed
    expect(tab.get_by_role("link", name="Fjern filteret Bare gratis")).to_be_visible()
    assert first_result.bounding_box()["y"] < PHONE["height"]  # a result on the first screen
    tab.locator("#filters > summary").click()
    expect(category).to_be_visible()
    assert _sideways(tab) <= 0
    tab.get_by_role("link", name="Fjern filteret Bare gratis").click()
    tab.wait_for_url("**/search?q=stol")
    expect(tab.get_by_role("link", name="Fjern filteret Bare gratis")).to_have_count(0)

    tab.set_viewport_size(WIDE)
    tab.goto("/search?q=stol")
    expect(tab.locator("#filters > summary")).to_be_hidden()
    expect(category).to_be_visible()  # a sidebar, no button to press
    panel = tab.locator("#filters").bounding_box()
    results = tab.locator(".search-results").bounding_box()
    assert panel["x"] + panel["width"] <= results["x"]  # beside the results, to the left
    assert abs(panel["y"] - results["y"]) < 40
