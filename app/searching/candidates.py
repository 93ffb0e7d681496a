"""Search for matching: candidate listings for a wanted request, and the reverse check.

A wanted request is described by :class:`Wanted` (categories, position and radius,
highest price, lowest condition, optional words). Both directions use the same rules:

* :func:`candidate_listings` asks the engine (one query per category, merged), so it
  sees exactly what a person searching would see;
* :func:`listing_fits` checks one listing document against a request in Python, for
  the other direction (a new or changed listing -> which requests want it). Narrow the
  requests first in SQL with :func:`prefilter_values` (category path, price, condition
  rank, position), then check each with ``listing_fits``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.searching.documents import CONDITION_RANK, listing_document, load_listing
from app.searching.results import distance_between, run
from search import Hit, SearchQuery


@dataclass
class Wanted:
    """What a wanted request asks for, as search criteria."""

    #: Category slugs; a listing in any of them or their descendants fits. Empty: any.
    categories: Sequence[str] = field(default_factory=tuple)
    #: Words the listing must contain (typo tolerant in the engine); "" for none.
    q: str = ""
    lat: float | None = None
    lng: float | None = None
    #: Only listings within this distance of (lat, lng); None: no distance limit.
    radius_km: float | None = None
    max_price_ore: int | None = None
    #: Lowest acceptable condition (``good`` accepts good, like_new and new).
    min_condition: str | None = None
    free_only: bool = False
    #: The requesting organisation: its own listings are never candidates.
    exclude_org_id: int | None = None

    @property
    def position(self) -> tuple[float, float] | None:
        if self.lat is None or self.lng is None:
            return None
        return (float(self.lat), float(self.lng))


def conditions_at_least(min_condition: str | None) -> list[str] | None:
    """The condition values at or above ``min_condition`` (None: no condition filter)."""
    if not min_condition:
        return None
    floor = CONDITION_RANK[min_condition]
    return [value for value, rank in CONDITION_RANK.items() if rank >= floor]


def wanted_queries(wanted: Wanted, per_page: int = 100,
                   now: int | None = None) -> list[SearchQuery]:
    """The engine queries for a request: one per category (the engine takes one)."""
    position = wanted.position
    geo = None
    if position is not None and wanted.radius_km is not None:
        geo = (position[0], position[1], float(wanted.radius_km) * 1000)
    active_at = int(time.time()) if now is None else now
    return [
        SearchQuery(q=wanted.q, category=category, conditions=conditions_at_least(
            wanted.min_condition), max_price_ore=wanted.max_price_ore,
            free_only=wanted.free_only, geo=geo, point=position,
            sort="distance" if position is not None else "newest", per_page=per_page,
            active_at=active_at)
        for category in (list(wanted.categories) or [None])
    ]


def candidate_listings(wanted: Wanted, limit: int = 50, now: int | None = None) -> list[Hit]:
    """Listings in the index that fit ``wanted``: nearest first with a position, else
    newest first. ``Hit.doc`` is the index document, ``Hit.distance_m`` the distance.
    Raises ``SearchUnavailable`` when the engine is down (retry the matching job)."""
    # Over-fetch a little: the requesting organisation's own listings are dropped after.
    per_page = min(1000, limit + 20)
    found: dict[int, Hit] = {}
    for query in wanted_queries(wanted, per_page, now):
        for hit in run(query).hits:
            if wanted.exclude_org_id is not None and hit.doc.get("org_id") == \
                    wanted.exclude_org_id:
                continue
            found.setdefault(hit.id, hit)

    def order(hit: Hit) -> tuple[float, int, int]:
        distance = hit.distance_m if hit.distance_m is not None else float("inf")
        if wanted.position is None:
            distance = 0.0
        return (distance, -int(hit.doc.get("published_at") or 0), hit.id)

    return sorted(found.values(), key=order)[:limit]


def listing_fits(doc: dict[str, Any], wanted: Wanted, now: int | None = None) -> bool:
    """Whether one listing document fits ``wanted`` (every structured criterion; the
    free-text words ``q`` are not checked here, they need the engine)."""
    active_at = int(time.time()) if now is None else now
    until = doc.get("available_until")
    if until is not None and int(until) < active_at:
        return False
    if wanted.exclude_org_id is not None and doc.get("org_id") == wanted.exclude_org_id:
        return False
    path = doc.get("category_path") or [doc.get("category")]
    if wanted.categories and not set(wanted.categories) & set(path):
        return False
    price = int(doc.get("price_ore") or 0)
    if wanted.max_price_ore is not None and price > wanted.max_price_ore:
        return False
    if wanted.free_only and price != 0:
        return False
    allowed = conditions_at_least(wanted.min_condition)
    if allowed is not None and doc.get("condition") not in allowed:
        return False
    position = wanted.position
    if position is not None and wanted.radius_km is not None:
        distance = distance_between(doc, *position)
        if distance is None or distance > float(wanted.radius_km) * 1000:
            return False
    return True


def prefilter_values(listing_id: int) -> dict[str, Any] | None:
    """The listing's document (or None when it is gone), for narrowing requests in SQL:
    ``category_path`` (a request's category must be one of them), ``price_ore``
    (<= a request's max price), ``condition_rank`` (>= a request's minimum),
    ``lat``/``lng`` (distance)."""
    listing = load_listing(listing_id)
    return listing_document(listing) if listing is not None else None
