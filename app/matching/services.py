"""The match lifecycle: find, score, store without duplicates, re-score, withdraw.

``match_listing`` and ``match_request`` are idempotent: running one twice changes nothing
the second time. A pair that passes the hard limits gets a ``suggested`` match (unique per
listing and request; inserted with ON CONFLICT DO NOTHING, so two workers cannot make
two). A stored match that no longer passes, or whose listing or request is gone, becomes
``withdrawn`` (kept, not offered); if it passes again later it is ``suggested`` again.
``dismissed`` stays dismissed. Services flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from app.accounts.models import Role, User
from app.db import db, utcnow
from app.errors import Conflict, NotFound
from app.listings.models import Listing
from app.matching import candidates, explain
from app.matching.batch import score_columns
from app.matching.models import VISIBLE_STATES, Match, MatchState
from app.matching.scoring import Scored, score
from app.wanted.models import RequestStatus, WantedRequest


@dataclass
class Outcome:
    """What one run did: match ids created, re-scored and withdrawn."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)

    @property
    def kept(self) -> list[int]:
        return self.created + self.updated


def _insert(rows: list[dict]) -> list[int]:
    """Insert matches, skipping pairs that exist already; ids of the new ones. ``rows``
    are keyed by column name; SQLAlchemy sends up to 1,000 rows per statement as one
    multi-row VALUES ... RETURNING ("insertmanyvalues")."""
    if not rows:
        return []
    dialect = db.session.get_bind().dialect
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    table = Match.__table__
    statement = insert(table).on_conflict_do_nothing(
        index_elements=["listing_id", "request_id"]).returning(table.c.id)
    return list(db.session.execute(statement, rows).scalars().all())


@cache
def _untyped_matches() -> sa.TableClause:
    """``matches`` without column types: rows whose values are already as the driver
    takes them skip SQLAlchemy's per-value bind processing (for 2,000 new matches of one
    listing that processing, mostly the two timestamps, cost more than the insert)."""
    return sa.table("matches", *(sa.column(c.name) for c in Match.__table__.columns))


def _insert_new(pairs: list[tuple[int, int, int, float]], now: datetime) -> list[int]:
    """Insert new suggested matches ((listing_id, request_id, score, distance_m)); same
    rows as :func:`_insert` with the typed table (the timestamps go through the column
    type's bind processor once, not once per row)."""
    if not pairs:
        return []
    dialect = db.session.get_bind().dialect
    stamp_type = Match.__table__.c.created_at.type
    process = stamp_type.bind_processor(dialect)
    stamp = process(now) if process else now
    suggested = MatchState.SUGGESTED.value
    rows = [{"listing_id": lid, "request_id": rid, "score": new_score, "reasons": None,
             "distance_m": distance, "state": suggested, "created_at": stamp,
             "updated_at": stamp} for lid, rid, new_score, distance in pairs]
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    table = _untyped_matches()
    statement = insert(table).on_conflict_do_nothing(
        index_elements=["listing_id", "request_id"]).returning(table.c.id)
    return list(db.session.execute(statement, rows).scalars().all())


def _withdraw(match: Match, now: datetime, outcome: Outcome) -> None:
    if match.state in VISIBLE_STATES:
        match.state = MatchState.WITHDRAWN.value
        match.withdrawn_at = now
        outcome.withdrawn.append(match.id)


def _store(results: dict[tuple[int, int], tuple[int, float]], existing: list[Match], recheck,
           now: datetime) -> Outcome:
    """Write ``results`` ((listing_id, request_id) -> (score, distance in m)) over the
    ``existing`` matches
    of one listing or one request; ``recheck(matches)`` scores stored pairs the candidate
    query did not return (a capped or lagging index must not withdraw them)."""
    outcome = Outcome()
    by_pair = {(m.listing_id, m.request_id): m for m in existing}
    missing = [m for pair, m in by_pair.items()
               if pair not in results and m.state in VISIBLE_STATES]
    results = {**results, **recheck(missing)} if missing else dict(results)
    for pair, match in by_pair.items():
        result = results.get(pair)
        if result is None:
            _withdraw(match, now, outcome)
            continue
        if match.state == MatchState.DISMISSED:
            continue
        # No reasons are stored: they are built when the match is shown (Match.reasons),
        # so a re-score also drops reasons stored by an earlier version.
        new_score, distance = result
        changed = (match.score != new_score or match.distance_m is None
                   or abs(match.distance_m - distance) > 1.0  # float noise: no change
                   or match.stored_reasons is not None
                   or match.state == MatchState.WITHDRAWN)
        if match.state == MatchState.WITHDRAWN:
            match.state, match.withdrawn_at = MatchState.SUGGESTED.value, None
        if changed:
            match.score, match.reasons, match.distance_m = new_score, None, distance
            match.updated_at = now
        outcome.updated.append(match.id)
    outcome.created = _insert_new(
        [(lid, rid, new_score, distance) for (lid, rid), (new_score, distance)
         in results.items() if (lid, rid) not in by_pair], now)
    db.session.flush()
    return outcome


def match_listing(listing_id: int, now: datetime | None = None) -> Outcome:
    """Find and score the open requests ``listing`` could serve; store the matches."""
    now = now or utcnow()
    existing = list(db.session.scalars(sa.select(Match).where(Match.listing_id == listing_id)))
    facts = candidates.listing_facts_by_id([listing_id]).get(listing_id)
    if facts is None or not facts.active:
        outcome = Outcome()
        for match in existing:
            _withdraw(match, now, outcome)
        return outcome
    found = score_columns(facts, candidates.requests_for_listing(facts, now), now)
    results = {(listing_id, request_id): (new_score, distance) for request_id, new_score, distance
               in zip(found.ids, found.scores, found.distances, strict=True)}

    def recheck(matches):
        found = candidates.request_facts_by_id(m.request_id for m in matches)
        out = {}
        for match in matches:
            request = found.get(match.request_id)
            if request is None or not _request_open(match.request_id, request, now):
                continue
            result = score(request, facts, now)
            if isinstance(result, Scored):
                out[(listing_id, request.id)] = (result.score, result.distance_m)
        return out

    return _store(results, existing, recheck, now)


def _request_open(request_id: int, facts, now: datetime) -> bool:
    from app.moderation import visibility
    from app.wanted.rules import today_in_oslo

    # hidden by a site admin or of a suspended organisation: not open for matching
    status = db.session.scalar(sa.select(WantedRequest.status)
                               .where(WantedRequest.id == request_id,
                                      *visibility.request_filter()))
    return status == RequestStatus.OPEN and (
        facts.needed_by is None or facts.needed_by >= today_in_oslo(now))


def match_request(request_id: int, now: datetime | None = None,
                  strategy: str | None = None) -> Outcome:
    """Find and score the listings that could serve ``request``; store the matches."""
    now = now or utcnow()
    existing = list(db.session.scalars(sa.select(Match).where(Match.request_id == request_id)))
    request = db.session.get(WantedRequest, request_id)
    facts = candidates.request_facts(request) if request is not None else None
    if request is None or not _request_open(request_id, facts, now):
        outcome = Outcome()
        for match in existing:
            _withdraw(match, now, outcome)
        return outcome
    results = {}
    for listing in candidates.listings_for_request(facts, now, strategy):
        result = score(facts, listing, now)
        if isinstance(result, Scored):
            results[(listing.id, request_id)] = (result.score, result.distance_m)

    def recheck(matches):
        found = candidates.listing_facts_by_id(m.listing_id for m in matches)
        out = {}
        for listing in found.values():
            result = score(facts, listing, now)
            if isinstance(result, Scored):
                out[(listing.id, request_id)] = (result.score, result.distance_m)
        return out

    return _store(results, existing, recheck, now)


# --- who may see and act -------------------------------------------------------------


def _member(user: User | None, org_id: int) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.has_role(org_id, Role.MEMBER))


def match_for_requester(match_id: int, user: User | None) -> Match:
    """The match if ``user`` belongs to the requesting organisation; 404 otherwise."""
    match = db.session.get(Match, match_id)
    if match is None or not _member(user, match.request.organization_id):
        raise NotFound(_("Treffet finnes ikke."))
    return match


def mark_interested(match: Match, now: datetime | None = None) -> Match:
    """The requester wants it (next: a reservation with this match_id)."""
    if match.state == MatchState.WITHDRAWN:
        raise Conflict(_("Annonsen er ikke lenger tilgjengelig."), state=match.state)
    if match.state != MatchState.INTERESTED:
        match.state = MatchState.INTERESTED.value
        match.interested_at = now or utcnow()
        match.dismissed_at = None
    db.session.flush()
    return match


def dismiss(match: Match, now: datetime | None = None) -> Match:
    """The requester does not want it; it stays dismissed through re-scoring."""
    if match.state == MatchState.WITHDRAWN:
        raise Conflict(_("Treffet er allerede trukket tilbake."), state=match.state)
    if match.state != MatchState.DISMISSED:
        match.state = MatchState.DISMISSED.value
        match.dismissed_at = now or utcnow()
    db.session.flush()
    return match


# --- queries -------------------------------------------------------------------------


def _listed(where, page: int, per_page: int) -> tuple[list[Match], int]:
    from sqlalchemy.orm import joinedload

    total = db.session.scalar(sa.select(sa.func.count(Match.id)).where(*where)) or 0
    items = db.session.scalars(
        sa.select(Match).where(*where)
        .options(joinedload(Match.listing).joinedload(Listing.organization),
                 joinedload(Match.request).joinedload(WantedRequest.organization))
        .order_by(Match.score.desc(), Match.distance_m.asc(), Match.id.asc())
        .limit(per_page).offset((page - 1) * per_page)).unique().all()
    explain.fill(items)  # the page's reasons in two queries, not two per match
    return list(items), total


def matches_for_request(request_id: int, page: int = 1, per_page: int = 20,
                        states: tuple[str, ...] = VISIBLE_STATES) -> tuple[list[Match], int]:
    """A request's matches, best first."""
    return _listed([Match.request_id == request_id, Match.state.in_(states)], page, per_page)


def matches_for_listing(listing_id: int, page: int = 1, per_page: int = 20,
                        states: tuple[str, ...] = VISIBLE_STATES) -> tuple[list[Match], int]:
    """A listing's matches, best first."""
    return _listed([Match.listing_id == listing_id, Match.state.in_(states)], page, per_page)


# --- when the text rules change ------------------------------------------------------


def refresh_terms(connection=None) -> int:
    """Recompute every wanted request's stored title terms (``match_terms``) and the copy on
    its category rows with the current stemmer, compounds and synonyms; returns how many
    changed. For ``matching run`` and for the data step after an upgrade; flushes (through
    ``connection`` when given: an Alembic migration's)."""
    from app.matching.text import request_terms
    from app.wanted.models import WantedRequestCategory

    execute = connection.execute if connection is not None else db.session.execute
    wanted, links = WantedRequest.__table__, WantedRequestCategory.__table__
    fresh = {request_id: request_terms(title or "") for request_id, title
             in execute(sa.select(wanted.c.id, wanted.c.title)).all()}
    changed: set[int] = set()
    for table, key in ((wanted, wanted.c.id), (links, links.c.request_id)):
        for request_id, terms in execute(sa.select(key, table.c.match_terms)).all():
            if request_id in fresh and (terms or "") != fresh[request_id]:
                execute(sa.update(table).where(key == request_id)
                        .values(match_terms=fresh[request_id]))
                changed.add(request_id)
    if connection is None:
        db.session.flush()
    return len(changed)


def upgrade_data(connection) -> None:
    """The data step of the migration that ships the issue #17 matching: stored request
    terms are recomputed (new stemmer, compound parts, directed synonyms, the parts
    mark). ``flask matching run`` does the same (and re-scores) at any time."""
    refresh_terms(connection)


def rescore_all(now: datetime | None = None, batch: int = 200):
    """Re-score every open request (nightly); yields each request's outcome. The caller
    commits between batches (see the CLI)."""
    now = now or utcnow()
    last = 0
    while True:
        ids = list(db.session.scalars(
            sa.select(WantedRequest.id).where(WantedRequest.status == RequestStatus.OPEN,
                                              WantedRequest.id > last)
            .order_by(WantedRequest.id).limit(batch)))
        if not ids:
            return
        for request_id in ids:
            yield request_id, match_request(request_id, now)
        last = ids[-1]
