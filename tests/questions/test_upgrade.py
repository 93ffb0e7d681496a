"""The data step before the one-waiting-request index: existing duplicates are cancelled
(the oldest stays), then the index can be created."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.db import db
from app.exchange.models import Reservation
from app.questions.upgrade import REASON, upgrade_data
from tests.exchange.conftest import T0

INDEX = "uq_reservations_one_open_request"


def test_duplicates_are_cancelled_and_the_index_then_holds(make_listing, buyer, reserve,
                                                            another_buyer):
    listing = make_listing()
    connection = db.session.connection()
    # As an old database has it: no index yet (the test's transaction is rolled back).
    connection.execute(sa.text(f"DROP INDEX {INDEX}"))
    oldest = reserve(listing, 1, now=T0)
    rows = [Reservation(listing_id=listing.id, buyer_org_id=buyer.org.id,
                        seller_org_id=oldest.seller_org_id, status="requested", quantity=1,
                        unit="pcs", created_at=T0 + timedelta(hours=h),
                        updated_at=T0 + timedelta(hours=h)) for h in (1, 2)]
    db.session.add_all(rows)
    other = reserve(listing, 1, party=another_buyer())  # another organisation: stays
    db.session.flush()
    cancelled = upgrade_data(db.session.connection(), now=T0 + timedelta(days=1))
    assert sorted(cancelled) == sorted(r.id for r in rows)
    db.session.expire_all()
    states = {r.id: (r.status, r.end_reason) for r in db.session.scalars(sa.select(Reservation))}
    assert states[oldest.id] == ("requested", "") and states[other.id] == ("requested", "")
    assert {states[r.id] for r in rows} == {("cancelled", REASON)}
    assert upgrade_data(db.session.connection()) == []  # idempotent
    # the model's index, created as the migration will: no duplicates left to refuse it
    index = next(i for i in Reservation.__table__.indexes if i.name == INDEX)
    index.create(db.session.connection())
