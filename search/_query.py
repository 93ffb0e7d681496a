"""Query evaluation for the embedded engine: filters, geo, facets, ordering, paging."""

from __future__ import annotations

import numpy as np

from ._engine import INF, Engine, EngineResult, Plan
from .text import EARTH_RADIUS_M, query_words
from .types import SearchQuery

M_PER_DEG_LAT = np.pi * EARTH_RADIUS_M / 180.0
_PUB_MAX = (1 << 32) - 1
_ID_MAX = (1 << 31) - 1
_PRICE_MAX = (1 << 40) - 1
_DIST_MAX = (1 << 27) - 1


def haversine(lat: np.ndarray, lng: np.ndarray, lat0: float, lng0: float) -> np.ndarray:
    """Vectorised great-circle distance in metres (NaN where coordinates are missing)."""
    p1, p2 = np.radians(lat0), np.radians(lat)
    dp, dl = p2 - p1, np.radians(lng - lng0)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _filter_mask(engine: Engine, query: SearchQuery, mask: np.ndarray) -> None:
    n = engine.n
    if query.category:
        code = engine.lookup["category"].get(query.category)
        if code is None:
            mask[:] = False
        else:
            in_cat = np.zeros(n, bool)
            for row in engine.cat:
                in_cat |= row[:n] == code
            mask &= in_cat
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
    dist = haversine(engine.lat[cands], engine.lng[cands], lat0, lng0)
    keep = dist <= radius
    return cands[keep], dist[keep]


def _facets(engine: Engine, cands: np.ndarray, names: list[str], limit: int) -> dict:
    out: dict[str, dict[str, int]] = {}
    for name in names:
        values = engine.values[name]
        if name == "category":
            counts = np.zeros(len(values), np.int64)
            for row in engine.cat:
                counts += np.bincount(row[cands], minlength=len(values))
        else:
            counts = np.bincount(engine.codes[name][cands], minlength=len(values))
        nz = np.flatnonzero(counts[1:]) + 1
        pairs = sorted(
            ((values[i], int(counts[i])) for i in nz.tolist()), key=lambda p: (-p[1], p[0])
        )
        out[name] = dict(pairs[:limit])
    return out


def _components(
    engine: Engine, slots: np.ndarray, cost: np.ndarray | None, dist: np.ndarray | None, sort: str
) -> list[tuple[np.ndarray, int]]:
    """Sort keys (non-negative ints, most significant first) with their bit widths."""
    pub = _PUB_MAX - np.clip(engine.pub[slots], 0, _PUB_MAX)
    ident = _ID_MAX - np.clip(engine.ids[slots], 0, _ID_MAX)
    rel = [] if cost is None else [(cost.astype(np.int64), 20)]
    if sort == "newest":
        return [(pub, 32), *rel, (ident, 31)]
    tail = [*rel, (pub, 32), (ident, 31)]
    if sort in ("price_asc", "price_desc"):
        price = np.clip(engine.price[slots], 0, _PRICE_MAX)
        return [(price if sort == "price_asc" else _PRICE_MAX - price, 40), *tail]
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
    engine: Engine, query: SearchQuery, synonyms: dict, max_values_per_facet: int
) -> tuple[EngineResult, Plan | None]:
    """Run ``query`` against ``engine``; the plan tells the highlighter what matched."""
    n = engine.n
    words, last_is_prefix = query_words(query.q)
    plan: Plan | None = None
    cost_all: np.ndarray | None = None
    if words:
        plan = engine.plan(words, last_is_prefix, synonyms)
        cost_all = engine.text_costs(plan)
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
    elif origin is not None and query.sort == "distance":
        dist = haversine(engine.lat[cands], engine.lng[cands], *origin)
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
            d = (
                dist[pos]
                if dist is not None
                else haversine(engine.lat[slots], engine.lng[slots], *origin)
            )
            distances = [None if np.isnan(x) else float(x) for x in d.tolist()]
        else:
            distances = [None] * len(ids)
    return EngineResult(ids, distances, total, facets), plan
