"""Norwegian behaviour every backend must show (issue #17): compounds split or joined,
heads finding compounds, typos in the last word, the three-letter prefix rule, directed
and multi-word synonyms applied after typo correction, no typo into a stop word.

Runs on the embedded backend always and on Meilisearch with MEILI_URL (see conftest).
"""

from __future__ import annotations

import pytest

from search import IndexSettings, SearchBackend, SearchQuery

from .conftest import listing


def ids(backend: SearchBackend, q: str) -> set[int]:
    result = backend.search(SearchQuery(q=q, per_page=100))
    assert result.total == len(result.hits)
    return {hit.id for hit in result.hits}


def ordered(backend: SearchBackend, q: str) -> list[int]:
    return [h.id for h in backend.search(SearchQuery(q=q, per_page=100)).hits]


DOCS = [
    listing(1, "Kontorstol Kinnarps, svart", "diverse", published=1),
    listing(2, "Kontor stol med armlener", "diverse", published=2),
    listing(3, "Møtebord i eik", "diverse", published=3),
    listing(4, "Møte bord for åtte", "diverse", published=4),
    listing(5, "Ståpult hev/senk", "diverse", published=5),
    listing(6, "Stå pult i bjørk", "diverse", published=6),
    listing(7, "Arbeidsbord til verksted", "diverse", published=7),
    listing(8, "Stol i bjørk", "diverse", published=8),
    listing(9, "Mineralull 100 mm", "diverse", published=9),
    listing(10, "Bokhyller i furu", "diverse", published=10),
    listing(11, "Pcs of chairs", "diverse", published=11),
    listing(12, "PC med skjerm", "diverse", published=12),
    listing(13, "Bord til kantine", "diverse", published=13),
    listing(14, "Kjøkkenbenk i eik", "diverse", published=14),
    listing(15, "Tiles for bathroom", "diverse", published=15),
]


@pytest.fixture
def nb_backend(search_backend: SearchBackend) -> SearchBackend:
    search_backend.upsert(DOCS)
    return search_backend


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("kontor stol ", {1, 2}),  # split finds joined
        ("kontorstol ", {1, 2}),  # joined finds split
        ("møte bord ", {3, 4}),
        ("møtebord ", {3, 4}),
        ("ståpult ", {5, 6}),
        ("stå pult ", {5, 6}),
        ("kjøkken benk ", {14}),
        ("kontor stol", {1, 2}),  # also with the last word as a prefix
    ],
)
def test_split_and_joined_spellings_find_each_other(nb_backend, q, expected):
    assert ids(nb_backend, q) == expected


def test_a_head_finds_its_compounds_below_exact_hits(nb_backend):
    got = ordered(nb_backend, "stol ")
    assert set(got) == {1, 2, 8}
    assert set(got[:2]) == {2, 8} and got[2] == 1  # "stol" itself first, "kontorstol" after
    got = ordered(nb_backend, "bord ")
    assert set(got) == {3, 4, 7, 13}
    assert set(got[:2]) == {4, 13}  # "bord" itself first
    assert ids(nb_backend, "ull ") == {9}  # a short head, still a head
    assert ids(nb_backend, "pult ") == {5, 6}


def test_a_modifier_does_not_find_the_compound(nb_backend):
    assert ids(nb_backend, "kjøkken ") == set()  # a kjøkkenbenk is not a kjøkken
    assert ids(nb_backend, "mineral ") == set()


def test_typos_in_the_last_word(nb_backend):
    assert ids(nb_backend, "bokhyle") == {10}  # one typo in the prefix word
    assert ids(nb_backend, "bokhyle ") == set()  # as a whole word: two letters short
    assert ids(nb_backend, "bokhylle") == {10}


def test_a_prefix_needs_three_letters(nb_backend):
    assert ids(nb_backend, "pc") == {12}  # not "Pcs"
    assert ids(nb_backend, "pcs") == {11}
    assert ids(nb_backend, "kjø") == {14}
    assert ids(nb_backend, "ki") == set()  # "Kinnarps", "kitchen": no
    assert ids(nb_backend, "kin") == {1}


def test_no_typo_turns_a_word_into_a_stop_word(nb_backend):
    assert ids(nb_backend, "tiles") == {15}  # never "til" (13 and 7 say "til")
    assert ids(nb_backend, "tiles ") == {15}


SYNONYMS = {
    "pult": ["skrivebord"],  # directed: "skrivebord" does not find "pult"
    "konferansebord": ["møtebord"],
    "hev senk": ["height adjustable"],  # multi-word key and value
    "ergonomisk": ["office chair"],
}


@pytest.fixture
def syn_backend(search_backend: SearchBackend) -> SearchBackend:
    search_backend.configure(IndexSettings(synonyms=SYNONYMS))
    search_backend.upsert([
        listing(1, "Skrivebord i eik", "diverse"),
        listing(2, "Pult for barn", "diverse"),
        listing(3, "Møtebord", "diverse"),
        listing(4, "Height adjustable desk", "diverse"),
        listing(5, "Office chair", "diverse"),
        listing(6, "Chair for the office", "diverse"),
    ])  # fmt: skip
    return search_backend


def test_synonyms_are_directed(syn_backend):
    assert ids(syn_backend, "pult ") == {1, 2}
    assert ids(syn_backend, "skrivebord ") == {1}


def test_multi_word_synonyms(syn_backend):
    assert ids(syn_backend, "hev senk ") == {4}
    assert 5 in ids(syn_backend, "ergonomisk ")


def test_synonyms_apply_after_typo_correction(syn_backend):
    assert ids(syn_backend, "konferansebord ") == {3}
    assert ids(syn_backend, "konferansbord ") == {3}  # one typo, then the synonym
    assert ids(syn_backend, "konferansbrod ") == {3}  # a transposition is one typo
