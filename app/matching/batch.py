"""Scoring one listing against many requests at once, with numpy.

The listing -> requests direction can meet thousands of candidates for one listing; the
numeric hard limits and parts of the score are computed over columns here, and only the
words and the reasons are per row. The result is the same as :func:`scoring.score` for
each pair (a test compares them on random pairs), up to float rounding in the distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from app.matching import taxonomy
from app.matching.scoring import (
    CONDITIONS,
    OSLO,
    PART_FACTOR,
    WEIGHTS,
    ListingFacts,
    RequestFacts,
    Scored,
    _number,
    text_part,
    text_reasons,
    weaker_fit,
)
from app.matching.text import asks_for_parts, text_score
from search.text import EARTH_RADIUS_M

_RELATION_CODE = {taxonomy.SAME: 0, taxonomy.PARENT: 1, taxonomy.SIBLING: 2}


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
    needed_by: list[date | None]

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


def _relations(categories: list[tuple[str, ...]], listing_category: str):
    """Per row: (relation code or -1, the request category that relates)."""
    memo: dict[tuple[str, ...], tuple[int, str | None]] = {}
    codes, wanted = np.empty(len(categories), dtype=np.int64), []
    for i, cats in enumerate(categories):
        found = memo.get(cats)
        if found is None:
            best = None
            for slug in cats:
                rel = taxonomy.relation(slug, listing_category)
                if rel is not None and (best is None or taxonomy.RELATION_SCORE[rel]
                                        > taxonomy.RELATION_SCORE[best[0]]):
                    best = (rel, slug)
            found = memo[cats] = (-1, None) if best is None else (_RELATION_CODE[best[0]],
                                                                  best[1])
        codes[i] = found[0]
        wanted.append(found[1])
    return codes, wanted


def score_requests(listing: ListingFacts, req: RequestColumns,
                   now: datetime) -> list[tuple[int, Scored]]:
    """(request id, Scored) for every request that passes the hard limits."""
    if not len(req) or not listing.active or (
            listing.available_until is not None and listing.available_until <= now):
        return []
    codes, wanted = _relations(req.categories, listing.category)
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
        return []

    relation_score = np.array([taxonomy.RELATION_SCORE[r] for r in _RELATION_CODE])[codes]
    quantity = np.where(same_unit, np.minimum(1.0, listing.quantity_available
                                              / np.maximum(req.quantity, 1e-9)), 0.5)
    closeness = np.where(radius_m > 0, 1.0 - distance / np.where(radius_m > 0, radius_m, 1),
                         1.0)
    if listing.price_ore == 0:
        price = np.ones(len(req))
        price_reason = {"code": "free", "params": {}}
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            price = np.where(np.isnan(req.max_price), 0.7,
                             1.0 - 0.5 * listing.price_ore / req.max_price)
        price_reason = {"code": "price", "params": {"ore": listing.price_ore,
                                                    "unit": listing.unit}}
    floor = req.min_rank.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        condition = np.where(floor > 0, np.where(
            floor >= 5, 1.0, 0.5 + 0.5 * (listing.condition_rank - floor) / (5 - floor)),
            listing.condition_rank / 5)
    condition_reason = {"code": "condition",
                        "params": {"condition": CONDITIONS[listing.condition_rank]}}
    starts = listing.available_from
    day = starts.astimezone(OSLO).date() if starts is not None and starts > now else None
    available = _number(listing.quantity_available)

    w = WEIGHTS
    relation_l, quantity_l, closeness_l = (relation_score.tolist(), quantity.tolist(),
                                           closeness.tolist())
    price_l, condition_l, distance_l = price.tolist(), condition.tolist(), distance.tolist()
    wanted_quantity, same_unit_l, codes_l = req.quantity.tolist(), same_unit.tolist(), \
        codes.tolist()
    relations = (taxonomy.SAME, taxonomy.PARENT, taxonomy.SIBLING)
    # Reasons that repeat across rows are built once and shared (they are never mutated).
    category_reasons: dict[tuple[int, str | None], dict] = {}
    word_reasons: dict[str, list[dict]] = {}
    quantity_reasons: dict[float, dict] = {}
    late_reasons: dict[bool, dict] = {}
    unit_reason = {"code": "quantity_unit",
                   "params": {"available": available, "unit": listing.unit}}
    out: list[tuple[int, Scored]] = []
    texts: dict[str, tuple[float, bool, bool, bool]] = {}
    terms_l, needed_l, ids = req.terms, req.needed_by, req.ids
    for i in rows.tolist():
        terms = terms_l[i]
        scored = texts.get(terms)
        if scored is None:
            match = text_score(terms, listing.profile)
            excluded = match.part and not asks_for_parts(terms)
            scored = texts[terms] = (text_part(match), match.evidence, excluded,
                                     weaker_fit(terms, match, listing))
            word_reasons[terms] = text_reasons(terms, match)
        text, found, excluded, weaker = scored
        if excluded:
            continue
        code = codes_l[i]
        if code == 2 and not found:
            continue
        if day is None:
            availability, late = 1.0, False
        else:
            late = needed_l[i] is not None and day > needed_l[i]
            availability = 0.2 if late else 0.8
        # The same sum, in the same order, as scoring.score.
        total = (0 + w["category"] * relation_l[i] + w["text"] * text
                 + w["quantity"] * quantity_l[i] + w["distance"] * closeness_l[i]
                 + w["price"] * price_l[i] + w["condition"] * condition_l[i]
                 + w["availability"] * availability)
        if weaker:
            total *= PART_FACTOR
        key = (code, wanted[i])
        category = category_reasons.get(key)
        if category is None:
            category = category_reasons[key] = {"code": "category", "params": {
                "relation": relations[code], "category": listing.category,
                "wanted": wanted[i]}}
        reasons = [category]
        reasons.extend(word_reasons[terms])
        reasons.append({"code": "distance", "params": {"km": round(distance_l[i] / 1000, 1)}})
        if same_unit_l[i]:
            amount = wanted_quantity[i]
            quantity_reason = quantity_reasons.get(amount)
            if quantity_reason is None:
                quantity_reason = quantity_reasons[amount] = {"code": "quantity", "params": {
                    "available": available, "wanted": _number(amount),
                    "unit": listing.unit}}
            reasons.append(quantity_reason)
        else:
            reasons.append(unit_reason)
        reasons.append(price_reason)
        reasons.append(condition_reason)
        if day is not None:
            late_reason = late_reasons.get(late)
            if late_reason is None:
                late_reason = late_reasons[late] = {
                    "code": "available_from", "params": {"date": day.isoformat(),
                                                         "late": late}}
            reasons.append(late_reason)
        out.append((ids[i], Scored(max(0, min(100, round(100 * total))), reasons,
                                   distance_l[i])))
    return out
