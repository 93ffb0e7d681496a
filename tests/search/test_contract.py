"""The behaviour every search backend must show (embedded always, Meilisearch with MEILI_URL)."""

from __future__ import annotations

from collections import Counter

import pytest

from search import SearchBackend, SearchError, SearchQuery
from search.text import haversine_m

from .conftest import ASKER, T0, listing, sample_listings


def ids(backend: SearchBackend, **kwargs: object) -> set[int]:
    """Ids of every hit (one big page)."""
    result = backend.search(SearchQuery(per_page=100, **kwargs))  # type: ignore[arg-type]
    assert result.total == len(result.hits)
    return {hit.id for hit in result.hits}


def ordered(backend: SearchBackend, **kwargs: object) -> list[int]:
    result = backend.search(SearchQuery(per_page=100, **kwargs))  # type: ignore[arg-type]
    return [hit.id for hit in result.hits]


# --- typos and prefixes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("kinnarps", {1}),
        ("kinarps", {1}),  # 8 letters typed as 7: one typo allowed from 5 letters
        ("hylla", {9}),  # 5 letters: one substitution
        ("kontrostil", {1, 2, 7, 11}),  # 10 letters: two typos (swap + substitution)
        ("skirvebord", {3}),  # transposition counts as one typo
        ("teglsten", {10}),
    ],
)
def test_typos_within_the_allowance_match(filled_backend: SearchBackend, q: str, expected: set):
    assert ids(filled_backend, q=q + " ") == expected  # trailing space: no prefix search


@pytest.mark.parametrize(
    "q",
    [
        "sova",  # 4 letters: no typo allowed
        "bprd",  # 4 letters
        "gylle",  # typo on the first letter counts as two
        "kintrostl",  # 9 letters but three edits from "kontorstol"
        "kinarpz",  # 7 letters with two typos
    ],
)
def test_typos_beyond_the_allowance_do_not_match(filled_backend: SearchBackend, q: str):
    assert ids(filled_backend, q=q + " ") == set()


def test_last_word_is_a_prefix(filled_backend: SearchBackend):
    assert ids(filled_backend, q="kontorst") == {1, 2, 7, 11}  # 7 via category_names
    assert ids(filled_backend, q="skriv") == {3}
    assert ids(filled_backend, q="kinnarps sva") == {1}
    assert ids(filled_backend, q="kinnarps sv") == set()  # under three letters: whole word


def test_only_the_last_word_is_a_prefix(filled_backend: SearchBackend):
    assert ids(filled_backend, q="kontorst svart") == set()
    assert ids(filled_backend, q="kontorstol svart") == {1}


def test_all_query_words_must_match(filled_backend: SearchBackend):
    assert ids(filled_backend, q="kontorstol capisco") == {2}
    assert ids(filled_backend, q="kontorstol sofa") == set()


# --- languages -------------------------------------------------------------------------


def test_english_and_bokmal_through_synonyms(filled_backend: SearchBackend):
    assert 12 in ids(filled_backend, q="chair")  # "Stol i bjørk" only says "stol"
    assert 7 in ids(filled_backend, q="stol")  # "Office chair" only says "chair"
    assert ids(filled_backend, q="desk") == {3}
    assert ids(filled_backend, q="couch") == {5}


def test_synonyms_are_one_way_unless_listed_both_ways(search_backend: SearchBackend):
    search_backend.upsert([listing(1, "Couch, grå", "diverse"), listing(2, "Sofa", "diverse")])
    assert ids(search_backend, q="couch") == {1, 2}
    assert ids(search_backend, q="sofa") == {2}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("kjokken", {4}),  # ø typed as o (prefix of "kjøkkenbenk", and "kjøkken")
        ("kjokken eik", {4}),  # not the last word: matches the word "kjøkken"
        ("kjøkken", {4}),
        ("blaa sofa", {5}),  # å typed as aa
        ("bla sofa", {5}),  # å typed as a
        ("baerestol", {6}),  # æ typed as ae
        ("staal", {11}),
        ("bjork", {12}),
    ],
)
def test_norwegian_letters_from_ascii_spellings(
    filled_backend: SearchBackend, q: str, expected: set
):
    assert ids(filled_backend, q=q) == expected


# --- filters ---------------------------------------------------------------------------


def test_category_includes_its_descendants(filled_backend: SearchBackend):
    assert ids(filled_backend, category="kontorstol") == {1, 2, 7}
    assert ids(filled_backend, category="stoler") == {1, 2, 6, 7}
    assert ids(filled_backend, category="mobler") == {1, 2, 3, 5, 6, 7, 8, 9, 11}
    assert ids(filled_backend, category="nope") == set()


def test_field_filters(filled_backend: SearchBackend):
    assert ids(filled_backend, conditions=["new", "like_new"]) == {2, 3}
    assert ids(filled_backend, free_only=True) == {4, 6, 9}
    assert ids(filled_backend, min_price_ore=50_000, max_price_ore=120_000) == {1, 2, 8, 11}
    assert ids(filled_backend, org_kinds=["nonprofit"]) == {5, 6, 12}
    assert ids(filled_backend, postcodes=["1389"]) == {2, 9}
    assert ids(filled_backend, districts=["Heggedal", "Vollen"]) == {2, 4, 9}


def test_filters_combine(filled_backend: SearchBackend):
    got = ids(filled_backend, q="kontorstol", category="mobler", max_price_ore=100_000)
    assert got == {1, 7, 11}
    assert ids(filled_backend, category="oppbevaring", free_only=True) == {9}


def test_filter_values_are_quoted_safely(filled_backend: SearchBackend):
    assert ids(filled_backend, districts=['Borgen "nord" \\ øst']) == {12}
    assert ids(filled_backend, districts=['Borgen "nord']) == set()


def test_active_at_drops_expired_listings(filled_backend: SearchBackend):
    assert 4 in ids(filled_backend, active_at=T0 + 1000)
    assert 4 not in ids(filled_backend, active_at=T0 + 1001)
    assert len(ids(filled_backend, active_at=T0 + 1001)) == 11


def test_geo_radius_with_distances(filled_backend: SearchBackend):
    result = filled_backend.search(SearchQuery(geo=(*ASKER, 1000.0), per_page=50))
    assert {h.id for h in result.hits} == {1, 3}
    for hit in result.hits:
        expected = haversine_m(*ASKER, hit.doc["lat"], hit.doc["lng"])
        assert hit.distance_m == pytest.approx(expected, abs=1.0)
        assert hit.distance_m <= 1000
    near_heggedal = ids(filled_backend, geo=(59.7810, 10.4460, 100.0))
    assert near_heggedal == {2, 9}


def test_point_gives_distance_without_filtering(filled_backend: SearchBackend):
    result = filled_backend.search(SearchQuery(point=ASKER, per_page=50))
    assert result.total == 12
    by_id = {h.id: h.distance_m for h in result.hits}
    assert by_id[8] is None  # no coordinates
    assert by_id[1] == pytest.approx(0.0, abs=1.0)
    assert by_id[10] == pytest.approx(haversine_m(*ASKER, 59.6830, 10.5230), abs=1.0)


# --- sorting ---------------------------------------------------------------------------


def test_sort_by_distance(filled_backend: SearchBackend):
    hits = filled_backend.search(SearchQuery(sort="distance", point=ASKER, per_page=50)).hits
    distances = [h.distance_m for h in hits]
    assert hits[-1].id == 8  # listings without coordinates come last
    known = [d for d in distances if d is not None]
    assert known == sorted(known) and len(known) == 11


def test_sort_newest_and_price(filled_backend: SearchBackend):
    assert ordered(filled_backend, sort="newest")[:3] == [9, 8, 7]
    prices = [h.doc["price_ore"] for h in filled_backend.search(
        SearchQuery(sort="price_asc", per_page=50)).hits]  # fmt: skip
    assert prices == sorted(prices)
    assert ordered(filled_backend, sort="price_desc")[:2] == [3, 2]
    assert ordered(filled_backend, q="kontorstol", sort="price_asc") == [7, 1, 11, 2]


def test_relevance_title_beats_description(filled_backend: SearchBackend):
    got = ordered(filled_backend, q="kontorstol")  # title, title, category_names, description
    assert set(got[:2]) == {1, 2} and got[2:] == [7, 11]


def test_relevance_exact_beats_typo(search_backend: SearchBackend):
    search_backend.upsert([listing(1, "Hyller", "oppbevaring"), listing(2, "Hylle", "diverse")])
    assert ordered(search_backend, q="hylle ") == [2, 1]


def test_sort_needs_a_point(filled_backend: SearchBackend):
    with pytest.raises(SearchError):
        filled_backend.search(SearchQuery(sort="distance"))
    with pytest.raises(SearchError):
        filled_backend.search(SearchQuery(sort="cheapest"))


# --- facets, highlights, paging --------------------------------------------------------


def test_facet_counts_over_the_filtered_result(filled_backend: SearchBackend):
    docs = sample_listings()
    result = filled_backend.search(
        SearchQuery(facets=["category", "condition", "district", "org_kind"])
    )
    assert result.facets["condition"] == dict(Counter(d["condition"] for d in docs))
    assert result.facets["org_kind"] == dict(Counter(d["org_kind"] for d in docs))
    assert result.facets["district"] == dict(Counter(d["district"] for d in docs))
    categories = Counter(slug for d in docs for slug in d["category_path"])
    assert result.facets["category"] == dict(categories)
    filtered = filled_backend.search(SearchQuery(q="kontorstol", facets=["category", "condition"]))
    assert filtered.total == 4
    assert filtered.facets["category"] == {"mobler": 4, "stoler": 3, "kontorstol": 3,
                                           "oppbevaring": 1}  # fmt: skip
    assert filtered.facets["condition"] == {"good": 3, "like_new": 1}


def test_highlights_are_escaped_html(filled_backend: SearchBackend):
    hit = filled_backend.search(SearchQuery(q="kinnarps", highlight=True)).hits[0]
    assert hit.highlights["title"] == "Kontorstol <mark>Kinnarps</mark> 6000, svart"
    hit = filled_backend.search(SearchQuery(q="hylle", highlight=True)).hits[0]
    assert hit.highlights["title"] == (
        "<mark>Hylle</mark> &lt;b&gt;Ivar&lt;/b&gt; &amp; co &quot;høy&quot;"
    )
    hit = filled_backend.search(SearchQuery(q="kjokken eik", highlight=True)).hits[0]
    assert hit.highlights["description"] == "Pent brukt <mark>kjøkken</mark>, må demonteres."
    assert "<mark>eik</mark>" in hit.highlights["title"]
    plain = filled_backend.search(SearchQuery(q="kinnarps")).hits[0]
    assert plain.highlights == {}


def test_pagination_with_exact_total(search_backend: SearchBackend):
    search_backend.upsert(
        [listing(i, f"Planke nummer {i}", "diverse", published=i) for i in range(1, 46)]
    )
    pages = [search_backend.search(SearchQuery(q="planke", page=p, per_page=20)) for p in (1, 2, 3)]
    assert [r.total for r in pages] == [45, 45, 45]
    assert [len(r.hits) for r in pages] == [20, 20, 5]
    seen = [h.id for r in pages for h in r.hits]
    assert sorted(seen) == list(range(1, 46))
    beyond = search_backend.search(SearchQuery(q="planke", page=4, per_page=20))
    assert beyond.total == 45 and beyond.hits == []
    newest = search_backend.search(SearchQuery(sort="newest", page=2, per_page=10))
    assert [h.id for h in newest.hits] == list(range(35, 25, -1))


# --- writes ----------------------------------------------------------------------------


def test_upsert_replaces_and_delete_removes(filled_backend: SearchBackend):
    filled_backend.upsert([listing(1, "Lenestol i skinn", "sofa", price_ore=0)])
    assert ids(filled_backend, q="kinnarps") == set()
    assert ids(filled_backend, q="lenestol") == {1}
    assert 1 in ids(filled_backend, free_only=True)
    filled_backend.delete([1, 999])
    assert ids(filled_backend, q="lenestol") == set()
    assert filled_backend.stats()["documents"] == 11
    assert filled_backend.search(SearchQuery()).total == 11


def test_clear_and_stats(filled_backend: SearchBackend):
    stats = filled_backend.stats()
    assert stats["documents"] == 12 and stats["engine"] in {"embedded", "meilisearch"}
    filled_backend.clear()
    assert filled_backend.stats()["documents"] == 0
    assert filled_backend.search(SearchQuery(q="kontorstol")).total == 0
    filled_backend.upsert([listing(1, "Kontorstol", "kontorstol")])
    assert ids(filled_backend, q="kontorstol") == {1}


def test_hits_carry_the_stored_document(filled_backend: SearchBackend):
    hit = filled_backend.search(SearchQuery(q="capisco")).hits[0]
    assert hit.doc == sample_listings()[1]
    assert hit.distance_m is None
