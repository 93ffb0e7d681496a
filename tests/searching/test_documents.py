"""Listings as search documents, and which listings belong in the index."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from app.db import commit, db, utcnow
from app.listings.models import ListingImage
from app.searching.documents import is_indexable, listing_document


def test_document_has_the_documented_shape(new_listing, seller):
    listing = new_listing(title="Skrivebord i eik", category="height-adjustable-desk",
                          price_nok="150,50", quantity=3, unit="pcs", postcode="1394",
                          material="Eik", condition="like_new",
                          available_until="2099-01-31T23:59:00+01:00")
    doc = listing_document(listing)
    assert doc["id"] == listing.id and doc["title"] == "Skrivebord i eik"
    assert doc["category"] == "height-adjustable-desk"
    assert doc["category_path"] == ["furniture", "height-adjustable-desk"]
    assert doc["category_names"] == ["Hev-senk-skrivebord", "Height-adjustable desk",
                                     "Møbler", "Furniture"]
    assert (doc["price_ore"], doc["is_free"]) == (15050, False)
    assert (doc["condition"], doc["condition_rank"]) == ("like_new", 4)
    assert (doc["quantity_available"], doc["unit"]) == (3, "pcs")
    assert (doc["org_id"], doc["org_name"], doc["org_kind"]) == (
        seller.org.id, "Gjenbruk Asker", "reuse_shop")
    assert (doc["postcode"], doc["district"]) == ("1394", "Nesbru")
    assert (doc["lat"], doc["lng"]) == (59.86, 10.498)
    assert doc["material"] == "Eik"
    assert isinstance(doc["published_at"], int)
    assert doc["available_until"] == int(listing.available_until.timestamp())
    assert doc["thumb_url"] is None


def test_nested_category_path_and_names(new_listing):
    doc = listing_document(new_listing(title="Skjerm", category="monitor"))
    assert doc["category_path"] == ["eee", "it", "monitor"]
    assert doc["category_names"] == ["PC-skjerm", "Computer monitor", "IT-utstyr",
                                     "IT equipment", "Elektrisk og elektronisk utstyr",
                                     "Electrical and electronic equipment"]


def test_free_listing_and_fractional_quantity(new_listing):
    doc = listing_document(new_listing(title="Gipsplater", category="boards", unit="m2",
                                       quantity="12,5", price_nok=0))
    assert (doc["price_ore"], doc["is_free"]) == (0, True)
    assert doc["quantity_available"] == 12.5


def test_thumb_url_is_the_first_photo(new_listing):
    listing = new_listing()
    for position, name in ((1, "b"), (0, "a")):
        db.session.add(ListingImage(listing_id=listing.id, position=position, sha256=name * 64,
                                    original_path=f"o/{name}.jpg", medium_path=f"m/{name}.jpg",
                                    thumb_path=f"t/{name}.jpg", width=640, height=480))
    commit()
    db.session.refresh(listing)
    assert listing_document(listing)["thumb_url"] == "/media/t/a.jpg"


def test_which_listings_belong_in_the_index(new_listing):
    now = utcnow()
    published = new_listing()
    assert is_indexable(published, now)
    assert not is_indexable(new_listing(publish=False), now)
    published.quantity_available = Decimal(0)
    assert not is_indexable(published, now)
    published.quantity_available = Decimal(1)
    published.available_until = now - timedelta(seconds=1)
    assert not is_indexable(published, now)
    published.available_until = now + timedelta(days=1)
    assert is_indexable(published, now)
    published.status = "withdrawn"
    assert not is_indexable(published, now)
    db.session.rollback()
