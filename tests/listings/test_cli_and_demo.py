"""Expiry (service and cron command) and the demo listings."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app import outbox
from app.db import commit, db, utcnow
from app.listings import CHANGED
from app.listings.demo import LISTINGS
from app.listings.models import Listing, ListingImage
from app.listings.services import expire_due


def test_expire_marks_only_published_listings_past_their_end(make_listing):
    past = make_listing(publish=True, title="Gammel")
    future = make_listing(publish=True, title="Ny")
    draft = make_listing(title="Utkast")
    for listing_id in (past["id"], draft["id"]):
        db.session.get(Listing, listing_id).available_until = utcnow() - timedelta(hours=1)
    commit()
    seen: list[int] = []
    outbox._HANDLERS.setdefault(CHANGED, {})["tests.spy"] = lambda p: seen.append(
        p["listing_id"])
    try:
        assert expire_due() == [past["id"]]
        commit()
    finally:
        outbox._HANDLERS[CHANGED].pop("tests.spy")
    assert seen == [past["id"]]
    statuses = dict(db.session.execute(sa.select(Listing.id, Listing.status)).all())
    assert statuses == {past["id"]: "expired", future["id"]: "published", draft["id"]: "draft"}


def test_expire_command(runner, make_listing):
    listing = make_listing(publish=True)
    db.session.get(Listing, listing["id"]).available_until = utcnow() - timedelta(days=1)
    commit()
    result = runner.invoke(args=["listings", "expire"])
    assert result.exit_code == 0 and result.output.strip() == "1 listings expired"
    assert runner.invoke(args=["listings", "expire"]).output.strip() == "0 listings expired"


def _counts():
    """Today's demo listings (the history's closed listings have no pictures) and images;
    the demo building project's published components are counted in its own test."""
    return (db.session.scalar(sa.select(sa.func.count(Listing.id)).where(
                Listing.status != "closed", Listing.project_id.is_(None))),
            db.session.scalar(sa.select(sa.func.count(ListingImage.id)).join(Listing).where(
                Listing.project_id.is_(None))))


def test_seed_demo_adds_about_sixty_listings_with_pictures_once(runner, app):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    listings, images = _counts()
    assert listings == len(LISTINGS) and 55 <= listings <= 70 and images == listings
    published = db.session.scalars(sa.select(Listing).where(Listing.status == "published"))
    districts = {x.district for x in published}
    assert {"Heggedal", "Nesbru", "Slemmestad", "Asker sentrum"} <= districts
    hashes = set(db.session.scalars(sa.select(ListingImage.sha256).join(Listing).where(
        Listing.project_id.is_(None))))
    assert len(hashes) == images  # every picture is different
    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0 and _counts() == (listings, images)
