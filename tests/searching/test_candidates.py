"""Candidate listings for a wanted request, and the reverse check for matching."""

from __future__ import annotations

import time

from app.searching.candidates import (
    Wanted,
    candidate_listings,
    conditions_at_least,
    listing_fits,
    prefilter_values,
)
from tests.searching.conftest import ASKER


def test_conditions_at_least():
    assert conditions_at_least(None) is None
    assert conditions_at_least("good") == ["new", "like_new", "good"]
    assert conditions_at_least("for_parts") == ["new", "like_new", "good", "fair", "for_parts"]


def test_candidates_by_category_distance_price_and_condition(new_listing, municipality):
    near = new_listing(title="Kontorstol", category="office-chair", postcode="1383",
                       price_nok=100, condition="good")
    farther = new_listing(title="Stol", category="chair", postcode="1394", price_nok=0,
                          condition="like_new")
    new_listing(title="Dyr stol", category="chair", postcode="1383", price_nok=900)
    new_listing(title="Slitt stol", category="chair", postcode="1383", condition="for_parts")
    new_listing(title="Langt unna", category="chair", postcode="3475")
    new_listing(title="Dør", category="door", postcode="1383")
    own = new_listing(title="Egen stol", category="chair", postcode="1383",
                      owner=municipality)
    wanted = Wanted(categories=["office-chair", "chair"], lat=ASKER[0], lng=ASKER[1],
                    radius_km=10, max_price_ore=50_000, min_condition="good",
                    exclude_org_id=municipality.org.id)
    hits = candidate_listings(wanted)
    assert [h.id for h in hits] == [near.id, farther.id]
    assert hits[0].distance_m < hits[1].distance_m
    everyone = candidate_listings(Wanted(categories=["furniture"]))
    assert own.id in {h.id for h in everyone} and len(everyone) == 6
    assert candidate_listings(Wanted(q="kontorstol"))[0].id == near.id
    assert len(candidate_listings(Wanted(categories=["furniture"]), limit=2)) == 2


def test_listing_fits_agrees_with_the_engine(new_listing, municipality):
    made = [
        new_listing(title="Kontorstol", category="office-chair", postcode="1383",
                    price_nok=100, condition="good"),
        new_listing(title="Stol", category="chair", postcode="1394", condition="like_new"),
        new_listing(title="Dyr stol", category="chair", postcode="1383", price_nok=900),
        new_listing(title="Slitt stol", category="chair", postcode="1383",
                    condition="for_parts"),
        new_listing(title="Langt unna", category="chair", postcode="3475"),
        new_listing(title="Dør", category="door", postcode="1383"),
        new_listing(title="Egen", category="chair", postcode="1383", owner=municipality),
    ]
    requests = [
        Wanted(categories=["furniture"], lat=ASKER[0], lng=ASKER[1], radius_km=10,
               max_price_ore=50_000, min_condition="good", exclude_org_id=municipality.org.id),
        Wanted(categories=["door", "chair"], free_only=True),
        Wanted(min_condition="like_new"),
        Wanted(lat=ASKER[0], lng=ASKER[1], radius_km=3),
    ]
    now = int(time.time())
    for wanted in requests:
        from_engine = {h.id for h in candidate_listings(wanted, limit=100, now=now)}
        checked = {listing.id for listing in made
                   if listing_fits(prefilter_values(listing.id), wanted, now=now)}
        assert from_engine == checked, wanted


def test_prefilter_values_of_a_missing_listing(app):
    assert prefilter_values(123_456) is None
