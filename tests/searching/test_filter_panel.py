"""The search page's filter panel and applied-filter chips (issue #15, mobile first)."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit


def _page(client, query: str = "") -> str:
    response = client.get(f"/search{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _chips(html: str) -> dict[str, dict[str, list[str]]]:
    """Chip text -> the query of its remove link."""
    found = re.findall(r'<a class="ds-chip" data-removable="true" href="([^"]+)"[^>]*>([^<]+)</a>',
                       html)
    return {html_lib.unescape(text): parse_qs(urlsplit(html_lib.unescape(href)).query)
            for href, text in found}


def test_results_come_before_the_filter_fields_in_a_closed_panel(client, new_listing):
    new_listing(title="Kontorstol A", category="office-chair", condition="good")
    html = _page(client, "?q=kontorstol")
    panel = re.search(r'<details class="filter-panel" id="filters"( open)?>', html)
    assert panel and panel.group(1) is None  # closed: on a phone the results show first
    assert re.search(r'<summary class="ds-button" data-variant="secondary">Filtrer', html)
    assert html.index('id="filters"') < html.index('id="category-all"') < html.index("search-grid")
    assert _chips(html) == {}  # the search word is in the box, not a chip


def test_applied_filters_are_chips_that_remove_one_filter_each(client, new_listing):
    new_listing(title="Kontorstol A", category="office-chair", condition="good", price_nok=100)
    html = _page(client, "?q=stol&category=office-chair&condition=good&condition=new"
                         "&max_price=200&free=1&page=2")
    chips = _chips(html)
    assert set(chips) == {"Kontorstol", "God", "Ny", "Til 200,00 kr", "Bare gratis"}, chips
    assert "(5 valgt)" in html
    for text, query in chips.items():
        assert query.get("q") == ["stol"] and "page" not in query, (text, query)
    assert chips["God"]["condition"] == ["new"] and chips["Ny"]["condition"] == ["good"]
    assert "category" not in chips["Kontorstol"] and "free" not in chips["Bare gratis"]
    without_price = [q for t, q in chips.items() if t.startswith("Til ")]
    assert len(without_price) == 1 and "max_price" not in without_price[0]
    assert without_price[0]["condition"] == ["good", "new"]
    # And following a chip's link gives a page without that chip.
    after = _chips(_page(client, "?" + urlsplit(
        [h for h in re.findall(r'class="ds-chip" data-removable="true" href="([^"]+)"', html)
         if "max_price" not in html_lib.unescape(h)][0]).query.replace("&amp;", "&")))
    assert not any(t.startswith("Til ") for t in after) and len(after) == 4


def test_a_filter_error_opens_the_panel(client, new_listing):
    new_listing(title="Kontorstol A")
    html = _page(client, "?q=stol&min_price=abc")
    assert '<details class="filter-panel" id="filters" open>' in html
    assert 'id="min_price-error"' in html
    assert '<details class="filter-panel" id="filters">' in _page(client, "?q=stol&sort=nonsense")
