"""Query evaluation for the embedded engine: filters, geo, facets, ordering, paging."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._engine import Engine
from ._fuzzy import Vocabulary
from ._match import INF, Plan, plan_query, text_costs
from .text import EARTH_RADIUS_M, query_words
from .types import SearchQuery

M_PER_DEG_LAT = np.pi * EARTH_RADIUS_M / 180.0
_PRICE_MAX = (1 << 32) - 1  # øre; dearer listings sort as equals
_DIST_MAX = (1 << 27) - 1


@dataclass
class EngineResult:
    """Slots of the requested page plus totals, facets and distances."""

    ids: list[int]
    distances: list[float | None]
    total: int
    facets: dict[str, dict[str, int]]


def haversine(engine: Engine, slots: np.ndarray, lat0: float, lng0: float) -> np.ndarray:
    """Great-circle distance in metres from a point (NaN where coordinates are missing)."""
    p1, l1 = math.radians(lat0), math.radians(lng0)
    a = np.sin((engine.latr[slots] - p1) / 2) ** 2
    a += math.cos(p1) * engine.coslat[slots] * np.sin((engine.lngr[slots] - l1) / 2) ** 2
    return (2 * EARTH_RADIUS_M) * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _filter_mask(engine: Engine, query: SearchQuery, mask: np.ndarray) -> None:
    n = engine.n
    if query.category:
        lut = np.array([query.category in slugs for slugs in engine.path_slugs], bool)
        mask &= lut[engine.codes["path"][:n]]
    for name, wanted in (
        ("condition", query.conditions),
        ("org_kind", query.org_kinds),
        ("postcode", query.postcodes),
        ("district", query.districts),
    ):
        if not wanted:
            continue
        lut = np.zeros(len(engine.values[name]), bool)
        for value in wanted:
            code = engine.lookup[name].get(str(value))
            if code is not None:
                lut[code] = True
        mask &= lut[engine.codes[name][:n]]
    if query.min_price_ore is not None:
        mask &= engine.price[:n] >= query.min_price_ore
    if query.max_price_ore is not None:
        mask &= engine.price[:n] <= query.max_price_ore
    if query.free_only:
        mask &= engine.free[:n]
    if query.active_at is not None:
        mask &= engine.until[:n] >= query.active_at


def _geo_filter(
    engine: Engine, cands: np.ndarray, geo: tuple[float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Candidates within the radius (bounding box first, then exact distance)."""
    lat0, lng0, radius = float(geo[0]), float(geo[1]), float(geo[2])
    dlat = radius / M_PER_DEG_LAT * 1.001 + 1e-9
    lat = engine.lat[cands]
    box = (lat >= lat0 - dlat) & (lat <= lat0 + dlat)
    edge = abs(lat0) + dlat
    if edge < 89.0:
        dlng = dlat / np.cos(np.radians(edge))
        lng = engine.lng[cands]
        box &= (lng >= lng0 - dlng) & (lng <= lng0 + dlng)
    cands = cands[box]
    dist = haversine(engine, cands, lat0, lng0)
    keep = dist <= radius
    return cands[keep], dist[keep]


def _facets(engine: Engine, cands: np.ndarray, names: list[str], limit: int) -> dict:
    out: dict[str, dict[str, int]] = {}
    for name in names:
        column = "path" if name == "category" else name
        values = engine.values[column]
        counts = np.bincount(engine.codes[column][cands], minlength=len(values))
        nz = np.flatnonzero(counts[1:]) + 1
        tally: dict[str, int] = {}
        for code, count in zip(nz.tolist(), counts[nz].tolist(), strict=True):
            if name == "category":  # a listing counts for its category and every ancestor
                for slug in engine.path_slugs[code]:
                    tally[slug] = tally.get(slug, 0) + count
            else:
                tally[values[code]] = count
        pairs = sorted(tally.items(), key=lambda p: (-p[1], p[0]))
        out[name] = dict(pairs[:limit])
    return out


def _components(
    engine: Engine, slots: np.ndarray, cost: np.ndarray | None, dist: np.ndarray | None, sort: str
) -> list[tuple[np.ndarray, int]]:
    """Sort keys (non-negative ints, most significant first) with their bit widths.

    Ties always end with recency (published_at, then id, newest first), the
    embedded counterpart of the ``published_at:desc`` ranking rule.
    """
    recency = (engine.ranked_by_recency()[slots], max(1, (engine.n - 1).bit_length()))
    if sort == "newest":
        return [recency]
    tail = [recency] if cost is None else [(cost.astype(np.int64), 20), recency]
    if sort in ("price_asc", "price_desc"):
        price = np.clip(engine.price[slots], 0, _PRICE_MAX)
        return [(price if sort == "price_asc" else _PRICE_MAX - price, 32), *tail]
    if sort == "distance" and dist is not None:
        d = np.where(np.isnan(dist), _DIST_MAX, np.clip(np.rint(np.nan_to_num(dist)), 0, _DIST_MAX))
        return [(d.astype(np.int64), 27), *tail]
    return tail


def _top(components: list[tuple[np.ndarray, int]], k: int) -> np.ndarray:
    """Positions of the first ``k`` candidates in exact lexicographic order."""
    key = np.zeros(len(components[0][0]), np.int64)
    used = i = 0
    while i < len(components) and used + components[i][1] <= 63:
        values, bits = components[i]
        key = (key << bits) | values
        used += bits
        i += 1
    rest = [c for c, _ in components[i:]]
    if k < len(key):
        kth = np.partition(key, k - 1)[k - 1]
        idx = np.flatnonzero(key <= kth)
    else:
        idx = np.arange(len(key))
    if rest:
        order = np.lexsort(tuple(c[idx] for c in reversed(rest)) + (key[idx],))
    else:
        order = np.argsort(key[idx], kind="stable")
    return idx[order][:k]


def execute(
    engine: Engine,
    query: SearchQuery,
    synonyms: dict,
    max_values_per_facet: int,
    syn_vocab: Vocabulary | None = None,
) -> tuple[EngineResult, Plan | None]:
    """Run ``query`` against ``engine``; the plan tells the highlighter what matched."""
    n = engine.n
    words, last_is_prefix = query_words(query.q)
    plan: Plan | None = None
    cost_all: np.ndarray | None = None
    if words:
        plan = plan_query(
            words, last_is_prefix, synonyms, syn_vocab, engine.one_typo, engine.two_typos,
            engine.vocab,
        )
        cost_all = text_costs(engine, plan)
        mask = cost_all < INF
        mask &= engine.alive[:n]
    else:
        mask = engine.alive[:n].copy()
    _filter_mask(engine, query, mask)
    cands = np.flatnonzero(mask)
    origin = query.origin()
    dist: np.ndarray | None = None
    if query.geo is not None:
        cands, dist = _geo_filter(engine, cands, query.geo)
        if origin != (float(query.geo[0]), float(query.geo[1])):
            dist = haversine(engine, cands, *origin) if origin else None
    elif origin is not None and query.sort == "distance":
        dist = haversine(engine, cands, *origin)
    total = len(cands)
    facets = _facets(engine, cands, list(query.facets or []), max_values_per_facet)
    offset = (query.page - 1) * query.per_page
    ids: list[int] = []
    distances: list[float | None] = []
    if offset < total:
        cost = None if cost_all is None else cost_all[cands]
        top = _top(_components(engine, cands, cost, dist, query.sort), offset + query.per_page)
        pos = top[offset:]
        slots = cands[pos]
        ids = engine.ids[slots].tolist()
        if origin is not None:
            d = dist[pos] if dist is not None else haversine(engine, slots, *origin)
            distances = [None if np.isnan(x) else float(x) for x in d.tolist()]
        else:
            distances = [None] * len(ids)
    return EngineResult(ids, distances, total, facets), plan
