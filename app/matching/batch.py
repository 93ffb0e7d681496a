"""Scoring one listing against many requests at once, with numpy.

The listing -> requests direction can meet thousands of candidates for one listing; the
hard limits and the parts of the score are computed over columns here, the words once
per distinct request title. No reasons are built (``Scored.reasons`` is None): a match
builds them when it is shown (:func:`scoring.explain`, through ``Match.reasons``), so a
listing with 2,000 matches does not write 2,000 lists nobody may read. The scores and
distances are those of :func:`scoring.score` for each pair (a test compares them on random
pairs), up to float rounding in the distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from app.matching import taxonomy
from app.matching.scoring import (
    OSLO,
    PART_FACTOR,
    WEIGHTS,
    ListingFacts,
    RequestFacts,
    Scored,
    text_part,
    weaker_fit,
)
from app.matching.text import asks_for_parts, text_score
from search.text import EARTH_RADIUS_M

RELATION_CODE = {taxonomy.SAME: 0, taxonomy.PARENT: 1, taxonomy.SIBLING: 2}


@dataclass
class RequestColumns:
    """Candidate requests as columns (one entry per request)."""

    ids: list[int]
    orgs: np.ndarray
    categories: list[tuple[str, ...]]
    terms: list[str]
    units: list[str]
    quantity: np.ndarray
    min_quantity: np.ndarray
    max_price: np.ndarray  # NaN: no maximum
    min_rank: np.ndarray
    lat: np.ndarray
    lng: np.ndarray
    radius_km: np.ndarray
    #: dates (SQLite's bare connection: ISO text), read only for a listing available later
    needed_by: list[date | str | None]
    #: relation codes to the listing category ``relation_to`` when the candidate query
    #: computed them (else ``score_requests`` derives them from ``categories``)
    relation_codes: np.ndarray | None = None
    relation_to: str | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_facts(cls, requests: list[RequestFacts]) -> RequestColumns:
        def floats(name):
            return np.array([getattr(r, name) for r in requests], dtype=np.float64)

        return cls(
            ids=[r.id for r in requests], orgs=np.array([r.org_id for r in requests]),
            categories=[r.categories for r in requests], terms=[r.terms for r in requests],
            units=[r.unit for r in requests], quantity=floats("quantity"),
            min_quantity=floats("min_quantity"),
            max_price=np.array([np.nan if r.max_price_ore is None else r.max_price_ore
                                for r in requests], dtype=np.float64),
            min_rank=np.array([r.min_condition_rank for r in requests], dtype=np.int64),
            lat=floats("lat"), lng=floats("lng"), radius_km=floats("radius_km"),
            needed_by=[r.needed_by for r in requests])


def _relations(categories: list[tuple[str, ...]], listing_category: str) -> np.ndarray:
    """Per row: the code of the closest relation of the request's categories, or -1."""
    memo: dict[tuple[str, ...], int] = {}
    codes = np.empty(len(categories), dtype=np.int64)
    for i, cats in enumerate(categories):
        found = memo.get(cats)
        if found is None:
            best = None
            for slug in cats:
                rel = taxonomy.relation(slug, listing_category)
                if rel is not None and (best is None or taxonomy.RELATION_SCORE[rel]
                                        > taxonomy.RELATION_SCORE[best]):
                    best = rel
            found = memo[cats] = -1 if best is None else RELATION_CODE[best]
        codes[i] = found
    return codes


def _date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


@dataclass
class ScoredColumns:
    """The requests that pass the hard limits: their ids, scores and distances (m)."""

    ids: list[int]
    scores: list[int]
    distances: list[float]

    def __len__(self) -> int:
        return len(self.ids)


_NONE = ScoredColumns([], [], [])


def score_requests(listing: ListingFacts, req: RequestColumns,
                   now: datetime) -> list[tuple[int, Scored]]:
    """(request id, Scored) for every request that passes the hard limits (no reasons:
    ``Scored.reasons`` is None)."""
    found = score_columns(listing, req, now)
    return [(i, Scored(s, None, d))
            for i, s, d in zip(found.ids, found.scores, found.distances, strict=True)]


def score_columns(listing: ListingFacts, req: RequestColumns,
                  now: datetime) -> ScoredColumns:
    """Score every request in ``req`` for ``listing``; the ones that pass, as columns."""
    if not len(req) or not listing.active or (
            listing.available_until is not None and listing.available_until <= now):
        return _NONE
    if req.relation_codes is not None and req.relation_to == listing.category:
        codes = req.relation_codes
    else:
        codes = _relations(req.categories, listing.category)
    p1, p2 = np.radians(req.lat), np.radians(listing.lat)
    dp, dl = p2 - p1, np.radians(listing.lng - req.lng)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    distance = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    radius_m = req.radius_km * 1000
    same_unit = np.array([u == listing.unit for u in req.units], dtype=bool)
    with np.errstate(invalid="ignore"):
        keep = ((req.orgs != listing.org_id) & (codes >= 0) & (distance <= radius_m)
                & ~(listing.price_ore > req.max_price)
                & (listing.condition_rank >= req.min_rank)
                & ~(same_unit & (listing.quantity_available < req.min_quantity)))
    rows = np.flatnonzero(keep)
    if not len(rows):
        return _NONE

    # Text: once per distinct title (the same titles recur across many requests).
    texts: dict[str, tuple[float, bool, bool, bool]] = {}
    terms_l = req.terms
    for i in rows.tolist():
        terms = terms_l[i]
        if terms not in texts:
            match = text_score(terms, listing.profile)
            texts[terms] = (text_part(match), match.evidence,
                            match.part and not asks_for_parts(terms),
                            weaker_fit(terms, match, listing))
    per_row = [texts[terms_l[i]] for i in rows.tolist()]
    text = np.array([t[0] for t in per_row], dtype=np.float64)
    found = np.array([t[1] for t in per_row], dtype=bool)
    excluded = np.array([t[2] for t in per_row], dtype=bool)
    weaker = np.array([t[3] for t in per_row], dtype=bool)
    codes_k = codes[rows]
    passes = ~excluded & ~((codes_k == 2) & ~found)
    rows, text, weaker, codes_k = rows[passes], text[passes], weaker[passes], codes_k[passes]
    if not len(rows):
        return _NONE

    relation_score = np.array([taxonomy.RELATION_SCORE[r] for r in RELATION_CODE])[codes_k]
    same = same_unit[rows]
    quantity = np.where(same, np.minimum(1.0, listing.quantity_available
                                         / np.maximum(req.quantity[rows], 1e-9)), 0.5)
    dist, radius = distance[rows], radius_m[rows]
    closeness = np.where(radius > 0, 1.0 - dist / np.where(radius > 0, radius, 1), 1.0)
    if listing.price_ore == 0:
        price = np.ones(len(rows))
    else:
        max_price = req.max_price[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            price = np.where(np.isnan(max_price), 0.7,
                             1.0 - 0.5 * listing.price_ore / max_price)
    floor = req.min_rank[rows].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        condition = np.where(floor > 0, np.where(
            floor >= 5, 1.0, 0.5 + 0.5 * (listing.condition_rank - floor) / (5 - floor)),
            listing.condition_rank / 5)
    starts = listing.available_from
    if starts is not None and starts > now:
        day = starts.astimezone(OSLO).date()
        needed = req.needed_by
        late = [(d := _date(needed[i])) is not None and day > d for i in rows.tolist()]
        availability = np.where(np.array(late, dtype=bool), 0.2, 0.8)
    else:
        availability = np.ones(len(rows))

    w = WEIGHTS
    # The same sum, in the same order, as scoring.score (IEEE doubles either way).
    total = (0 + w["category"] * relation_score + w["text"] * text
             + w["quantity"] * quantity + w["distance"] * closeness
             + w["price"] * price + w["condition"] * condition
             + w["availability"] * availability)
    total = np.where(weaker, total * PART_FACTOR, total)
    scores = np.clip(np.rint(100 * total), 0, 100).astype(np.int64).tolist()
    ids = req.ids
    return ScoredColumns([ids[i] for i in rows.tolist()], scores, dist.tolist())
