"""Matching quality on the labelled set in ``eval_set.py`` (128 labelled pairs: 52 a person
would want, 76 near-misses), built through the real services and the outbox, in both
orders (listings first: request -> listings through the search backend; requests first:
listing -> requests through indexed SQL).

The set has parts and accessories listed in the main item's category as people list them
("Armlener til HÅG-stoler", "Hjul til kontorstoler", "HÅG-deler, seter og rygger",
"Vesker til bærbar PC"), laptops next to monitors ("Skjermer til bærbar PC"), tiles next
to ceiling and roof tiles, and one request for parts ("Hjul til kontorstoler").

Measured (both orders give the same matches), before -> after issue #17:

* precision at 3 = 0.717 -> 59/60 = 0.983 (macro over the 20 requests: of the best
  three offered, the share a person wants; an unlabelled listing would count as
  unwanted). The one miss: the request for wheels gets the two wheel listings, then
  armrests (another part, scored at half);
* parts or accessories in the top 3 of a request for the thing: 14 -> 0;
* recall = 51/52 = 0.981 before and after (the miss: office chairs listed under the
  general "Møbler" category; a listing broader than the request is not matched);
* near-misses offered = 35 -> 7 of 76 (all scored at half, with a reason saying why: whole
  chairs and other parts for the request for wheels; a desk "for parts" for a request
  for desks without a lowest condition).

The set was written by the people who wrote the scorer, so these are not independent
numbers; they guard against regressions. On the independent set in ``bench/relevance``
(40 requests, judged before the engine ran; ``bench/relevance/evaluate.py``) matching
precision at 3 went from 0.725 to 0.933 (at most 0.958 there: some requests have fewer
than three right listings), parts in the top 3 from 9 to 0. The test keeps them from
falling below these values (the 1e-9 is float rounding, not slack).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.db import commit, db
from app.listings import services as listing_services
from app.matching.models import VISIBLE_STATES, Match
from app.wanted import services as wanted_services
from tests.matching.eval_set import LABELS, LISTINGS, ORGS, PARTS, PARTS_REQUESTS, REQUESTS

PRECISION_AT_3 = 59 / 60
RECALL = 51 / 52
NEAR_MISSES_OFFERED = 7


def _build(make, order: str) -> tuple[dict[int, str], dict[int, str]]:
    orgs, users = {}, {}
    for key, (kind, name) in ORGS.items():
        orgs[key] = make.org(kind, name=name)
        users[key] = make.user(orgs[key], "member")
    listing_ids, request_ids = {}, {}

    def listings():
        for key, spec in LISTINGS.items():
            data = {k: v for k, v in spec.items() if k != "org"}
            listing = listing_services.create_listing(users[spec["org"]], orgs[spec["org"]],
                                                      data, publish=True)
            commit()
            listing_ids[listing.id] = key

    def requests():
        for key, spec in REQUESTS.items():
            data = {k: v for k, v in spec.items() if k != "org"}
            wanted = wanted_services.create_request(users[spec["org"]], orgs[spec["org"]],
                                                    data)
            commit()
            request_ids[wanted.id] = key

    for step in ((listings, requests) if order == "listings_first" else (requests, listings)):
        step()
    return listing_ids, request_ids


def evaluate(listing_ids, request_ids) -> dict:
    offered: dict[str, list[str]] = {key: [] for key in REQUESTS}
    rows = db.session.execute(
        sa.select(Match.request_id, Match.listing_id).where(Match.state.in_(VISIBLE_STATES))
        .order_by(Match.request_id, Match.score.desc(), Match.distance_m, Match.id)).all()
    for request_id, listing_id in rows:
        offered[request_ids[request_id]].append(listing_ids[listing_id])
    precisions, unlabelled = [], []
    wanted_total = wanted_found = near_misses = 0
    for key, labels in LABELS.items():
        top = offered[key][:3]
        if top:
            precisions.append(sum(labels.get(lk, (False,))[0] for lk in top) / len(top))
        unlabelled += [(key, lk) for lk in offered[key] if lk not in labels]
        for listing_key, (relevant, _why) in labels.items():
            if relevant:
                wanted_total += 1
                wanted_found += listing_key in offered[key]
            else:
                near_misses += listing_key in offered[key]
    parts_on_top = [(key, lk) for key, found in offered.items() if key not in PARTS_REQUESTS
                    for lk in found[:3] if lk in PARTS]
    return {"precision_at_3": sum(precisions) / len(precisions),
            "recall": wanted_found / wanted_total, "near_misses_offered": near_misses,
            "parts_in_top_3": parts_on_top, "unlabelled": unlabelled, "offered": offered}


@pytest.mark.parametrize("order", ["listings_first", "requests_first"])
def test_precision_and_recall_hold(make, categories, order):
    result = evaluate(*_build(make, order))
    report = {k: v for k, v in result.items() if k != "offered"}
    assert result["precision_at_3"] >= PRECISION_AT_3 - 1e-9, report
    assert result["recall"] >= RECALL - 1e-9, report
    assert result["near_misses_offered"] <= NEAR_MISSES_OFFERED, result["offered"]
    assert result["parts_in_top_3"] == [], result["offered"]
    assert result["unlabelled"] == [], report


def test_the_set_is_big_and_mixed_enough():
    pairs = [(r, lk, rel) for r, labels in LABELS.items() for lk, (rel, _) in labels.items()]
    assert len(pairs) >= 60
    assert 0.3 <= sum(rel for *_, rel in pairs) / len(pairs) <= 0.7
    assert all(lk in LISTINGS for _, lk, _ in pairs) and set(LABELS) == set(REQUESTS)
    assert set(LISTINGS) >= PARTS and set(REQUESTS) >= PARTS_REQUESTS
    # every part is labelled unwanted for every request for the thing that labels it
    assert all(not rel for r, lk, rel in pairs if lk in PARTS and r not in PARTS_REQUESTS)
