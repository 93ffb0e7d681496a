"""The search page /search: a GET form without JavaScript, facets, cards, errors, 503."""

from __future__ import annotations

import re
from urllib.parse import unquote

from app.db import commit, db
from app.listings.models import ListingImage


def _labelled(html: str) -> None:
    """Every visible form control has a <label for=...>."""
    labels = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    for tag, attrs in re.findall(r"<(input|select|textarea)([^>]*)>", html):
        if 'type="hidden"' in attrs or 'type="submit"' in attrs:
            continue
        control_id = re.search(r'id="([^"]+)"', attrs)
        assert control_id and control_id.group(1) in labels, f"unlabelled {tag}{attrs}"


def _page(client, query: str = "") -> str:
    response = client.get(f"/search{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_anonymous_search_with_cards(client, new_listing, municipality):
    listing = new_listing(title="Kontorstol Håg", price_nok=1500, quantity=12, postcode="1394")
    new_listing(title="Spisestol", price_nok=0, owner=municipality, category="chair")
    html = _page(client, "?q=kontorstol&postcode=1383")
    assert 'role="search"' in html
    assert 'aria-live="polite"' in html and "1 treff for «kontorstol»" in html
    assert "<mark>Kontorstol</mark> Håg" in html
    assert f'href="/listings/{listing.id}"' in html
    assert "kr 1\u202f500 / stk" in html  # Norwegian grouping (U+202F)
    assert "12 stk igjen" in html
    assert re.search(r"\d+,\d km unna", html)
    assert "Gjenbruk Asker" in html and "Ombruksbutikk" in html and "Nesbru" in html
    _labelled(html)
    free = _page(client, "?q=stol&free=1")
    assert "Gratis" in free and "Asker kommune" in free and "Kontorstol Håg" not in free


def test_thumbnail_with_alt_text(client, new_listing):
    listing = new_listing(title="Lenestol")
    db.session.add(ListingImage(listing_id=listing.id, position=0, sha256="c" * 64,
                                original_path="o/c.jpg", medium_path="m/c.jpg",
                                thumb_path="t/c.jpg", width=640, height=480))
    commit()
    from app.listings import services

    services.changed(listing)  # photo services emit this; here the row was added directly
    commit()
    html = _page(client, "?q=lenestol")
    assert '<img src="/media/t/c.jpg" alt="Bilde: Lenestol"' in html


def test_facets_fieldsets_and_filters(client, new_listing, municipality):
    new_listing(title="Kontorstol A", category="office-chair", condition="good")
    new_listing(title="Kontorstol B", category="office-chair", condition="new",
                postcode="3475")
    new_listing(title="Skjerm", category="monitor", condition="good", owner=municipality)
    html = _page(client)
    assert html.count("<fieldset") >= 6 and html.count("<legend") >= 6
    assert "3 annonser" in html
    assert re.search(r"Møbler\s*<span class=\"count\">\(2\)</span>", html)
    assert re.search(r"Kontorstol\s*<span class=\"count\">\(2\)</span>", html)
    assert re.search(r"IT-utstyr\s*<span class=\"count\">\(1\)</span>", html)
    chairs = _page(client, "?category=furniture&condition=good")
    assert "1 annonse" in chairs and "Kontorstol A" in chairs and "Skjerm" not in chairs
    # The condition group still counts the other choices (disjunctive facets) ...
    assert re.search(r"Ny\s*<span class=\"count\">\(1\)</span>", chairs)
    # ... and the category tree keeps its siblings.
    assert re.search(r"IT-utstyr\s*<span class=\"count\">\(1\)</span>", chairs)
    assert 'value="furniture" checked' in chairs
    far = _page(client, "?postcode=1383&radius_km=5&sort=distance")
    assert "Kontorstol B" not in far and "2 annonser" in far
    assert 'value="distance" selected' in far
    kinds = _page(client, "?org_kind=municipality")
    assert "Skjerm" in kinds and "Kontorstol A" not in kinds


def test_script_in_a_title_is_escaped(client, new_listing):
    new_listing(title="<script>alert(1)</script> stol")
    for query in ("?q=stol", ""):
        html = _page(client, query)
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_query_echo_is_escaped(client, categories):
    html = _page(client, "?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_bad_filters_are_explained_and_left_out(client, new_listing):
    new_listing(title="Kontorstol")
    response = client.get("/search?q=kontorstol&postcode=9999&sort=distance&min_price=abc")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="ds-error-summary"' in html
    assert "Ukjent postnummer" in html and 'id="postcode-error"' in html
    assert 'aria-invalid="true" aria-describedby="min_price-error"' in html
    assert 'value="9999"' in html and 'value="abc"' in html
    assert "1 treff" in html  # the search still ran without the bad parts
    _labelled(html)


def test_empty_state_helps(client, new_listing, app):
    new_listing(title="Kontorstol")
    if "wanted.create" not in app.view_functions:  # the wanted feature is not installed
        app.add_url_rule("/wanted/new", "wanted.create", lambda: "")
    html = _page(client, "?q=flygel&category=furniture&condition=good&free=1&postcode=1383"
                         "&radius_km=5")
    assert "0 treff" in html
    text = re.sub(r"<[^>]+>", "", html)
    assert "Ingen treff." in text
    assert re.search(r"Prøv et bredere søk, eller\s+lagre søket som et ønske", text)
    # a visitor gets a login link that comes back to the prefilled form
    # (tests/searching/test_zero_results.py follows it, and the member's direct link)
    link = re.search(r'id="save-as-wanted" href="/login\?next=([^"]+)">Logg inn for å lagre '
                     r'som ønske', html)
    assert link, "the empty state links to a new wanted request"
    url = unquote(link.group(1).replace("&amp;", "&"))
    assert url.startswith("/wanted/new?")
    for part in ("q=flygel", "category=furniture", "condition=good", "free=1",
                 "postcode=1383", "radius_km=5"):
        assert part in url


def test_empty_state_without_the_wanted_feature(client, new_listing, app, monkeypatch):
    monkeypatch.delitem(app.view_functions, "wanted.create", raising=False)
    html = _page(client, "?q=flygel")
    assert "Prøv et bredere søk, eller lagre søket som et ønske" in html
    assert "/wanted/new" not in html and 'id="save-as-wanted"' not in html


def test_pagination_keeps_the_filters(client, new_listing):
    for n in range(23):
        new_listing(title=f"Lampe {n}", category="lamp")
    html = _page(client, "?q=lampe&condition=good")
    assert "23 treff" in html and "Side 1 av 2" in html
    link = re.search(r'rel="next" href="([^"]+)"', html).group(1)
    assert "condition=good" in link and "page=2" in link and "q=lampe" in link
    second = _page(client, link.replace("&amp;", "&").removeprefix("/search"))
    assert second.count('class="listing-card search-card"') == 3


def test_engine_down_shows_a_friendly_503(client, categories, switchable):
    switchable.down = True
    response = client.get("/search?q=stol")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Søket er midlertidig utilgjengelig" in html
    assert 'href="/listings"' in html


def test_nav_and_home_link_to_search(client, categories):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/search"' in html and 'action="/search"' in html
    _labelled(html)
    assert "<mark>" not in _page(client)


def test_category_names_follow_the_language(client, new_listing):
    new_listing(title="Kontorstol", price_nok=150)
    html = _page(client, "?q=kontorstol&lang=en")
    assert "Office chair" in html and "Furniture" in html
