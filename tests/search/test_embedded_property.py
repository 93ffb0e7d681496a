"""Property test: filters, facets, sorting and paging equal a brute-force reference."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import SearchQuery
from search.embedded import EmbeddedBackend
from search.text import haversine_m

from .conftest import CATEGORIES, T0, listing

CONDITIONS = ["new", "like_new", "good", "fair", "for_parts"]
DISTRICTS = ["Asker sentrum", "Heggedal", "Vollen", "Røyken"]
KINDS = ["business", "reuse_shop", "municipality", "nonprofit"]
POINTS = [(59.8333, 10.4351), (59.7810, 10.4460), (59.8030, 10.4820), None]


def make_docs(n: int = 300) -> list[dict[str, Any]]:
    rng = random.Random(3)
    docs = []
    for i in range(1, n + 1):
        point = rng.choice(POINTS)
        if point:
            point = (point[0] + rng.uniform(-0.02, 0.02), point[1] + rng.uniform(-0.02, 0.02))
        docs.append(listing(
            i, f"Ting {i}", rng.choice(sorted(CATEGORIES)), condition=rng.choice(CONDITIONS),
            price_ore=rng.choice([0, 0, 100, 5_000, 5_000, 120_000]),
            org_kind=rng.choice(KINDS), district=rng.choice(DISTRICTS),
            postcode=rng.choice(["1384", "1389"]), geo=point,
            published=rng.choice([0, 10, 10, 20, 30]), until=rng.choice([None, 5, 50]),
        ))  # fmt: skip
    return docs


DOCS = make_docs()


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBackend]:
    b = EmbeddedBackend(Path(tmp_path_factory.mktemp("prop")))
    b.upsert(DOCS)
    yield b
    b.close()


def reference(q: SearchQuery) -> tuple[int, list[int], dict[str, dict[str, int]]]:
    """Total, ids of the page and facets, the slow obvious way."""
    origin = q.origin()
    rows = []
    for d in DOCS:
        dist = None
        if origin and d["lat"] is not None:
            dist = haversine_m(*origin, d["lat"], d["lng"])
        if q.category and q.category not in d["category_path"]:
            continue
        if q.conditions and d["condition"] not in q.conditions:
            continue
        if q.districts and d["district"] not in q.districts:
            continue
        if q.org_kinds and d["org_kind"] not in q.org_kinds:
            continue
        if q.postcodes and d["postcode"] not in q.postcodes:
            continue
        if q.min_price_ore is not None and d["price_ore"] < q.min_price_ore:
            continue
        if q.max_price_ore is not None and d["price_ore"] > q.max_price_ore:
            continue
        if q.free_only and not d["is_free"]:
            continue
        if (
            q.active_at is not None
            and d["available_until"] not in (None,)
            and (d["available_until"] < q.active_at)
        ):
            continue
        if q.geo and (d["lat"] is None or haversine_m(*q.geo[:2], d["lat"], d["lng"]) > q.geo[2]):
            continue
        rows.append((d, dist))
    recency = {"newest", "relevance"}

    def key(row: tuple[dict[str, Any], float | None]) -> tuple:
        d, dist = row
        tail = (-d["published_at"], -d["id"])
        if q.sort in recency:
            return tail
        if q.sort == "price_asc":
            return (d["price_ore"], *tail)
        if q.sort == "price_desc":
            return (-d["price_ore"], *tail)
        return (round(dist) if dist is not None else float("inf"), *tail)

    rows.sort(key=key)
    start = (q.page - 1) * q.per_page
    page = [d["id"] for d, _ in rows[start : start + q.per_page]]
    facets: dict[str, dict[str, int]] = {}
    for name in q.facets or []:
        if name == "category":
            facets[name] = dict(Counter(s for d, _ in rows for s in d["category_path"]))
        else:
            facets[name] = dict(Counter(d[name] for d, _ in rows))
    return len(rows), page, facets


queries = st.builds(
    SearchQuery,
    category=st.sampled_from([None, "mobler", "stoler", "kontorstol", "kjokken", "diverse"]),
    conditions=st.none() | st.lists(st.sampled_from(CONDITIONS), max_size=3),
    districts=st.none() | st.lists(st.sampled_from(DISTRICTS), max_size=2),
    org_kinds=st.none() | st.lists(st.sampled_from(KINDS), max_size=2),
    postcodes=st.none() | st.just(["1389"]),
    min_price_ore=st.none() | st.sampled_from([0, 100, 5_000]),
    max_price_ore=st.none() | st.sampled_from([0, 5_000, 200_000]),
    free_only=st.booleans(),
    active_at=st.none() | st.sampled_from([T0, T0 + 5, T0 + 6, T0 + 100]),
    geo=st.none() | st.sampled_from([(59.8333, 10.4351, 1500.0), (59.79, 10.46, 4000.0)]),
    point=st.none() | st.just((59.80, 10.44)),
    sort=st.sampled_from(["relevance", "newest", "price_asc", "price_desc", "distance"]),
    page=st.integers(1, 4),
    per_page=st.sampled_from([1, 7, 25]),
    facets=st.none() | st.just(["category", "condition", "district", "org_kind"]),
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,  # write nothing into the work tree
    suppress_health_check=[HealthCheck.too_slow],
)
@given(q=queries)
def test_matches_the_reference(backend: EmbeddedBackend, q: SearchQuery):
    if q.sort == "distance" and q.origin() is None:
        q.sort = "newest"
    result = backend.search(q)
    total, page, facets = reference(q)
    assert result.total == total
    assert [h.id for h in result.hits] == page
    assert result.facets == facets
