"""Plausible unit weights (issue #14, item 2): one range per category and unit, enforced on
listings through the API, the pages' service and the bulk import; a site admin may approve
an outlier with a reason (audit log), also from the command line."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import audit
from app.audit import AuditEntry
from app.db import commit, db
from app.errors import PermissionDenied, ValidationFailed
from app.listings import importer, weights
from app.listings.categories import category_lookup
from app.listings.models import Listing
from app.listings.services import create_listing, update_listing
from tests.listings.conftest import listing_data


def _category(slug):
    return category_lookup()[slug]


def test_the_range_per_category_and_unit(categories):
    chair = _category("office-chair")
    assert weights.unit_weight_range(chair, "pcs") == (Decimal("0.75"), Decimal("300"))
    assert weights.unit_weight_range(_category("fabric"), "m") == (Decimal("0.015"),
                                                                   Decimal("6"))
    assert weights.unit_weight_range(chair, "kg") == (Decimal(1), Decimal(1))
    # another unit than the typical one, and a category without a typical weight: the
    # unit's wide but finite default
    assert weights.unit_weight_range(chair, "m3") == (Decimal(1), Decimal(12000))
    assert weights.unit_weight_range(_category("toys"), "pcs") == (Decimal("0.01"),
                                                                   Decimal(5000))
    assert weights.unit_weight_range(_category("furniture"), "m2") == (Decimal("0.01"),
                                                                       Decimal(1000))
    assert weights.unit_weight_range(None, "m") == (Decimal("0.001"), Decimal(1000))


def test_an_absurd_unit_weight_is_a_field_error_naming_the_range(api, owner):
    response = api.post("/listings", json=listing_data(unit_weight_kg=1_000_000,
                                                       quantity=1000))
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.get_json()["errors"]["unit_weight_kg"] == [
        "Vekt per enhet må være mellom 0,75 og 300 kg for Kontorstol. Er vekten riktig, "
        "kan en administrator godkjenne den."]
    for fine in (0.75, 300, 14.5):
        assert api.post("/listings", json=listing_data(unit_weight_kg=fine)).status_code == 201
    for absurd in (0.749, 300.001):
        assert api.post("/listings", json=listing_data(unit_weight_kg=absurd)
                        ).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Listing.id))) == 3


def test_english_readers_get_the_range_in_english_names(client, make, categories):
    org = make.org("business")
    user = make.user(org, locale="en")
    response = client.post("/api/v1/listings", json=listing_data(unit_weight_kg=900),
                           headers={"Authorization": f"Bearer {make.token(user)}",
                                    "Accept-Language": "en"})
    assert response.status_code == 422
    assert "Office chair" in response.get_json()["errors"]["unit_weight_kg"][0]


def test_changing_category_checks_the_weight_that_stays(owner):
    listing = create_listing(owner.user, owner.org, listing_data(unit_weight_kg=40))
    commit()
    update_listing(listing, {"category": "laptop"})  # 2 kg typical: 0,1-40 kg
    commit()
    with pytest.raises(ValidationFailed) as info:
        update_listing(listing, {"category": "fabric", "unit": "m"})  # 0,015-6 kg per m
    assert "0,015 og 6 kg" in info.value.errors["unit_weight_kg"][0]
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        update_listing(listing, {"unit_weight_kg": 41})
    db.session.rollback()
    assert db.session.get(Listing, listing.id).unit_weight_kg == 40


def test_an_import_row_with_an_absurd_weight_gets_a_row_error(owner):
    header = ["tittel", "kategori", "tilstand", "antall", "enhet", "vekt_per_enhet_kg",
              "postnummer"]
    rows = [["Stoler", "office-chair", "god", "1000", "stk", "1000000", "1394"],
            ["Stoler", "office-chair", "god", "10", "stk", "15", "1394"]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    result = importer.import_listings(buffer.getvalue().encode(), owner.org, owner.user)
    assert result.created == 1
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "Vekt per enhet må være mellom 0,75 og 300 kg for Kontorstol. Er vekten riktig, "
            "kan en administrator godkjenne den.")]


def test_a_site_admin_approves_an_outlier_with_a_reason(make, owner, api):
    listing = create_listing(owner.user, owner.org, listing_data(category="timber", unit="m",
                                                                  quantity=12))
    commit()
    admin = make.user(None, site_admin=True, email="admin@kretslop.test")
    with pytest.raises(PermissionDenied):
        weights.approve_unit_weight(listing, 120, "Limtre 140x630", owner.user)
    with pytest.raises(ValidationFailed) as info:
        weights.approve_unit_weight(listing, 120, "  ", admin)
    assert list(info.value.errors) == ["reason"]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0

    weights.approve_unit_weight(listing, "120", "Limtre 140x630 mm, 120 kg/m (datablad)",
                                admin)
    commit()
    db.session.expire_all()
    listing = db.session.get(Listing, listing.id)
    assert (listing.unit_weight_kg, listing.weight_estimated, listing.weight_approved_kg,
            listing.weight_approved_by_id) == (Decimal(120), False, Decimal(120), admin.id)
    assert listing.weight_approved_at is not None
    entry = db.session.scalar(sa.select(AuditEntry))
    assert (entry.action, entry.target_type, entry.target_id, entry.actor_id,
            entry.organization_id) == ("listing.approve_weight", "listing", listing.id,
                                       admin.id, owner.org.id)
    assert entry.reason == "Limtre 140x630 mm, 120 kg/m (datablad)"
    assert entry.before["unit_weight_kg"] == "2.200" and entry.before["weight_estimated"]
    assert entry.after["unit_weight_kg"] == "120.000"
    assert entry.after["weight_approved_kg"] == "120.000"
    # the listing may use exactly that weight; another outlier is still refused
    path = f"/listings/{listing.id}"
    assert api.patch(path, json={"unit_weight_kg": 2}).status_code == 200
    assert api.patch(path, json={"unit_weight_kg": 120}).status_code == 200
    assert api.patch(path, json={"unit_weight_kg": 121}).status_code == 422


def test_approve_weight_from_the_command_line(app, make, owner):
    listing = create_listing(owner.user, owner.org, listing_data(quantity=2))
    make.user(None, site_admin=True, email="admin@kretslop.test")
    commit()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["listings", "approve-weight", str(listing.id), "400",
                                  "--reason", "Massasjestol", "--admin", owner.user.email])
    assert refused.exit_code == 2 and "administratorer" in refused.output
    result = runner.invoke(args=["listings", "approve-weight", str(listing.id), "400",
                                 "--reason", "Massasjestol med motor",
                                 "--admin", "admin@kretslop.test"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).weight_approved_kg == 400
    entry = db.session.scalar(sa.select(AuditEntry))
    assert audit.shown_actor(entry) == "admin@kretslop.test"
    assert entry.reason == "Massasjestol med motor"
