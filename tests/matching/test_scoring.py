"""Scoring without a database: hard limits, the parts of the score, ordering, reasons."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale

from app.matching import reasons, taxonomy
from app.matching.scoring import Excluded, ListingFacts, RequestFacts, Scored, score
from app.matching.text import listing_profile, request_terms, stem, text_score

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
ASKER = (59.8336, 10.4353)
HEGGEDAL = (59.7880, 10.4430)  # about 5 km south
DRAMMEN = (59.7440, 10.2040)  # about 16 km from Asker sentrum


def request(**kw) -> RequestFacts:
    base = RequestFacts(id=1, org_id=1, categories=("office-chair",),
                        terms=request_terms(kw.pop("title", "Kontorstoler")), quantity=50,
                        min_quantity=10, unit="pcs", max_price_ore=10000,
                        min_condition_rank=3, lat=ASKER[0], lng=ASKER[1], radius_km=20,
                        needed_by=date(2026, 12, 31))
    return replace(base, **kw)


def listing(title="Kontorstoler Håg H05", category="office-chair", description="",
            **kw) -> ListingFacts:
    base = ListingFacts(id=7, org_id=2, category=category,
                        profile=listing_profile(title, description, "", category),
                        quantity_available=50, unit="pcs", price_ore=0, condition_rank=3,
                        lat=HEGGEDAL[0], lng=HEGGEDAL[1], available_from=None,
                        available_until=None, active=True)
    return replace(base, **kw)


@pytest.mark.parametrize(("change", "code"), [
    ({"org_id": 1}, "own_org"),
    ({"active": False}, "inactive"),
    ({"available_until": NOW - timedelta(minutes=1)}, "inactive"),
    ({"category": "bed", "profile": listing_profile("Seng", "", "", "bed")}, "category"),
    ({"lat": DRAMMEN[0], "lng": DRAMMEN[1]}, "radius"),
    ({"price_ore": 10001}, "price"),
    ({"condition_rank": 2}, "condition"),
    ({"quantity_available": 9}, "quantity"),
])
def test_hard_limits(change, code):
    assert score(request(radius_km=15), listing(**change), NOW) == Excluded(code)


def test_limits_at_the_edge_pass():
    result = score(request(), listing(price_ore=10000, condition_rank=3,
                                      quantity_available=10), NOW)
    assert isinstance(result, Scored)
    # A different unit cannot be compared: no quantity limit, half the quantity part.
    other_unit = score(request(), listing(unit="m2", quantity_available=1), NOW)
    assert isinstance(other_unit, Scored)
    assert {"code": "quantity_unit", "params": {"available": 1, "unit": "m2"}} in \
        other_unit.reasons
    # Only free: 0 as maximum.
    assert score(request(max_price_ore=0), listing(price_ore=100), NOW) == Excluded("price")
    assert isinstance(score(request(max_price_ore=None), listing(price_ore=10**9), NOW), Scored)


def test_category_relations():
    assert taxonomy.relation("office-chair", "office-chair") == taxonomy.SAME
    assert taxonomy.relation("furniture", "office-chair") == taxonomy.PARENT
    assert taxonomy.relation("eee", "laptop") == taxonomy.PARENT
    assert taxonomy.relation("chair", "office-chair") == taxonomy.SIBLING
    assert taxonomy.relation("desk", "height-adjustable-desk") == taxonomy.SIBLING
    assert taxonomy.relation("bed", "desk") is None
    assert taxonomy.relation("office-chair", "furniture") is None  # a broader listing
    assert "chair" in taxonomy.request_categories_for_listing("office-chair")
    assert taxonomy.request_categories_for_listing("office-chair")[:2] == (
        "furniture", "office-chair")


def test_sibling_category_needs_shared_words():
    chairs = request(categories=("chair",), title="Stoler til kantina")
    assert isinstance(score(chairs, listing(), NOW), Scored)
    beds = request(categories=("chair",), title="Barnehagestoler, små")
    assert score(beds, listing(), NOW) == Excluded("category")


def test_better_pairs_score_higher():
    base = score(request(), listing(), NOW).score
    assert base > score(request(), listing(quantity_available=20), NOW).score
    assert base > score(request(), listing(price_ore=5000), NOW).score
    assert base > score(request(), listing(lat=59.72, lng=10.43), NOW).score
    assert base > score(request(categories=("furniture",)), listing(), NOW).score
    assert base > score(request(title="Kontorstoler svarte Kinnarps"), listing(), NOW).score
    assert score(request(), listing(condition_rank=5), NOW).score > base
    later = listing(available_from=NOW + timedelta(days=3))
    too_late = listing(available_from=datetime(2027, 2, 1, tzinfo=UTC))
    assert base > score(request(), later, NOW).score > score(request(), too_late, NOW).score
    assert 0 <= score(request(), too_late, NOW).score <= 100


def test_text_relevance_with_synonyms_stems_and_compounds():
    profile = listing_profile("Kontorstoler Håg", "Pent brukte", "", "office-chair")
    # "office chairs" is the same thing as "kontorstoler" (the synonym table); the reason
    # names the listing's word as the listing writes it, and the request's words
    assert text_score(request_terms("Office chairs"), profile) == (
        1.0, 0.0, [], False, [("kontorstoler", "office chairs")])
    assert text_score(request_terms("kontorstol"), profile).score == 1.0
    assert stem("Dører") == stem("dør") == "dor"
    # "stol" is the last part of "kontorstol": a compound, 0.7.
    assert text_score(request_terms("stol"),
                      listing_profile("Kontorstoler", "", "", "chair")).score >= 0.7
    assert text_score(request_terms("sykkel"), profile) == (0.0, 0.0, [], False, [])
    assert text_score("", profile) == (0.5, 0.0, [], False, [])
    assert request_terms("Vi trenger 50 stk") == ""


def test_reasons_render_in_the_readers_language(app):
    result = score(request(), listing(quantity_available=40, price_ore=4050), NOW)
    with force_locale("nb"):
        text = reasons.render(result.reasons)
    assert text[0] == "samme kategori: Kontorstol"
    assert "40 av 50 stk" in text and "40,50 kr per stk" in text and "tilstand: god" in text
    assert any(t.endswith(" km unna") and "," in t for t in text)
    with force_locale("en"):
        english = reasons.render(result.reasons)
    assert english[0] == "same category: Office chair"
    assert any("." in t and "km" in t for t in english)
    late = score(request(), listing(available_from=datetime(2027, 2, 1, tzinfo=UTC)), NOW)
    with force_locale("nb"):
        assert "først tilgjengelig 1. februar" in reasons.summary(late.reasons)


def test_the_batch_scorer_agrees_with_the_scorer():
    """Many random pairs: same exclusions, scores within float rounding; the batch builds
    no reasons (they are built when shown, :func:`scoring.explain`)."""
    import random

    from app.matching.batch import RequestColumns, score_requests

    rng = random.Random(5)
    slugs = ["office-chair", "chair", "furniture", "armchair", "desk", "bed", "laptop"]
    titles = ["Kontorstoler", "Stoler til kantina", "Office chairs", "Møbler", "", "Senger"]
    checked = 0
    for _ in range(60):
        item = listing(
            category=rng.choice(slugs), org_id=rng.choice([1, 2]),
            quantity_available=rng.choice([1, 5, 20, 50]), unit=rng.choice(["pcs", "m2"]),
            price_ore=rng.choice([0, 5000, 20000]), condition_rank=rng.randint(1, 5),
            lat=59.8 + rng.uniform(-0.2, 0.2), lng=10.4 + rng.uniform(-0.3, 0.3),
            available_from=rng.choice([None, NOW + timedelta(days=3),
                                       datetime(2027, 3, 1, tzinfo=UTC)]))
        wanted = [request(id=n, org_id=rng.choice([1, 3]), title=rng.choice(titles),
                          categories=tuple(rng.sample(slugs, rng.choice([1, 2]))),
                          quantity=rng.choice([1, 10, 40]), min_quantity=1,
                          unit=rng.choice(["pcs", "pcs", "m2"]),
                          max_price_ore=rng.choice([None, 0, 10000]),
                          min_condition_rank=rng.randint(0, 5),
                          radius_km=rng.choice([2, 10, 30]),
                          needed_by=rng.choice([None, date(2027, 1, 1)]))
                  for n in range(40)]
        batch = dict(score_requests(item, RequestColumns.from_facts(wanted), NOW))
        for one in wanted:
            single = score(one, item, NOW)
            if isinstance(single, Excluded):
                assert one.id not in batch, (single, one, item)
                continue
            checked += 1
            other = batch[one.id]
            assert abs(other.score - single.score) <= 1
            assert abs(other.distance_m - single.distance_m) < 0.01
            assert other.reasons is None
    assert checked > 100
