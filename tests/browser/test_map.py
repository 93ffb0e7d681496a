"""The maps in a real browser, offline: every request that leaves the live server (the
Kartverket tiles above all) is aborted and recorded, and the markers are checked against
the data the page embeds, never against tiles. At 1366 px and at 390 px."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, popup_shown, screenshot

SEARCH = "/search?sort=newest"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


class Offline:
    """Aborts every request not to the live server; remembers them and the CSP reports."""

    def __init__(self, context, live_url: str) -> None:
        self.local = urlsplit(live_url).netloc
        self.aborted: list[str] = []
        self.csp: list[str] = []
        self.errors: list[str] = []  # uncaught script errors
        context.route("**/*", self._route)

    def _route(self, route) -> None:
        if urlsplit(route.request.url).netloc == self.local:
            route.continue_()
        else:
            self.aborted.append(route.request.url)
            route.abort()

    def watch(self, page) -> None:
        page.on("console", lambda msg: self.csp.append(msg.text)
                if "Content Security Policy" in msg.text else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))


@pytest.fixture(params=list(WIDTHS))
def sized(request, browser, live):
    width, height = WIDTHS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="nb-NO", base_url=live.url,
                                  is_mobile=request.param == "phone",
                                  has_touch=request.param == "phone")
    offline = Offline(context, live.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    offline.watch(page)
    yield page, offline, request.param
    context.close()


def _map_data(page) -> dict:
    return json.loads(page.locator("#map-data").text_content())


def _points(data: dict) -> dict[str, list[dict]]:
    """The markers the page should draw: listings at the same point share one."""
    points: dict[str, list[dict]] = {}
    for item in data["markers"]:
        points.setdefault(f"{item['lat']:.5f},{item['lon']:.5f}", []).append(item)
    return points


def _name(items: list[dict]) -> str:
    if len(items) == 1:
        return items[0]["title"]
    return f"{len(items)} annonser på samme sted: " + ", ".join(i["title"] for i in items)


def _no_sideways_scroll(page, where: str) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{where} scrolls sideways by {overflow}px"


@pytest.mark.browser
def test_search_toggle_draws_the_result_pages_markers(sized):
    page, offline, size = sized
    page.goto(SEARCH)
    data = _map_data(page)
    results = page.locator(".search-grid > li")
    count = results.count()
    assert count == len(data["markers"]) > 1
    show_map = page.get_by_role("button", name="Vis på kart")
    show_list = page.get_by_role("button", name="Vis liste")
    # The list is the first view; the map waits until asked for (no tiles yet).
    expect(show_list).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".search-grid")).to_be_visible()
    expect(page.locator("#results-map")).to_be_hidden()
    assert page.locator(".leaflet-marker-icon").count() == 0
    assert not any("kartverket" in url for url in offline.aborted)
    assert page.evaluate("() => typeof window.L") == "undefined"  # Leaflet loads on demand

    show_map.click()
    expect(show_map).to_have_attribute("aria-pressed", "true")
    expect(show_list).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#results-map")).to_be_visible()
    expect(page.locator(".search-grid")).to_be_hidden()
    icons = page.locator("#results-map .leaflet-marker-icon")
    points = _points(data)
    assert 1 < len(points) <= count
    expect(icons).to_have_count(len(points))
    # Drawn from the data: a marker per point, named by its listing(s) ...
    assert sorted(icons.evaluate_all("els => els.map(e => e.alt)")) == sorted(
        _name(items) for items in points.values())
    # ... and together their popups link to exactly the result page's listings.
    linked = []
    for i in range(len(points)):
        icons.nth(i).focus()
        page.keyboard.press("Enter")
        popup_links = page.locator(".leaflet-popup a.map-popup-link")
        expect(popup_links.first).to_be_focused()
        linked += popup_links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
        page.keyboard.press("Escape")
        expect(page.locator(".leaflet-popup")).to_have_count(0)
    assert sorted(linked) == sorted(m["url"] for m in data["markers"])
    assert len(linked) == count
    # The demo has several listings at one postcode: their shared marker's list passes axe.
    shared = next(_name(items) for items in points.values() if len(items) > 1)
    page.locator("#results-map").get_by_alt_text(shared, exact=True).press("Enter")
    popup_shown(page)
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)  # faded out
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("Kartverket")
    # The tiles were asked for in the browser, from Kartverket only, and were refused.
    tiles = [url for url in offline.aborted if "cache.kartverket.no" in url]
    assert tiles and all(url.startswith("https://cache.kartverket.no/v1/wmts/1.0.0/topo/"
                                        "default/webmercator/") for url in tiles)
    assert offline.aborted == tiles, offline.aborted
    box = page.locator("#results-map").bounding_box()
    assert box["width"] <= page.viewport_size["width"] and box["height"] >= 200
    _no_sideways_scroll(page, f"the map at {size}")
    screenshot(page, f"map-search-{size}")
    assert axe_violations(page) == []
    assert offline.csp == [] and offline.errors == []

    show_list.click()
    expect(page.locator(".search-grid")).to_be_visible()
    expect(page.locator("#results-map")).to_be_hidden()
    expect(show_list).to_have_attribute("aria-pressed", "true")
    _no_sideways_scroll(page, f"the list at {size}")


@pytest.mark.browser
def test_a_marker_is_reached_by_keyboard_and_opens_a_link_to_its_listing(sized):
    page, offline, size = sized
    page.goto(SEARCH)
    data = _map_data(page)
    urls = {m["url"]: m["title"] for m in data["markers"]}
    names = {_name(items): items for items in _points(data).values()}
    page.get_by_role("button", name="Vis på kart").click()
    expect(page.locator("#results-map .leaflet-marker-icon")).to_have_count(len(names))
    page.get_by_role("button", name="Vis på kart").focus()
    for _ in range(6):  # the map, then the markers (the zoom buttons come after)
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains"
                         "('leaflet-marker-icon')"):
            break
    else:
        pytest.fail("Tab never reached a marker")
    marker_name = page.evaluate("() => document.activeElement.alt")
    items = names[marker_name]
    page.keyboard.press("Enter")
    links = page.locator(".leaflet-popup a.map-popup-link")
    link = links.first
    expect(link).to_be_visible()
    expect(link).to_be_focused()
    expect(links).to_have_text([item["title"] for item in items])
    href = link.get_attribute("href")
    assert href == items[0]["url"] and href in urls
    marker_title = urls[href]
    expect(page.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", "Lukk")
    popup_shown(page)
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    assert page.evaluate("() => document.activeElement.alt") == marker_name
    # Space opens it too, and the link leads to the listing.
    page.keyboard.press(" ")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    expect(page.locator("h1")).to_have_text(marker_title)
    assert offline.csp == [] and offline.errors == []


@pytest.mark.browser
def test_the_chosen_view_is_kept_on_the_next_page(sized):
    page, _offline, _size = sized
    page.goto(SEARCH)
    page.get_by_role("button", name="Vis på kart").click()
    page.goto(SEARCH + "&page=2")
    expect(page.get_by_role("button", name="Vis på kart")).to_have_attribute(
        "aria-pressed", "true")
    expect(page.locator("#results-map .leaflet-marker-icon")).to_have_count(
        len(_points(_map_data(page))))


@pytest.mark.browser
def test_listing_page_shows_its_pickup_point_beside_the_address(sized):
    page, offline, size = sized
    page.goto(SEARCH)
    href = _map_data(page)["markers"][0]["url"]
    page.goto(href)
    data = _map_data(page)
    section = page.locator(".pickup-map")
    expect(section).to_be_visible()
    expect(section.get_by_role("heading", name="Hentested på kart")).to_be_visible()
    expect(section.locator(".pickup-map-address")).to_have_text(data["markers"][0]["label"])
    icons = section.locator(".leaflet-marker-icon")
    expect(icons).to_have_count(1)
    # On a phone the small map does not take one-finger drags (the page scrolls on).
    grab = page.locator("#listing-map.leaflet-grab")
    expect(grab).to_have_count(0 if size == "phone" else 1)
    assert icons.get_attribute("alt") == page.locator("h1").text_content().strip()
    icons.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup a.map-popup-link")).to_have_attribute("href", href)
    popup_shown(page)
    section.scroll_into_view_if_needed()
    _no_sideways_scroll(page, f"the listing page at {size}")
    screenshot(page, f"map-listing-{size}")
    assert axe_violations(page) == []
    assert offline.csp == [] and offline.errors == []
    assert offline.aborted and all("cache.kartverket.no" in url for url in offline.aborted)


@pytest.mark.browser
def test_without_javascript_the_list_is_the_page(browser, live):
    context = browser.new_context(java_script_enabled=False, base_url=live.url)
    offline = Offline(context, live.url)
    page = context.new_page()
    try:
        page.goto(SEARCH)
        expect(page.locator(".search-grid > li").first).to_be_visible()
        expect(page.get_by_role("button", name="Vis på kart")).to_be_hidden()
        expect(page.locator("#results-map")).to_be_hidden()
        page.goto(_map_data(page)["markers"][0]["url"])
        expect(page.locator(".pickup-map")).to_be_hidden()
        expect(page.get_by_text("Hentested", exact=True)).to_be_visible()  # the facts
        assert offline.aborted == []
    finally:
        context.close()


@pytest.mark.browser
def test_when_leaflet_does_not_load_the_list_stays(browser, live):
    context = browser.new_context(base_url=live.url)
    Offline(context, live.url)
    context.route("**/vendor/leaflet/leaflet.js", lambda route: route.abort())
    page = context.new_page()
    try:
        page.goto(SEARCH)
        page.get_by_role("button", name="Vis på kart").click()
        expect(page.get_by_role("button", name="Vis på kart")).to_be_hidden()
        expect(page.locator(".search-grid")).to_be_visible()
        expect(page.locator("#results-map")).to_be_hidden()
    finally:
        context.close()


@pytest.mark.browser
def test_a_distance_search_shows_its_centre_and_radius(sized):
    page, offline, size = sized
    page.goto("/search?postcode=1383&radius_km=5")
    data = _map_data(page)
    assert data["centre"]["radius_m"] == 5000 and data["markers"]
    page.get_by_role("button", name="Vis på kart").click()
    expect(page.locator("#results-map .leaflet-marker-icon")).to_have_count(
        len(_points(data)))
    expect(page.locator("#results-map path.map-search-area")).to_have_count(1)
    expect(page.locator("#results-map path.map-search-centre")).to_have_count(1)
    # The whole circle is in view: the map was fitted to it.
    area = page.locator("#results-map path.map-search-area").bounding_box()
    frame = page.locator("#results-map").bounding_box()
    assert area["x"] >= frame["x"] - 1 and area["y"] >= frame["y"] - 1
    assert area["x"] + area["width"] <= frame["x"] + frame["width"] + 1
    assert area["y"] + area["height"] <= frame["y"] + frame["height"] + 1
    _no_sideways_scroll(page, f"the distance map at {size}")
    assert axe_violations(page) == []
    assert offline.csp == [] and offline.errors == []
