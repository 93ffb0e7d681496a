"""Candidates come from indexes: the search backend (or SQL) for a request, indexed SQL for
a listing; both directions agree with scoring every row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.db import db, utcnow
from app.matching import candidates, services
from app.matching.batch import score_requests
from app.matching.models import Match
from app.matching.scoring import Scored, score
from app.wanted.models import WantedRequest
from search import SearchUnavailable


@pytest.fixture
def market(make_request, make_listing, requester, lister):
    """Listings around Asker and requests that fit some of them."""
    listings = [
        make_listing(title="Kontorstoler Håg", postcode="1383"),
        make_listing(title="Kontorstoler", postcode="3440", price_nok=50),
        make_listing(title="Arbeidsstoler", postcode="1389", condition="fair"),
        make_listing(title="Spisestoler", category="chair", postcode="1394"),
        make_listing(title="Skrivebord", category="desk", postcode="1394"),
        make_listing(title="Kontorstoler", postcode="3484"),  # Holmsbu, far
        make_listing(title="Kontorstoler, utkast", publish=False),
    ]
    requests = [
        make_request(),
        make_request(title="Stoler", categories=["chair"], min_condition=None),
        make_request(title="Møbler", categories=["furniture"], radius_km=50, max_price_nok=None,
                     min_condition=None),
        make_request(title="Office chairs", min_condition="fair", max_price_nok=0),
    ]
    return listings, requests


def _scored_everything(request_id: int) -> set[int]:
    """The reference: score every listing row."""
    wanted = db.session.get(WantedRequest, request_id)
    facts = candidates.request_facts(wanted)
    from app.listings.models import Listing

    ids = db.session.scalars(sa.select(Listing.id)).all()
    return {lid for lid, lf in candidates.listing_facts_by_id(ids).items()
            if isinstance(score(facts, lf, utcnow()), Scored)}


def test_both_strategies_find_what_scoring_everything_finds(app, market):
    _listings, requests = market
    assert candidates.search_backend() is not None
    for wanted in requests:
        facts = candidates.request_facts(db.session.get(WantedRequest, wanted["id"]))
        expected = _scored_everything(wanted["id"])
        for strategy in ("search", "sql"):
            found = candidates.listings_for_request(facts, utcnow(), strategy)
            kept = {lf.id for lf in found if isinstance(score(facts, lf, utcnow()), Scored)}
            assert kept == expected, (wanted["title"], strategy)
    assert any(_scored_everything(w["id"]) for w in requests)


def test_listing_side_finds_what_scoring_every_request_finds(app, market):
    listings, requests = market
    now = utcnow()
    every = [candidates.request_facts(db.session.get(WantedRequest, w["id"])) for w in requests]
    for listing in listings:
        facts = candidates.listing_facts_by_id([listing["id"]])[listing["id"]]
        expected = {r.id for r in every if isinstance(score(r, facts, now), Scored)}
        found = {rid for rid, _ in score_requests(
            facts, candidates.requests_for_listing(facts, now), now)}
        assert found == expected, listing["title"]


def test_search_unavailable_falls_back_to_sql(app, market):
    from app.searching.backend import set_backend

    class Down:
        def search(self, query):
            raise SearchUnavailable("down for the test")

        def __getattr__(self, name):
            raise SearchUnavailable("down for the test")

    _listings, requests = market
    facts = candidates.request_facts(db.session.get(WantedRequest, requests[0]["id"]))
    expected = {lf.id for lf in candidates.listings_for_request(facts, utcnow(), "sql")}
    set_backend(app, Down())
    assert {lf.id for lf in candidates.listings_for_request(facts, utcnow())} == expected
    assert expected


def test_inserting_an_existing_pair_is_skipped(app, market):
    match = db.session.scalars(sa.select(Match)).first()
    row = {"listing_id": match.listing_id, "request_id": match.request_id, "score": 1,
           "reasons": [], "distance_m": 0.0, "state": "suggested",
           "created_at": utcnow(), "updated_at": utcnow()}
    assert services._insert([row]) == []
    assert db.session.scalar(sa.select(sa.func.count(Match.id)).where(
        Match.listing_id == match.listing_id, Match.request_id == match.request_id)) == 1


def test_listing_side_scores_requests_in_two_categories_like_the_scorer(
        app, market, make_request):
    """A request in two of a listing's categories comes once, with its closest relation
    (computed in the candidate query from category ids) and the plain scorer's score."""
    from dataclasses import replace

    from app.matching.batch import score_columns

    make_request(title="Stoler", categories=["chair", "office-chair"], min_condition=None)
    make_request(title="Kontorstoler", categories=["desk", "office-chair"],
                 min_condition=None)
    make_request(title="Møbler", categories=["furniture", "chair"], min_condition=None,
                 max_price_nok=None)
    listings, _requests = market
    now = utcnow()
    ids = db.session.scalars(sa.select(WantedRequest.id)).all()
    every = candidates.request_facts_by_id(ids)
    compared = folded = 0
    for listing in listings:
        facts = candidates.listing_facts_by_id([listing["id"]])[listing["id"]]
        found = candidates.requests_for_listing(facts, now)
        assert len(set(found.ids)) == len(found.ids)
        folded += sum(len(c) == 2 for c in found.categories)
        derived = score_columns(facts, replace(found, relation_codes=None), now)
        columns = score_columns(facts, found, now)
        assert columns == derived
        for request_id, got, distance in zip(columns.ids, columns.scores, columns.distances,
                                              strict=True):
            single = score(every[request_id], facts, now)
            assert isinstance(single, Scored)
            assert abs(got - single.score) <= 1 and abs(distance - single.distance_m) < 0.01
            compared += 1
    assert compared >= 8 and folded >= 2


def test_new_matches_are_stored_as_the_typed_insert_stores_them(app, market):
    """``_insert_new`` skips per-value bind processing; the stored row (raw, as the
    database holds it) is the one the typed insert writes, and a pair that exists is
    skipped."""
    match = db.session.scalars(sa.select(Match)).first()
    now = utcnow()
    listing_ids = db.session.scalars(sa.select(Match.listing_id).distinct()).all()
    request_ids = db.session.scalars(sa.select(WantedRequest.id)).all()
    taken = set(db.session.execute(sa.select(Match.listing_id, Match.request_id)).all())
    free = [(lid, rid) for lid in listing_ids for rid in request_ids
            if (lid, rid) not in taken][:2]
    assert len(free) == 2
    (l1, r1), (l2, r2) = free
    [typed] = services._insert([{"listing_id": l1, "request_id": r1, "score": 57,
                                 "reasons": None, "distance_m": 1234.5,
                                 "state": "suggested", "created_at": now,
                                 "updated_at": now}])
    assert services._insert_new([(match.listing_id, match.request_id, 1, 0.0)], now) == []
    [fast] = services._insert_new([(l2, r2, 57, 1234.5)], now)
    raw = {row[0]: row[1:] for row in db.session.execute(sa.text(
        "SELECT id, score, reasons, distance_m, state, created_at, updated_at "
        "FROM matches WHERE id IN (:a, :b)"), {"a": typed, "b": fast})}
    assert raw[typed] == raw[fast]
    assert raw[fast][1] is None  # reasons: NULL, built when shown
    db.session.expire_all()
    assert db.session.get(Match, fast).created_at == now
