"""The map data pages embed (app/maps.py, templates/_map.html), the switch MAP_TILE_URL=""
and the CSP's img-src. Real database, real search engine, real HTTP server for the tiles."""

from __future__ import annotations

import html as html_lib
import json
import re
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.config import MAP_ATTRIBUTION_DEFAULT, MAP_TILE_URL_DEFAULT
from app.db import db
from app.listings.models import Listing
from app.maps import tile_origins

MAP_DATA = re.compile(r'<script type="application/json" id="map-data">(.*?)</script>', re.S)
PER_PAGE = 20  # the search page's fixed page size (app/searching/views.py)


@pytest.fixture
def app_config(app_config):
    # Each test reads the pages it just changed; the per-process page cache is tested elsewhere.
    return {**app_config, "PAGE_CACHE_SECONDS": 0}


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def _map_data(page: str) -> dict | None:
    found = MAP_DATA.findall(page)
    assert len(found) <= 1, "one map per page"
    return json.loads(found[0]) if found else None


def _img_src(response) -> list[str]:
    csp = response.headers["Content-Security-Policy"]
    directive = next(d.strip() for d in csp.split(";") if d.strip().startswith("img-src"))
    return directive.split()[1:]


def test_search_page_embeds_exactly_the_result_pages_listings(client, new_listing):
    made = {}
    for i in range(PER_PAGE + 3):
        listing = new_listing(title=f"Hyllereol {i}", price_nok=10 + i, postcode="1383",
                              lat=round(59.80 + i * 0.001, 4), lng=round(10.40 + i * 0.002, 4),
                              address=f"Hagaveien {i}")
        made[listing.id] = listing
    new_listing(title="Spisebord", price_nok=5, lat=59.9, lng=10.7)  # not a result
    rows = {row.id: (row.lat, row.lng) for row in db.session.query(Listing)}

    for page in (1, 2):
        url = f"/search?q=hyllereol&sort=price_asc&page={page}"
        data = _map_data(_html(client, url))
        api = client.get("/api/v1/search", query_string={
            "q": "hyllereol", "sort": "price_asc", "page": page, "per_page": PER_PAGE})
        expected = [hit["id"] for hit in api.get_json()["hits"]]
        assert len(expected) == (PER_PAGE if page == 1 else 3)
        assert [m["id"] for m in data["markers"]] == expected
        for m in data["markers"]:
            assert m["id"] in made
            assert (m["lat"], m["lon"]) == pytest.approx(rows[m["id"]], abs=1e-6)
            assert m["url"] == f"/listings/{m['id']}"
            assert m["title"] == made[m["id"]].title
            assert m["label"].startswith("kr ")  # the price first, as on the card
        assert data["centre"] is None
        assert data["tiles"] == MAP_TILE_URL_DEFAULT
        assert data["attribution"] == MAP_ATTRIBUTION_DEFAULT
    # The list comes first in the page; the map is an addition before the result list.
    first = _html(client, "/search?q=hyllereol&sort=price_asc")
    assert 'data-map="search"' in first and "Vis på kart" in first and "Vis liste" in first
    # Leaflet itself is loaded by map.js when the map is asked for.
    assert 'data-leaflet="/static/vendor/leaflet/leaflet.js"' in first
    assert '<script src="/static/vendor/leaflet/leaflet.js"' not in first
    assert first.index('id="map-data"') < first.index("Hyllereol 0")


def test_distance_filter_adds_the_centre_and_radius(client, new_listing):
    near = new_listing(title="Arbeidsbenk nær", postcode="1383")  # the postcode's point
    new_listing(title="Arbeidsbenk langt unna", postcode="3475")  # Sætre, > 20 km
    page = _html(client, "/search?q=arbeidsbenk&postcode=1383&radius_km=5")
    data = _map_data(page)
    assert [m["id"] for m in data["markers"]] == [near.id]
    assert data["centre"]["radius_m"] == 5000
    assert (data["centre"]["lat"], data["centre"]["lon"]) == pytest.approx(
        (near.lat, near.lng), abs=1e-6)
    assert "km unna" in data["markers"][0]["label"]
    # A distance sort without a radius: the centre, no circle.
    sorted_only = _map_data(_html(client, "/search?q=arbeidsbenk&postcode=1383&sort=distance"))
    assert len(sorted_only["markers"]) == 2 and sorted_only["centre"]["radius_m"] is None


def test_no_results_no_map(client, new_listing):
    new_listing(title="Kontorstol")
    page = _html(client, "/search?q=finnesikkeiannonsene")
    assert _map_data(page) is None and "data-map" not in page


def test_listing_page_has_its_pickup_point(client, new_listing):
    listing = new_listing(title="Garderobeskap", address="Drammensveien 12",
                          postcode="1383", lat=59.83751, lng=10.43377)
    page = _html(client, f"/listings/{listing.id}")
    data = _map_data(page)
    assert data["markers"] == [{
        "id": listing.id, "title": "Garderobeskap", "lat": 59.83751, "lon": 10.43377,
        "url": f"/listings/{listing.id}", "label": f"Drammensveien 12, 1383 {listing.district}",
    }]
    assert listing.district  # the postcode gave the place name
    # The address as text beside the map is the accessible equivalent.
    section = page[page.index('class="pickup-map"'):page.index('id="listing-map"')]
    assert "Drammensveien 12, 1383" in section and "Hentested på kart" in section
    assert 'src="/static/vendor/leaflet/leaflet.js"' in page
    assert 'src="/static/js/map.js"' in page


def test_map_data_is_escaped_inside_the_script_element(client, new_listing):
    title = "Stol </script><script>alert(1)</script> & «sofa»"
    listing = new_listing(title=title, address="Vei 1 <b>")
    page = _html(client, f"/listings/{listing.id}")
    assert "</script><script>alert(1)" not in page
    data = _map_data(page)
    assert data["markers"][0]["title"] == title  # JSON round-trips the exact text
    assert data["markers"][0]["label"].startswith("Vei 1 <b>,")
    # and the visible address is HTML-escaped text
    assert html_lib.escape("Vei 1 <b>", quote=False) in page


def test_empty_tile_url_turns_maps_off(app, client, new_listing):
    listing = new_listing(title="Kontorstol")
    app.config["MAP_TILE_URL"] = ""
    for url in ("/search?q=kontorstol", f"/listings/{listing.id}"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Kontorstol" in page  # the page itself is whole
        assert _map_data(page) is None
        assert "data-map" not in page and "leaflet" not in page and "map.js" not in page
        assert _img_src(response) == ["'self'", "data:", "blob:"]


def test_csp_allows_exactly_the_tile_host(app, client):
    response = client.get("/")
    assert _img_src(response) == ["'self'", "data:", "blob:", "https://cache.kartverket.no"]
    app.config["MAP_TILE_URL"] = "https://{s}.tiles.example.org:8443/topo/{z}/{x}/{y}.png"
    assert _img_src(client.get("/")) == [
        "'self'", "data:", "blob:", "https://a.tiles.example.org:8443",
        "https://b.tiles.example.org:8443", "https://c.tiles.example.org:8443"]
    app.config["MAP_TILE_URL"] = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    assert _img_src(client.get("/"))[-1] == "http://127.0.0.1:9"


@pytest.mark.parametrize("url", [
    "", "   ", "/relative/{z}/{x}/{y}.png", "ftp://tiles.example/{z}.png",
    "https://user:pw@tiles.example/{z}.png", "https://*.example.org/{z}.png",
    "https://tiles.example.org;script-src *", "https://{z}.example.org/x.png",
    "javascript:alert(1)",
])
def test_tile_origins_refuses_what_is_not_one_host(app, url):
    with app.app_context():
        assert tile_origins(url) == []


@pytest.mark.parametrize(("url", "shown"), [
    ("javascript:alert(1)//{z}", False), ("//tiles.example.org/{z}/{x}/{y}.png", False),
    ("https://*.example.org/{z}/{x}/{y}.png", False),
    ("/tiles/{z}/{y}/{x}.png", True),  # tiles served from our own origin ('self')
])
def test_a_tile_url_the_csp_cannot_allow_turns_the_maps_off(app, client, new_listing,
                                                            url, shown):
    listing = new_listing(title="Kontorstol")
    app.config["MAP_TILE_URL"] = url
    response = client.get(f"/listings/{listing.id}")
    data = _map_data(response.get_data(as_text=True))
    assert (data is not None) == shown
    assert _img_src(response) == ["'self'", "data:", "blob:"]
    if shown:
        assert data["tiles"] == url


class _CountingTiles(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        type(self).requests.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_no_server_side_request_to_the_tile_host(app, client, new_listing):
    """Tiles load in the browser only: rendering map pages never calls the tile host."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingTiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _CountingTiles.requests.clear()
        host = f"http://127.0.0.1:{server.server_port}"
        app.config["MAP_TILE_URL"] = host + "/topo/{z}/{y}/{x}.png"
        listing = new_listing(title="Kontorstol")
        search = client.get("/search?q=kontorstol")
        detail = client.get(f"/listings/{listing.id}")
        assert _map_data(search.get_data(as_text=True))["tiles"].startswith(host)
        assert _map_data(detail.get_data(as_text=True))["tiles"].startswith(host)
        assert _img_src(detail)[-1] == host
        assert _CountingTiles.requests == []
        # The counter does count: a browser's tile request would have shown up.
        urllib.request.urlopen(host + "/topo/1/0/0.png", timeout=5).close()  # noqa: S310
        assert _CountingTiles.requests == ["/topo/1/0/0.png"]
    finally:
        server.shutdown()
        server.server_close()
