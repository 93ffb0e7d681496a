"""Scoring one listing against one wanted request: hard limits, then a score 0..100.

Hard limits (the pair is excluded, with a code): the listing belongs to the requester's
own organisation (``own_org``), is not on offer (``inactive``), its category has nothing
to do with the request's (``category``; a related sibling category also needs some shared
words), it lies outside the radius (``radius``), costs more than the maximum (``price``),
is in worse condition than the minimum (``condition``) or has less than the least the
requester would take (``quantity``, only when both use the same unit).

The score is ``round(100 * sum(weight * part))``, each part 0..1:

=============  ======  ===========================================================
part           weight  1.0 when ...
=============  ======  ===========================================================
category       0.20    same category (parent asked for: 0.75, related sibling: 0.5)
text           0.35    every word of the request's title is in the listing's own text
                       (or a synonym; the end of a compound counts 0.7, the context
                       0.5; words found only in the category's names at most 0.3;
                       of alternatives, "servanter og toaletter", the best)
quantity       0.12    the listing covers the whole wanted quantity (else the share;
                       a different unit: 0.5)
distance       0.13    at the request's point (0 at the edge of the radius)
price          0.08    free (at the maximum: 0.5; no maximum and a price: 0.7)
condition      0.08    new, or the best above the minimum (at the minimum: 0.5)
availability   0.04    available now (later but by the needed-by date: 0.8; after
                       it: 0.2)
=============  ======  ===========================================================

The words are what a request says beyond its category, so they weigh most: inside one
category, "Ytterdør" is better served by the one "Ytterdør i eik" than by nearer, free
inner doors (before issue #17 the text weighed 0.20 and distance, quantity and price
together 0.40, so the nearest free listing of the category won whatever it was).

Parts and accessories for a request for the thing ("Hjul til kontorstoler" for
"Kontorstoler", see :mod:`app.matching.text`) are excluded (``part``): nobody asking for
chairs wants wheels offered, and with few real chairs around they would fill the top of
the list however low they scored. A listing that is only a weaker fit gets
``PART_FACTOR`` times the score and a reason saying why: a whole item (or another part)
for a request for parts (``whole``: it does not mention the parts asked for), or an item
"for parts" for a request for the thing (its condition reason or its title says so).

Reasons are ``{"code", "params"}`` dicts (see :mod:`app.matching.reasons` for the
texts), in the order above.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.matching import taxonomy
from app.matching.text import (
    CATEGORY_NAME_WEIGHT,
    TextMatch,
    TextProfile,
    asks_for_parts,
    text_score,
)
from search.text import haversine_m

WEIGHTS = {"category": 0.20, "text": 0.35, "quantity": 0.12, "distance": 0.13,
           "price": 0.08, "condition": 0.08, "availability": 0.04}
PART_FACTOR = 0.5
FOR_PARTS_RANK = 1
CONDITIONS = {5: "new", 4: "like_new", 3: "good", 2: "fair", 1: "for_parts"}
OSLO = ZoneInfo("Europe/Oslo")


@dataclass(slots=True)
class RequestFacts:
    id: int
    org_id: int
    categories: tuple[str, ...]
    terms: str
    quantity: float
    min_quantity: float
    unit: str
    max_price_ore: int | None
    min_condition_rank: int
    lat: float
    lng: float
    radius_km: float
    needed_by: date | None


@dataclass(slots=True)
class ListingFacts:
    id: int
    org_id: int
    category: str
    profile: TextProfile
    quantity_available: float
    unit: str
    price_ore: int
    condition_rank: int
    lat: float
    lng: float
    available_from: datetime | None
    available_until: datetime | None
    active: bool


@dataclass(slots=True)
class Scored:
    score: int
    reasons: list[dict]
    distance_m: float


@dataclass(slots=True)
class Excluded:
    code: str


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 3)


def text_part(match: TextMatch) -> float:
    """The text part of the score: the listing's own words, or the category's names as a
    smaller signal."""
    return max(match.score, CATEGORY_NAME_WEIGHT * match.category)


def weaker_fit(terms: str, match: TextMatch, listing: ListingFacts) -> bool:
    """A whole item for a request for parts, or one "for parts" (its condition, or its
    title: "El-sykkel til deler") for a request for the thing."""
    if asks_for_parts(terms):
        return match.part
    return listing.condition_rank == FOR_PARTS_RANK or listing.profile.for_parts


def text_reasons(terms: str, match: TextMatch) -> list[dict]:
    """The reasons from the text: the listing's words that matched, and for a request for
    parts a warning when the listing does not mention them (a listing "for parts" says so
    in its condition reason)."""
    out = []
    if asks_for_parts(terms) and match.part:
        out.append({"code": "whole", "params": {}})
    if match.words:
        out.append({"code": "words", "params": {"words": match.words[:4]}})
    if match.synonyms:
        out.append({"code": "synonyms", "params": {
            "pairs": [list(pair) for pair in match.synonyms[:3]]}})
    return out


def best_relation(request: RequestFacts, listing_category: str) -> tuple[str, str] | None:
    """(relation, the request's category) for the closest of the request's categories."""
    best = None
    for slug in request.categories:
        rel = taxonomy.relation(slug, listing_category)
        if rel is not None and (best is None or taxonomy.RELATION_SCORE[rel]
                                > taxonomy.RELATION_SCORE[best[0]]):
            best = (rel, slug)
    return best


def score(request: RequestFacts, listing: ListingFacts, now: datetime) -> Scored | Excluded:
    """Score ``listing`` for ``request`` at ``now`` (aware UTC)."""
    if listing.org_id == request.org_id:
        return Excluded("own_org")
    if not listing.active or (listing.available_until is not None
                              and listing.available_until <= now):
        return Excluded("inactive")
    relation = best_relation(request, listing.category)
    if relation is None:
        return Excluded("category")
    distance = haversine_m(request.lat, request.lng, listing.lat, listing.lng)
    radius_m = request.radius_km * 1000
    if distance > radius_m:
        return Excluded("radius")
    if request.max_price_ore is not None and listing.price_ore > request.max_price_ore:
        return Excluded("price")
    if listing.condition_rank < request.min_condition_rank:
        return Excluded("condition")
    same_unit = listing.unit == request.unit
    if same_unit and listing.quantity_available < request.min_quantity:
        return Excluded("quantity")
    match = text_score(request.terms, listing.profile)
    if relation[0] == taxonomy.SIBLING and not match.evidence:
        return Excluded("category")
    if match.part and not asks_for_parts(request.terms):
        return Excluded("part")

    parts = {"category": taxonomy.RELATION_SCORE[relation[0]], "text": text_part(match)}
    if same_unit:
        parts["quantity"] = min(1.0, listing.quantity_available / request.quantity)
    else:
        parts["quantity"] = 0.5
    parts["distance"] = 1.0 - distance / radius_m if radius_m else 1.0
    if listing.price_ore == 0:
        parts["price"] = 1.0
    else:
        parts["price"] = (0.7 if request.max_price_ore is None
                          else 1.0 - 0.5 * listing.price_ore / request.max_price_ore)
    floor = request.min_condition_rank
    if floor:
        parts["condition"] = 1.0 if floor >= 5 else \
            0.5 + 0.5 * (listing.condition_rank - floor) / (5 - floor)
    else:
        parts["condition"] = listing.condition_rank / 5
    starts = listing.available_from
    if starts is None or starts <= now:
        parts["availability"] = 1.0
    else:
        day = starts.astimezone(OSLO).date()
        late = request.needed_by is not None and day > request.needed_by
        parts["availability"] = 0.2 if late else 0.8
    reasons = _reasons(request, listing, now, relation, match, distance)

    total = sum(WEIGHTS[name] * value for name, value in parts.items())
    if weaker_fit(request.terms, match, listing):
        total *= PART_FACTOR
    return Scored(max(0, min(100, round(100 * total))), reasons, distance)


def _reasons(request: RequestFacts, listing: ListingFacts, now: datetime,
             relation: tuple[str, str] | None, match: TextMatch, distance: float) -> list[dict]:
    """The reasons for a pair, in the order of the parts of the score."""
    reasons = []
    if relation is not None:
        reasons.append({"code": "category", "params": {"relation": relation[0],
                                                       "category": listing.category,
                                                       "wanted": relation[1]}})
    reasons.extend(text_reasons(request.terms, match))
    reasons.append({"code": "distance", "params": {"km": round(distance / 1000, 1)}})
    if listing.unit == request.unit:
        reasons.append({"code": "quantity", "params": {
            "available": _number(listing.quantity_available),
            "wanted": _number(request.quantity), "unit": listing.unit}})
    else:
        reasons.append({"code": "quantity_unit", "params": {
            "available": _number(listing.quantity_available), "unit": listing.unit}})
    if listing.price_ore == 0:
        reasons.append({"code": "free", "params": {}})
    else:
        reasons.append({"code": "price", "params": {"ore": listing.price_ore,
                                                    "unit": listing.unit}})
    reasons.append({"code": "condition",
                    "params": {"condition": CONDITIONS[listing.condition_rank]}})
    starts = listing.available_from
    if starts is not None and starts > now:
        day = starts.astimezone(OSLO).date()
        late = request.needed_by is not None and day > request.needed_by
        reasons.append({"code": "available_from",
                        "params": {"date": day.isoformat(), "late": late}})
    return reasons


def explain(request: RequestFacts, listing: ListingFacts, now: datetime) -> list[dict]:
    """The reasons :func:`score` gives the pair at ``now``, built on their own: matches
    store no reasons when they are found (``Match.reasons`` builds them when a match is
    shown or told, from the listing and request as they are then). For a pair that no
    longer passes the hard limits (a withdrawn match) the reasons that still apply: no
    category reason when the categories no longer relate."""
    relation = best_relation(request, listing.category)
    distance = haversine_m(request.lat, request.lng, listing.lat, listing.lng)
    match = text_score(request.terms, listing.profile)
    return _reasons(request, listing, now, relation, match, distance)
