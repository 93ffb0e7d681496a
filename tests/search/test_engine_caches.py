"""The embedded engine's query caches never change an answer.

The backend keeps, until the next write, the matching slots of each text query
(``Engine.text_cache``) and, per set of highlight terms, which tokens are marked
(``EmbeddedBackend._marks``).  These tests write, delete, replace, reconfigure
and search in random orders and compare every answer with a second backend on
the same directory whose caches are dropped before every query.  Real SQLite
files and the real engine throughout; no test doubles.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import IndexSettings, SearchQuery
from search import _query as query_module
from search.embedded import EmbeddedBackend

from .conftest import CATEGORIES, T0, listing

WORDS = ["stol", "kontorstol", "bord", "skrivebord", "sofa", "svart", "eik", "hvit", "chair"]
QUERY_TEXTS = [
    "stol", "sto", "kontorstol", "kontrostol", "kontor stol", "bord ", "skrivebord svart",
    "eik", "chair", "sofa hvit", "s", "", "hvit", "blå",
]  # fmt: skip


def doc(i: int, words: list[str], category: str, published: int) -> dict[str, Any]:
    title = " ".join(words[:3]) or "ting"
    return listing(
        i, title.capitalize(), category, description=" ".join(words[3:]), published=published,
        price_ore=(i % 4) * 5_000, condition=["new", "good", "fair"][i % 3],
        geo=(59.83 + (i % 7) * 0.003, 10.43 + (i % 5) * 0.004) if i % 6 else None,
    )  # fmt: skip


docs_st = st.builds(
    doc,
    i=st.integers(1, 40),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=6),
    category=st.sampled_from(sorted(CATEGORIES)),
    published=st.integers(0, 50),
)
queries_st = st.builds(
    SearchQuery,
    q=st.sampled_from(QUERY_TEXTS),
    category=st.none() | st.sampled_from(["mobler", "stoler", "bord"]),
    max_price_ore=st.none() | st.just(10_000),
    geo=st.none() | st.just((59.835, 10.44, 1500.0)),
    sort=st.sampled_from(["relevance", "newest", "price_asc", "distance"]),
    point=st.just((59.84, 10.44)),
    highlight=st.booleans(),
    facets=st.just(["category", "condition"]),
    active_at=st.none() | st.just(T0),
)
writes_st = st.lists(
    st.one_of(
        st.tuples(st.just("upsert"), st.lists(docs_st, min_size=1, max_size=4)),
        st.tuples(st.just("delete"), st.lists(st.integers(1, 40), min_size=1, max_size=3)),
        st.tuples(st.just("synonyms"), st.booleans()),
    ),
    min_size=1,
    max_size=8,
)


def answer(backend: EmbeddedBackend, q: SearchQuery) -> tuple:
    r = backend.search(q)
    hits = [(h.id, h.distance_m, h.highlights) for h in r.hits]
    return r.total, r.facets, hits


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[EmbeddedBackend, EmbeddedBackend]]:
    cached, fresh = EmbeddedBackend(tmp_path), EmbeddedBackend(tmp_path)
    yield cached, fresh
    cached.close()
    fresh.close()


def test_cached_answers_equal_uncached_ones_through_writes(tmp_path_factory):
    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(writes=writes_st, queries=st.lists(queries_st, min_size=1, max_size=4))
    def run(writes: list[tuple[str, Any]], queries: list[SearchQuery]) -> None:
        path = tmp_path_factory.mktemp("caches")
        cached, fresh = EmbeddedBackend(path), EmbeddedBackend(path)
        try:
            cached.upsert([doc(i, WORDS[i % 9 : i % 9 + 4], "kontorstol", i) for i in range(1, 9)])
            for kind, arg in [("none", None), *writes]:
                if kind == "upsert":
                    cached.upsert(arg)
                elif kind == "delete":
                    fresh.delete(arg)  # the other process writes: ``cached`` must notice
                elif kind == "synonyms":
                    cached.configure(IndexSettings(synonyms={"stol": ["chair"]} if arg else {}))
                for q in queries:  # the same queries after every write
                    fresh.drop_caches()
                    expected = answer(fresh, q)
                    assert answer(cached, q) == expected
                    assert answer(cached, q) == expected  # now from the caches
        finally:
            cached.close()
            fresh.close()

    run()


def test_text_cache_forgets_on_upsert_replace_and_delete(pair):
    cached, other = pair
    cached.upsert([listing(1, "Kontorstol svart", "kontorstol")])
    q = SearchQuery(q="kontorstol")
    assert [h.id for h in cached.search(q).hits] == [1]
    assert cached._engine is not None and cached._engine.text_cache  # the answer was cached
    cached.upsert([listing(2, "Kontorstol hvit", "kontorstol", published=5)])
    assert [h.id for h in cached.search(q).hits] == [2, 1]
    cached.upsert([listing(1, "Sofa", "sofa")])  # replaced: no longer a kontorstol
    assert [h.id for h in cached.search(q).hits] == [2]
    other.delete([2])  # another process (or worker) deletes
    assert cached.search(q).hits == [] and cached.search(q).total == 0


def test_text_cache_follows_synonym_and_typo_settings(pair):
    cached, _ = pair
    cached.upsert([listing(1, "Office chair", "diverse"), listing(2, "Skrivebord", "diverse")])
    assert cached.search(SearchQuery(q="stol")).total == 0
    cached.configure(IndexSettings(synonyms={"stol": ["chair"]}))
    assert [h.id for h in cached.search(SearchQuery(q="stol")).hits] == [1]
    assert [h.id for h in cached.search(SearchQuery(q="skrivebrod")).hits] == [2]
    cached.configure(IndexSettings(one_typo_min_len=20, two_typos_min_len=30))
    assert cached.search(SearchQuery(q="skrivebrod")).total == 0  # no typos allowed now


def test_highlight_memo_is_per_query_terms(pair):
    cached, _ = pair
    cached.upsert([listing(1, "Kontorstol med bord", "diverse")])
    marked = {
        q: cached.search(SearchQuery(q=q, highlight=True)).hits[0].highlights["title"]
        for q in ["bord", "kontorstol", "bord", "kontor", "stol", "med bord "]
    }
    assert marked["bord"] == "Kontorstol med <mark>bord</mark>"
    assert marked["kontorstol"] == "<mark>Kontorstol</mark> med bord"
    assert marked["kontor"] == "<mark>Kontorstol</mark> med bord"  # prefix
    assert marked["stol"] == "<mark>Kontorstol</mark> med bord"  # compound head
    assert marked["med bord "] == "Kontorstol <mark>med</mark> <mark>bord</mark>"
    cached.drop_caches()
    for q, html in marked.items():
        again = cached.search(SearchQuery(q=q, highlight=True)).hits[0].highlights["title"]
        assert again == html


def test_highlight_memo_tells_prefix_from_whole_word(pair):
    cached, _ = pair
    cached.upsert([listing(1, "Bordplate og bord", "diverse")])
    whole, prefix = (
        cached.search(SearchQuery(q=q, highlight=True)).hits[0].highlights["title"]
        for q in ["bord ", "bord"]  # same terms; only the second reads "bord" as a prefix
    )
    assert whole == "Bordplate og <mark>bord</mark>"
    assert prefix == "<mark>Bordplate</mark> og <mark>bord</mark>"


def test_text_cache_is_bounded(pair, monkeypatch):
    cached, _ = pair
    cached.upsert([listing(i, f"Stol nummer{i}", "stoler") for i in range(1, 31)])
    monkeypatch.setattr(query_module, "TEXT_CACHE_SLOTS", 40)
    for q in ["stol", "nummer1", "nummer2", "nummer3", "stol nummer"]:
        cached.search(SearchQuery(q=q))
        engine = cached._engine
        assert engine is not None
        assert engine.text_cache_slots == sum(len(e[3]) for e in engine.text_cache.values())
        assert engine.text_cache_slots <= 40
    assert cached.search(SearchQuery(q="stol")).total == 30
