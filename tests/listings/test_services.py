"""Service-level rules the pages and the API share: states, closing, reservations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.db import commit, db
from app.errors import Conflict, NotFound, PermissionDenied
from app.listings import services
from app.listings.models import Listing


def _listing(listing_id: int) -> Listing:
    return db.session.get(Listing, listing_id)


def test_close_only_from_published_reserved_or_expired(make_listing):
    draft = _listing(make_listing()["id"])
    with pytest.raises(Conflict) as caught:
        services.close(draft)
    assert caught.value.extra == {"current_status": "draft"}
    published = _listing(make_listing(publish=True)["id"])
    assert services.close(published).status == "closed"
    with pytest.raises(Conflict):
        services.update_listing(published, {"title": "Ny"})


def test_reserved_listing_cannot_be_withdrawn(api, make_listing):
    listing = make_listing(publish=True, quantity=2)
    row = _listing(listing["id"])
    row.quantity_available = Decimal(0)
    services.sync_availability(row)
    commit()
    response = api.post(f"/listings/{listing['id']}/withdraw")
    assert response.status_code == 409
    assert response.get_json()["current_status"] == "reserved"
    row.quantity_available = Decimal(1)
    services.sync_availability(row)
    assert row.status == "published"


def test_permission_helpers(make_listing, owner, other):
    draft = make_listing()
    assert services.listing_for_change(draft["id"], owner.user).id == draft["id"]
    with pytest.raises(NotFound):
        services.visible_listing(draft["id"], other.user)
    with pytest.raises(NotFound):
        services.visible_listing(draft["id"], None)
    published = make_listing(publish=True)
    with pytest.raises(PermissionDenied):
        services.listing_for_change(published["id"], other.user)
    assert services.visible_listing(published["id"], None).id == published["id"]


def test_category_names_follow_the_language(client, make_listing):
    listing = make_listing(publish=True)
    english = client.get(f"/listings/{listing['id']}?lang=en").get_data(as_text=True)
    assert "Office chair" in english
    norwegian = client.get(f"/listings/{listing['id']}?lang=nb").get_data(as_text=True)
    assert "Kontorstol" in norwegian
