"""Unit tests: folding, typo rules, highlighting and the Meilisearch translations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search import IndexSettings, SearchQuery
from search.meili import POST, PRE, filters, highlight, number, quote, settings_body, to_meili
from search.text import (
    fold,
    fold_variants,
    mark_terms,
    max_typos,
    normalize_synonyms,
    osa_distance,
    query_words,
    render_marked,
    typo_cost,
)


def test_fold_maps_norwegian_letters():
    assert fold("Kjøkkenbenk på Blå Æra") == "kjokkenbenk paa blaa aera"
    assert fold("Café Ørsta") == "cafe orsta"
    assert fold_variants("blå") == {"blaa", "bla"}
    assert fold_variants("stol") == {"stol"}


def test_query_words_and_prefix():
    assert query_words("Kontorstol  svart") == (["kontorstol", "svart"], True)
    assert query_words("kontorstol ") == (["kontorstol"], False)
    assert query_words("") == ([], False)
    words, prefix = query_words(" ".join(f"w{i}" for i in range(12)))
    assert len(words) == 10 and prefix is False  # words beyond the tenth are ignored


@pytest.mark.parametrize(("word", "typos"), [("sofa", 0), ("hylle", 1), ("kontorst", 1),
                                             ("skrivebord", 2)])  # fmt: skip
def test_max_typos(word: str, typos: int):
    assert max_typos(word) == typos


def test_typo_cost_rules():
    assert osa_distance("skirvebord", "skrivebord", 2) == 1  # transposition is one edit
    assert osa_distance("abc", "xyz", 1) == 2  # capped at limit + 1
    assert typo_cost("hylla", "hylle", 1) == 1
    assert typo_cost("gylle", "hylle", 1) is None  # first letter counts double
    assert typo_cost("gkrivebord", "skrivebord", 2) == 2
    assert typo_cost("sova", "sofa", 0) is None


def test_normalize_synonyms_folds_and_merges():
    got = normalize_synonyms({"Kjøkken": ["Kitchen", "kjøkken"], "office chair": ["kontorstol"],
                              " ": ["x"]})  # fmt: skip
    assert got == {("kjokken",): [("kitchen",)], ("office", "chair"): [("kontorstol",)]}


def test_render_marked_escapes_everything_else():
    text = '<b>Stol</b> & "bord"'
    assert (
        render_marked(text, [(3, 7)])
        == "&lt;b&gt;<mark>Stol</mark>&lt;/b&gt; &amp; &quot;bord&quot;"
    )
    assert render_marked("abcdef", [(0, 2), (1, 4), (5, 5)]) == "<mark>abcd</mark>ef"


def test_mark_terms_matches_folded_tokens_and_prefixes():
    assert mark_terms("Blå stol, kjøkkenbenk", {"blaa"}, ("kjokk",)) == (
        "<mark>Blå</mark> stol, <mark>kjøkkenbenk</mark>"
    )
    memo: dict[str, bool] = {}
    mark_terms("stol", {"stol"}, (), memo)
    assert memo == {"stol": True}


def test_quote_and_number():
    assert quote('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert number(59.83) == "59.83" and number(1500.0) == "1500" and number(1e-5) == "0.00001"


def test_filters_cover_every_option():
    q = SearchQuery(category="mobler", conditions=["good"], min_price_ore=1, max_price_ore=9,
                    free_only=True, org_kinds=["business"], postcodes=["1384"],
                    districts=["Asker"], geo=(59.8, 10.4, 500), active_at=7)  # fmt: skip
    assert filters(q) == [
        'category_path = "mobler"', 'condition IN ["good"]', 'org_kind IN ["business"]',
        'postcode IN ["1384"]', 'district IN ["Asker"]', "price_ore >= 1", "price_ore <= 9",
        "is_free = true",
        "(available_until IS NULL OR NOT available_until EXISTS OR available_until >= 7)",
        "_geoRadius(59.8, 10.4, 500)",
    ]  # fmt: skip
    assert filters(SearchQuery(conditions=[])) == []


def test_settings_body_folds_synonyms():
    body = settings_body(IndexSettings(synonyms={"Bærestol": ["baby carrier"]}))
    assert body["synonyms"] == {"baerestol": ["baby carrier"]}


def test_to_meili_adds_geo_and_folded_copies():
    doc = to_meili({"id": "7", "title": "Blå", "category_names": ["Møbler"], "lat": 1, "lng": 2})
    assert doc["id"] == 7 and doc["title_folded"] == "blaa"
    assert doc["category_names_folded"] == ["mobler"]
    assert doc["_geo"] == {"lat": 1.0, "lng": 2.0}


def test_highlight_maps_folded_matches_back():
    text = "Blå kjøkkenbenk"
    formatted = {"title": text, "title_folded": f"{PRE}blaa{POST} {PRE}kjokken{POST}benk"}
    assert highlight(text, formatted, "title") == "<mark>Blå</mark> <mark>kjøkken</mark>benk"
    wrong = {"title_folded": f"{PRE}something{POST} else"}  # not this text: ignored
    assert highlight(text, wrong, "title") == "Blå kjøkkenbenk"
    assert highlight("<i>", {"title": f"{PRE}<i>{POST}"}, "title") == "<mark>&lt;i&gt;</mark>"


def test_prefix_typo_cost_counts_typos_against_the_start_of_a_longer_term():
    from search.text import prefix_typo_cost

    assert prefix_typo_cost("bokhyle", "bokhyller", 1) == 1  # "bokhyll" + one letter
    assert prefix_typo_cost("bokhylle", "bokhyller", 1) == 0  # an exact prefix
    assert prefix_typo_cost("kontrostol", "kontorstoler", 2) == 1  # a transposition
    assert prefix_typo_cost("gylle", "hyller", 1) is None  # first letter counts twice
    assert prefix_typo_cost("bokhyle", "bok", 1) is None  # the term is too short
    assert prefix_typo_cost("bokhyle", "bokhyller", 0) is None


def _osa_full_table(a: str, b: str, limit: int) -> int:
    """The optimal-string-alignment distance over the whole table (the reference)."""
    d = [[i + j if i == 0 or j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            change = d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, change)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return min(d[len(a)][len(b)], limit + 1)


@settings(max_examples=2000, deadline=None, database=None)
@given(
    a=st.text(alphabet="abcdeøå", max_size=12),
    b=st.text(alphabet="abcdeøå", max_size=12),
    limit=st.integers(0, 3),
)
def test_banded_osa_distance_equals_the_whole_table(a: str, b: str, limit: int):
    assert osa_distance(a, b, limit) == _osa_full_table(a, b, limit)


def _prefix_full_table(word: str, term: str, allowed: int) -> int | None:
    """``prefix_typo_cost`` over the whole table (the reference)."""
    if allowed <= 0 or not word or not term:
        return None
    m, t = len(word), term[: min(len(term) - 1, len(word) + allowed)]
    if len(t) < max(1, m - allowed):
        return None
    d = [[i + j if i == 0 or j == 0 else 0 for j in range(len(t) + 1)] for i in range(m + 1)]
    for i in range(1, m + 1):
        for j in range(1, len(t) + 1):
            change = d[i - 1][j - 1] + (word[i - 1] != t[j - 1])
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, change)
            if i > 1 and j > 1 and word[i - 1] == t[j - 2] and word[i - 2] == t[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    best = min(d[m][max(1, m - allowed) :]) + (word[0] != term[0])
    return best if best <= allowed else None


@settings(max_examples=2000, deadline=None, database=None)
@given(
    word=st.text(alphabet="abcdeå", max_size=10),
    term=st.text(alphabet="abcdeå", max_size=14),
    allowed=st.integers(0, 3),
)
def test_banded_prefix_typo_cost_equals_the_whole_table(word: str, term: str, allowed: int):
    from search.text import prefix_typo_cost

    assert prefix_typo_cost(word, term, allowed) == _prefix_full_table(word, term, allowed)
