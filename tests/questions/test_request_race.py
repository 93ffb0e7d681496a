"""Two parallel reservation requests from one organisation for one listing: exactly one
gets in, the others are told which one waits (real commits, one connection per thread;
the partial unique index decides when the service's own check was passed by all)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.db import db
from app.errors import Conflict
from tests.exchange.test_concurrency import POOL, _in_threads

THREADS = 8


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SQLALCHEMY_ENGINE_OPTIONS": POOL}


def _setup() -> dict:
    from app.accounts import orgnr
    from app.accounts.services import _new_user, add_member
    from app.accounts.services import create_organization as org
    from app.listings.categories import ensure_categories
    from app.listings.services import create_listing

    ensure_categories()
    seller_org = org("Heggedal Bygg AS", "business", orgnr.make(91234561), postcode="1389")
    buyer_org = org("Miljøsofa Asker", "reuse_shop", orgnr.make(93456783))
    seller = _new_user("giver@example.no", "Giver", "correct horse battery")
    buyer = _new_user("mottaker@example.no", "Mottaker", "correct horse battery")
    db.session.flush()
    add_member(seller, seller_org, "owner")
    add_member(buyer, buyer_org, "owner")
    listing = create_listing(seller, seller_org, {
        "title": "Kontorstoler", "category": "office-chair", "condition": "good",
        "quantity": 10, "unit": "pcs", "postcode": "1389"}, publish=True)
    db.session.commit()
    return {"listing_id": listing.id, "buyer_id": buyer.id}


@pytest.mark.parametrize("check", ["service", "index_only"])
def test_parallel_requests_from_one_organisation_let_one_in(committed_app, monkeypatch, check):
    """``index_only``: every thread's first look finds nothing waiting (as when all of them
    look before any commits), so only the database's index can refuse."""
    from app.accounts.models import User
    from app.exchange import services
    from app.exchange.models import Reservation

    world = _setup()
    seen = threading.local()  # per thread: has it looked once in this unit of work?
    if check == "index_only":
        real = services.open_request_of

        def first_look_finds_nothing(listing_id, buyer_org_id):
            if not getattr(seen, "looked", False):
                seen.looked = True
                return None
            return real(listing_id, buyer_org_id)

        monkeypatch.setattr(services, "open_request_of", first_look_finds_nothing)

    def request(i, prepared):
        if prepared == "prepare":
            seen.looked = False  # a retried unit of work (SQLite's 'locked') starts over
            user = db.session.get(User, world["buyer_id"])
            user.memberships  # noqa: B018 - loaded before the race
            return user
        return services.request_reservation(prepared, world["listing_id"], 1).id

    results = _in_threads(committed_app, THREADS, request)
    ids = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(ids) == 1, results
    assert len(refused) == THREADS - 1, results
    assert {c.extra["reservation_id"] for c in refused} == set(ids)
    db.session.rollback()
    rows = db.session.scalars(sa.select(Reservation).where(
        Reservation.listing_id == world["listing_id"])).all()
    assert [(r.id, r.status) for r in rows] == [(ids[0], "requested")]
