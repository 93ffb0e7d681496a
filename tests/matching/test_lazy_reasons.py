"""Reasons built when a match is shown equal the ones matching used to store.

Until session 6 every match stored its reasons when it was found; now the ``reasons``
column is NULL and ``Match.reasons`` builds them from the listing and the request as they
are (``app.matching.explain``). ``_eager_reasons`` below is the reason code of
``scoring.score`` as it was before (copied from the version that stored them), so these
tests hold the new path to what people saw then.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from app.db import db, utcnow
from app.matching import candidates, explain, services, taxonomy
from app.matching.models import Match
from app.matching.scoring import (
    CONDITIONS,
    OSLO,
    Excluded,
    _number,
    best_relation,
    score,
    text_reasons,
)
from app.matching.scoring import explain as explain_pair
from app.matching.text import asks_for_parts, text_score
from search.text import haversine_m
from tests.matching.test_scoring import listing, request

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def _eager_reasons(request, listing, now):
    """The reasons as ``score`` built them before session 6 (None: the pair is out)."""
    if listing.org_id == request.org_id or not listing.active:
        return None
    relation = best_relation(request, listing.category)
    if relation is None:
        return None
    distance = haversine_m(request.lat, request.lng, listing.lat, listing.lng)
    if distance > request.radius_km * 1000:
        return None
    if request.max_price_ore is not None and listing.price_ore > request.max_price_ore:
        return None
    if listing.condition_rank < request.min_condition_rank:
        return None
    same_unit = listing.unit == request.unit
    if same_unit and listing.quantity_available < request.min_quantity:
        return None
    match = text_score(request.terms, listing.profile)
    if relation[0] == taxonomy.SIBLING and not match.evidence:
        return None
    if match.part and not asks_for_parts(request.terms):
        return None
    reasons = [{"code": "category", "params": {"relation": relation[0],
                                               "category": listing.category,
                                               "wanted": relation[1]}}]
    reasons.extend(text_reasons(request.terms, match))
    reasons.append({"code": "distance", "params": {"km": round(distance / 1000, 1)}})
    if same_unit:
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


def test_lazy_reasons_equal_the_eager_ones_on_random_pairs():
    rng = random.Random(19)
    slugs = ["office-chair", "chair", "furniture", "armchair", "desk", "bed", "laptop"]
    titles = ["Kontorstoler", "Stoler til kantina", "Office chairs", "Møbler", "",
              "Senger", "Hjul til kontorstoler", "Skrivebord i eik"]
    items = ["Kontorstoler Håg H05", "Hjul til kontorstol", "Skrivebord bjørk 160x80",
             "Lenestol", "Seng 90 cm", "Office chair, black", "Stol til deler"]
    compared = excluded = 0
    for _ in range(3000):
        item = listing(
            title=rng.choice(items), category=rng.choice(slugs), org_id=rng.choice([1, 2]),
            quantity_available=rng.choice([1, 2.5, 5, 20, 50]),
            unit=rng.choice(["pcs", "m2"]), price_ore=rng.choice([0, 5000, 20000]),
            condition_rank=rng.randint(1, 5),
            lat=59.8 + rng.uniform(-0.2, 0.2), lng=10.4 + rng.uniform(-0.3, 0.3),
            available_from=rng.choice([None, NOW - timedelta(days=1), NOW + timedelta(days=3),
                                       datetime(2027, 3, 1, tzinfo=UTC)]))
        wanted = request(org_id=rng.choice([1, 3, 3, 3]), title=rng.choice(titles),
                         categories=tuple(rng.sample(slugs, rng.choice([1, 2]))),
                         quantity=rng.choice([1, 10, 40, 2.5]), min_quantity=1,
                         unit=rng.choice(["pcs", "pcs", "m2"]),
                         max_price_ore=rng.choice([None, 0, 10000, 30000]),
                         min_condition_rank=rng.choice([0, 0, 1, 3, 5]),
                         radius_km=rng.choice([2, 30, 50]),
                         needed_by=rng.choice([None, date(2026, 12, 1), date(2027, 1, 1)]))
        eager = _eager_reasons(wanted, item, NOW)
        if eager is None:
            assert isinstance(score(wanted, item, NOW), Excluded)
            excluded += 1
            continue
        compared += 1
        assert explain_pair(wanted, item, NOW) == eager, (wanted, item)
        assert score(wanted, item, NOW).reasons == eager
    assert compared > 300 and excluded > 300


def test_stored_matches_hold_no_reasons_and_show_the_eager_ones(app, make_request,
                                                                 make_listing):
    """Through the real handler: the column is NULL, ``Match.reasons`` (one match) and
    ``explain.fill`` (a page) give what the old code stored for each pair."""
    make_request()
    make_request(title="Stoler til møterom", quantity=4, min_quantity=1,
                 categories=["chair"])
    make_request(title="Kontorstoler i god stand", radius_km=5, max_price_nok=None)
    made = make_listing(title="Kontorstoler Håg H05", quantity=40, price_nok=0)
    db.session.expire_all()
    stored = db.session.execute(sa.text(
        "SELECT reasons FROM matches WHERE listing_id = :id"), {"id": made["id"]}).all()
    assert len(stored) == 3 and all(row[0] is None for row in stored)

    matches = list(db.session.scalars(sa.select(Match).where(
        Match.listing_id == made["id"]).order_by(Match.id)))
    facts = candidates.listing_facts_by_id([made["id"]])[made["id"]]
    wanted = candidates.request_facts_by_id(m.request_id for m in matches)
    now = utcnow()
    expected = [_eager_reasons(wanted[m.request_id], facts, now) for m in matches]
    assert all(expected)
    assert [m.reasons for m in matches] == expected  # one at a time (the property)
    db.session.expire_all()
    page = list(db.session.scalars(sa.select(Match).where(
        Match.listing_id == made["id"]).order_by(Match.id)))
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        explain.fill(page)
        assert len(statements) <= 4  # listings, categories of requests: not per match
        statements.clear()
        assert [m.reasons for m in page] == expected
        assert statements == []  # filled: nothing more to read
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_shown_reasons_follow_the_listing_as_it_is_now(app, api, lister, make_request,
                                                       make_listing):
    """No stale reasons: after the listing changes, the shown quantity is the new one,
    and reasons stored by an earlier version are dropped when the match is re-scored."""
    make_request()
    made = make_listing(title="Kontorstoler Håg H05", quantity=40, price_nok=0)
    [match] = db.session.scalars(sa.select(Match).where(Match.listing_id == made["id"]))
    assert {"code": "quantity", "params": {"available": 40, "wanted": 50, "unit": "pcs"}} \
        in match.reasons
    response = api.patch(f"/listings/{made['id']}", json={"quantity": 30},
                         token=lister.token)
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    match = db.session.get(Match, match.id)
    assert {"code": "quantity", "params": {"available": 30, "wanted": 50, "unit": "pcs"}} \
        in match.reasons

    old = [{"code": "free", "params": {}}]
    match.reasons = old  # as an earlier version stored them
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(Match, match.id).reasons == old
    services.match_listing(made["id"])
    db.session.flush()
    db.session.expire_all()
    again = db.session.get(Match, match.id)
    assert again.stored_reasons is None and again.reasons != old
    assert again.reasons[0]["code"] == "category"


def test_a_pair_that_no_longer_passes_still_gets_the_reasons_that_apply():
    """A withdrawn match is still listed in the inbox ("ikke lenger aktuelt"): its
    reasons are built from the pair as it is, without a category reason once the
    categories no longer relate."""
    wanted = request()
    moved = listing(category="bed")  # the lister moved it to another category
    assert isinstance(score(wanted, moved, NOW), Excluded)
    shown = explain_pair(wanted, moved, NOW)
    codes = [r["code"] for r in shown]
    assert "category" not in codes
    assert codes[-3:] == ["quantity", "free", "condition"] and "distance" in codes
    far = listing(lat=63.43, lng=10.40)  # Trondheim: outside the radius
    assert isinstance(score(wanted, far, NOW), Excluded)
    assert explain_pair(wanted, far, NOW)[0]["code"] == "category"
