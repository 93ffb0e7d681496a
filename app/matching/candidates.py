"""Candidates: never score every row, ask indexes for the few that could match.

* **listing -> requests**: one indexed SQL query. ``wanted_request_categories`` is
  indexed by category, so only requests in the listing's category, its ancestors and its
  related siblings are read; the rest of the hard limits (open, needed-by, the request's
  bounding box around its radius, price, condition, least quantity, own organisation)
  are in the same WHERE clause.
* **request -> listings**: the app's search backend (category filter with descendants,
  geo radius, price, allowed conditions, ``active_at``), nearest first, at most
  ``MATCHING_SEARCH_LIMIT`` per category; then the listings' current rows are read by id,
  so scoring never trusts a stale index. Without a search backend (or when it is
  unavailable) an indexed SQL query on listings does the same. ``bench/bench_matching.py``
  measures both. The request's text is *not* sent as ``q``: the engine wants every word
  to match, which would drop synonym and compound matches the scorer values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import cache

import numpy as np
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from app.db import db
from app.listings.models import Category, Listing, Status
from app.matching import taxonomy
from app.matching.batch import RELATION_CODE, RequestColumns
from app.matching.scoring import ListingFacts, RequestFacts
from app.matching.text import listing_profile
from app.moderation import visibility
from app.wanted.models import CONDITION_RANK, WantedRequest, WantedRequestCategory
from app.wanted.rules import bounding_box, today_in_oslo

log = logging.getLogger(__name__)
RANKS = {str(k): v for k, v in CONDITION_RANK.items()}
CHUNK = 500


# --- facts ---------------------------------------------------------------------------


def request_facts(request: WantedRequest) -> RequestFacts:
    return RequestFacts(
        id=request.id, org_id=request.organization_id,
        categories=tuple(request.category_slugs), terms=request.match_terms or "",
        quantity=float(request.quantity), min_quantity=float(request.min_quantity),
        unit=request.unit, max_price_ore=request.max_price_ore,
        min_condition_rank=request.min_condition_rank, lat=request.lat, lng=request.lng,
        radius_km=float(request.radius_km), needed_by=request.needed_by)


_LISTING_COLUMNS = (Listing.id, Listing.organization_id, Category.slug, Listing.title,
                    Listing.description, Listing.material, Listing.quantity_available,
                    Listing.unit, Listing.price_ore, Listing.condition, Listing.lat,
                    Listing.lng, Listing.available_from, Listing.available_until,
                    Listing.status,
                    # neither hidden by a site admin nor of a suspended organisation
                    sa.and_(*visibility.listing_filter()).label("shown"))


def _listing_from_row(row) -> ListingFacts:
    (id_, org, slug, title, description, material, available, unit, price, condition,
     lat, lng, starts, until, status, shown) = row
    return ListingFacts(
        id=id_, org_id=org, category=slug,
        profile=listing_profile(title, description or "", material or "", slug),
        quantity_available=float(available), unit=unit, price_ore=price,
        condition_rank=RANKS[condition], lat=lat, lng=lng, available_from=starts,
        available_until=until,
        active=status == Status.PUBLISHED and available > 0 and bool(shown))


@cache
def _listings_statement() -> sa.Select:
    """Listings by id (``ids``, expanding), built once: the expression cost more to build
    than the query to run for the one listing a new listing's matching reads."""
    return (sa.select(*_LISTING_COLUMNS).join(Category, Category.id == Listing.category_id)
            .where(Listing.id.in_(sa.bindparam("ids", expanding=True))))


def listing_facts_by_id(ids: Iterable[int]) -> dict[int, ListingFacts]:
    ids = list(ids)
    out: dict[int, ListingFacts] = {}
    connection = db.session.connection()
    for start in range(0, len(ids), CHUNK):
        rows = connection.execute(_listings_statement(), {"ids": ids[start:start + CHUNK]})
        for row in rows:
            out[row[0]] = _listing_from_row(row)
    return out


def listing_facts(listing: Listing) -> ListingFacts:
    return listing_facts_by_id([listing.id])[listing.id]


_REQUEST_COLUMNS = (WantedRequest.id, WantedRequest.organization_id, WantedRequest.match_terms,
                    WantedRequest.quantity, WantedRequest.min_quantity, WantedRequest.unit,
                    WantedRequest.max_price_ore, WantedRequest.min_condition_rank,
                    WantedRequest.lat, WantedRequest.lng, WantedRequest.radius_km,
                    WantedRequest.needed_by)


def _requests_from_rows(rows) -> list[RequestFacts]:
    by_id: dict[int, RequestFacts] = {}
    for row in rows:
        slug = row[-1]
        facts = by_id.get(row[0])
        if facts is not None:
            facts.categories = (*facts.categories, slug)
            continue
        (id_, org, terms, quantity, least, unit, price, rank, lat, lng, radius,
         needed_by) = row[:-1]
        by_id[id_] = RequestFacts(
            id=id_, org_id=org, categories=(slug,), terms=terms or "",
            quantity=float(quantity), min_quantity=float(least), unit=unit,
            max_price_ore=price, min_condition_rank=rank, lat=lat, lng=lng,
            radius_km=float(radius), needed_by=needed_by)
    return list(by_id.values())


def request_facts_by_id(ids: Iterable[int]) -> dict[int, RequestFacts]:
    ids = list(ids)
    out: dict[int, RequestFacts] = {}
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            sa.select(*_REQUEST_COLUMNS, Category.slug)
            .join(WantedRequestCategory, WantedRequestCategory.request_id == WantedRequest.id)
            .join(Category, Category.id == WantedRequestCategory.category_id)
            .where(WantedRequest.id.in_(ids[start:start + CHUNK])))
        out.update((f.id, f) for f in _requests_from_rows(rows))
    return out


# --- listing -> requests -------------------------------------------------------------


class unindexed(ColumnElement):  # noqa: N801 - reads like a SQL function
    """A column SQLite must not pick an index for (``+column``; as is elsewhere).

    SQLite keeps no statistics and takes the index with the most matching columns: for
    "status = 'published'" it would walk every published listing through a status index
    instead of starting from the categories, and for the requests it would leave the
    primary key range for a secondary index plus a look-up per row."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column) -> None:
        self.column = column
        self.type = column.type


@compiles(unindexed)
def _unindexed(element, compiler, **kw) -> str:
    return compiler.process(element.column, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw) -> str:
    return "+" + compiler.process(element.column, **kw)



@cache
def _requests_statement() -> sa.Select:
    """The candidate query of :func:`requests_for_listing`, built once with bound
    parameters (building the expression for every listing cost more than running it).

    The categories are joined by slug in the same statement (one round trip, not two):
    both databases start from the few category rows and read each category's requests
    through the primary key (SQLite) or the box index (PostgreSQL: nested loop, bitmap
    scan per category, checked with EXPLAIN on 40 random listings of the bench data)."""
    w, b = WantedRequestCategory, sa.bindparam
    return sa.select(
        w.request_id, w.organization_id, w.match_terms, w.unit, w.quantity, w.min_quantity,
        w.max_price_ore, w.min_condition_rank, w.lat, w.lng, w.radius_km, w.needed_by,
        Category.slug,
    ).join(Category, Category.id == w.category_id).where(
            Category.slug.in_(b("slugs", expanding=True)),
            # SQLite: stay on the primary key (one contiguous range, no look-ups).
            unindexed(w.is_open) == sa.true(),
            w.min_lat <= b("lat"), w.max_lat >= b("lat"),
            w.min_lng <= b("lng"), w.max_lng >= b("lng"),
            sa.or_(w.max_price_ore.is_(None), w.max_price_ore >= b("price_ore")),
            w.min_condition_rank <= b("condition_rank"),
            sa.or_(w.unit != b("unit"), w.min_quantity <= b("quantity_available")),
            w.organization_id != b("org_id"),
            # hidden requests are not open (``is_open``); suspended organisations' are out
            w.organization_id.not_in(visibility.suspended_organizations()),
            sa.or_(w.needed_by.is_(None), w.needed_by >= b("today")))


def requests_for_listing(listing: ListingFacts, now: datetime) -> RequestColumns:
    """Open requests that could take ``listing`` (hard limits applied in SQL), as columns.

    Reads only ``wanted_request_categories`` (the matching copy, clustered by category),
    on the connection without ORM row processing; one row per (request, category), folded
    into one entry per request (the closest category's relation, as ``score_requests``
    would find it, is computed here once per category)."""
    rows = db.session.connection().execute(_requests_statement(), {
        "slugs": list(taxonomy.request_categories_for_listing(listing.category)),
        "lat": listing.lat, "lng": listing.lng,
        "price_ore": listing.price_ore, "condition_rank": listing.condition_rank,
        "unit": listing.unit, "quantity_available": listing.quantity_available,
        "org_id": listing.org_id, "today": today_in_oslo(now)}).all()
    if not rows:
        return RequestColumns.from_facts([])
    code_of = {}
    for slug in taxonomy.request_categories_for_listing(listing.category):
        rel = taxonomy.relation(slug, listing.category)
        code_of[slug] = -1 if rel is None else RELATION_CODE[rel]
    cols = list(zip(*rows, strict=True))
    ids = np.array(cols[0], dtype=np.int64)
    codes = np.array([code_of[c] for c in cols[12]], dtype=np.int64)
    categories = [(c,) for c in cols[12]]
    unique, first, counts = np.unique(ids, return_index=True, return_counts=True)
    if len(unique) == len(ids):
        keep = None
    else:  # a request in two of the categories: one entry, its categories together
        keep = np.sort(first)
        for request_id in unique[counts > 1].tolist():
            at = np.flatnonzero(ids == request_id)
            head = int(at[0])
            categories[head] = tuple(categories[i][0] for i in at.tolist())
            # the closest relation (SAME < PARENT < SIBLING in code order; -1 unrelated)
            related = codes[at][codes[at] >= 0]
            codes[head] = related.min() if len(related) else -1

    def column(values, dtype=None):
        array = np.array(values, dtype=dtype)
        return array if keep is None else array[keep]

    def listed(values):
        return list(values) if keep is None else [values[i] for i in keep.tolist()]

    return RequestColumns(
        ids=listed(cols[0]), orgs=column(cols[1]), categories=listed(categories),
        terms=[t or "" for t in listed(cols[2])], units=listed(cols[3]),
        quantity=column(cols[4], np.float64), min_quantity=column(cols[5], np.float64),
        max_price=column([np.nan if v is None else v for v in cols[6]], np.float64),
        min_rank=column(cols[7], np.int64), lat=column(cols[8], np.float64),
        lng=column(cols[9], np.float64), radius_km=column(cols[10], np.float64),
        needed_by=listed(cols[11]), relation_codes=column(codes),
        relation_to=listing.category)


# --- request -> listings -------------------------------------------------------------


def _allowed_conditions(request: RequestFacts) -> list[str]:
    return [c for c, rank in RANKS.items() if rank >= request.min_condition_rank]


def listings_for_request(request: RequestFacts, now: datetime,
                         strategy: str | None = None) -> list[ListingFacts]:
    """Published listings that could serve ``request``: search backend, else SQL."""
    strategy = strategy or current_app.config.get("MATCHING_CANDIDATES", "search")
    if strategy == "search":
        from search import SearchError

        try:
            backend = search_backend()
            ids = listing_ids_from_search(backend, request, now) if backend else None
        except SearchError as exc:  # unavailable or refused: SQL gives the same answer
            log.warning("matching falls back to SQL candidates: %s", exc)
        else:
            if ids is not None:
                return list(listing_facts_by_id(ids).values())
    return listings_from_sql(request, now)


def search_backend():
    """The app's search backend (``app.searching``), or None in a setup without it."""
    try:
        from app.searching.backend import search_backend as backend
    except ImportError:
        return None
    return backend()


def listing_ids_from_search(backend, request: RequestFacts, now: datetime) -> list[int]:
    from search import SearchQuery

    limit = int(current_app.config.get("MATCHING_SEARCH_LIMIT", 1000))
    ids: dict[int, None] = {}
    for slug in taxonomy.without_descendants(tuple(
            s for c in request.categories for s in taxonomy.listing_categories_for_request(c))):
        query = SearchQuery(
            category=slug, conditions=_allowed_conditions(request) or None,
            max_price_ore=request.max_price_ore,
            free_only=request.max_price_ore == 0,
            geo=(request.lat, request.lng, request.radius_km * 1000), sort="distance",
            per_page=limit, active_at=int(now.timestamp()))
        for hit in backend.search(query).hits:
            doc = hit.doc
            if doc.get("org_id") == request.org_id:
                continue
            if doc.get("unit") == request.unit and \
                    float(doc.get("quantity_available") or 0) < request.min_quantity:
                continue
            ids[hit.id] = None
    return list(ids)


def listings_from_sql(request: RequestFacts, now: datetime) -> list[ListingFacts]:
    """The same candidates by indexed SQL (category index, then the other limits)."""
    box = bounding_box(request.lat, request.lng, request.radius_km)
    slugs = {d for c in request.categories for s in taxonomy.listing_categories_for_request(c)
             for d in taxonomy.descendants(s)}
    where = [Category.slug.in_(sorted(slugs)), unindexed(Listing.status) == Status.PUBLISHED,
             Listing.quantity_available > 0,
             Listing.lat.between(box["min_lat"], box["max_lat"]),
             Listing.lng.between(box["min_lng"], box["max_lng"]),
             Listing.condition.in_(_allowed_conditions(request)),
             Listing.organization_id != request.org_id,
             *visibility.listing_filter(),
             sa.or_(Listing.available_until.is_(None), Listing.available_until > now),
             sa.or_(Listing.unit != request.unit,
                    Listing.quantity_available >= request.min_quantity)]
    if request.max_price_ore is not None:
        where.append(Listing.price_ore <= request.max_price_ore)
    rows = db.session.connection().execute(
        sa.select(*_LISTING_COLUMNS).join(Category, Category.id == Listing.category_id)
        .where(*where))
    return [_listing_from_row(row) for row in rows]

