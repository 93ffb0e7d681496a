"""Chord shortcuts in geo queries give exactly what the haversine formula gives.

``_geo_filter`` decides most candidates by squared chords and
``_nearest_first`` computes exact distances only near the k nearest; both are
compared here with the plain computation (haversine for every candidate, a full
sort) on random places, including points placed exactly on the circle and many
at the same rounded distance.  Real engine, no doubles.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from search._engine import Engine
from search._query import _components, _geo_filter, _nearest_first, _top, haversine
from search.text import EARTH_RADIUS_M

CENTRE = (59.8333, 10.4351)


def point_at(lat0: float, lng0: float, metres: float, bearing: float) -> tuple[float, float]:
    """The point ``metres`` away from (lat0, lng0) along ``bearing`` (radians)."""
    d = metres / EARTH_RADIUS_M
    p1, l1 = math.radians(lat0), math.radians(lng0)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
    l2 = l1 + math.atan2(
        math.sin(bearing) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), math.degrees(l2)


def engine_with(points: list[tuple[float, float] | None], seed: int) -> Engine:
    rng = np.random.default_rng(seed)
    engine = Engine()
    engine.add(
        {"id": i + 1, "title": "ting", "published_at": int(rng.integers(0, 5)),
         "lat": p[0] if p else None, "lng": p[1] if p else None}
        for i, p in enumerate(points)
    )  # fmt: skip
    return engine


@settings(max_examples=80, deadline=None, database=None)
@given(
    seed=st.integers(0, 10_000),
    radius=st.sampled_from([0.0, 1.0, 250.0, 1500.0, 4000.0]),
    k=st.integers(1, 60),
    ring=st.booleans(),
)
def test_chords_agree_with_haversine(seed: int, radius: float, k: int, ring: bool):
    rng = np.random.default_rng(seed)
    points: list[tuple[float, float] | None] = []
    for _ in range(300):
        if rng.random() < 0.05:
            points.append(None)
            continue
        # on the circle itself, at whole and half metres, or anywhere up to 5 km
        metres = radius if ring and rng.random() < 0.3 else float(rng.integers(0, 10_000)) / 2
        points.append(point_at(*CENTRE, metres, float(rng.uniform(0, 2 * math.pi))))
    engine = engine_with(points, seed)
    cands = np.flatnonzero(engine.alive[: engine.n])
    cost = rng.integers(0, 3, len(cands)).astype(np.int32) * 256

    got, c2, pos = _geo_filter(engine, cands, (*CENTRE, radius))
    exact = haversine(engine, cands, *CENTRE)
    want = np.flatnonzero(exact <= radius)
    assert got.tolist() == cands[want].tolist() and pos.tolist() == want.tolist()

    if len(got):
        top, dist = _nearest_first(engine, got, c2, cost[pos], CENTRE, k)
        d_all = haversine(engine, got, *CENTRE)
        ref = _top(_components(engine, got, cost[pos], d_all, "distance"), k)
        assert top.tolist() == ref.tolist()
        assert dist.tolist() == d_all[ref].tolist()


def test_unit_vectors_survive_snapshot_and_compaction(tmp_path):
    rng = np.random.default_rng(1)
    points = [point_at(*CENTRE, float(rng.uniform(0, 3000)), float(rng.uniform(0, 6.3)))
              for _ in range(2000)] + [None]  # fmt: skip
    engine = engine_with(points, 1)
    engine.remove(range(1, 1500))
    engine.compact()  # slots renumbered: the unit vectors must move with them
    engine.save(tmp_path / "snap.npz", {})
    loaded = Engine.load(tmp_path / "snap.npz")
    assert loaded is not None
    for e in (engine, loaded[0]):
        cands = np.flatnonzero(e.alive[: e.n])
        got, _, _ = _geo_filter(e, cands, (*CENTRE, 1500.0))
        want = cands[haversine(e, cands, *CENTRE) <= 1500.0]
        assert got.tolist() == want.tolist() and 0 < len(got) < len(cands)
    n = engine.n
    for name in ("ux", "uy", "uz"):
        a, b = getattr(engine, name)[:n], getattr(loaded[0], name)[:n]
        assert np.allclose(a, b, rtol=0, atol=1e-15, equal_nan=True)
