"""Fixtures for the exchange: two organisations with people and tokens, published
listings, reservations made through the services, captured e-mail and outbox events."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import outbox
from app.db import commit, db
from tests.conftest import bearer
from tests.openapi_check import check_response

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Oslo


@pytest.fixture(autouse=True)
def _exchange_payment_default(monkeypatch):
    """Tests here start from the exchange's own default (payment at pickup), whatever a
    payments module installed; monkeypatch puts that back afterwards."""
    from app.exchange import payment

    monkeypatch.setattr(payment, "_payment_chooser", None)


class Party:
    def __init__(self, org, user, token):
        self.org, self.user, self.token = org, user, token


@pytest.fixture
def categories(app):
    from app.listings.categories import ensure_categories

    ensure_categories()
    commit()


@pytest.fixture
def seller(make, categories):
    org = make.org("business", name="Heggedal Bygg AS", postcode="1389")
    user = make.user(org, "owner", name="Kari Giver")
    return Party(org, user, make.token(user))


@pytest.fixture
def buyer(make, categories):
    org = make.org("reuse_shop", name="Miljøsofa Asker", postcode="1384")
    user = make.user(org, "member", name="Per Mottaker", locale="en")
    return Party(org, user, make.token(user))


@pytest.fixture
def stranger(make, categories):
    org = make.org("business", name="Nesbru Kontor AS")
    user = make.user(org, "owner", name="Ola Utenfor")
    return Party(org, user, make.token(user))


@pytest.fixture
def another_buyer(make, categories):
    """A new buyer organisation each call (one unanswered request per organisation and
    listing: a second request waiting at the same time comes from someone else)."""
    def create():
        org = make.org("reuse_shop", postcode="1384")
        user = make.user(org, "owner")
        return Party(org, user, make.token(user))
    return create


def listing_data(**overrides) -> dict:
    data = {"title": "Kontorstoler, svarte", "category": "office-chair", "condition": "good",
            "quantity": 5, "unit": "pcs", "price_nok": 0, "postcode": "1389"}
    data.update(overrides)
    return data


@pytest.fixture
def make_listing(seller):
    from app.listings.services import create_listing

    def create(party=None, **overrides):
        party = party or seller
        listing = create_listing(party.user, party.org, listing_data(**overrides), publish=True)
        commit()
        return listing

    return create


@pytest.fixture
def reserve(buyer):
    from app.exchange import services

    def create(listing, quantity=1, party=None, now=None, **kw):
        party = party or buyer
        reservation = services.request_reservation(party.user, listing.id, quantity, now=now,
                                                   **kw)
        commit()
        return reservation

    return create


@pytest.fixture
def accepted(reserve, seller):
    """A reservation of 2 accepted at T0 (pickup T0 + 3 days)."""
    from app.exchange import services

    def create(listing, quantity=2, now=T0, **kw):
        reservation = reserve(listing, quantity, now=now, **kw)
        services.accept(reservation, seller.user, now=now)
        commit()
        return reservation

    return create


@pytest.fixture
def events(monkeypatch):
    """(topic, payload) of every listing.changed and reservation.changed delivered."""
    seen: list[tuple[str, dict]] = []
    for topic in ("listing.changed", "reservation.changed"):
        handlers = dict(outbox._HANDLERS.get(topic, {}))
        handlers[f"test.record.{topic}"] = lambda payload, t=topic: seen.append((t, payload))
        monkeypatch.setitem(outbox._HANDLERS, topic, handlers)
    return seen


class Mailbox:
    """The .eml files the embedded mail setup writes (delivered inline after commit)."""

    def __init__(self, app):
        self.directory = Path(app.config["MAIL_DIR"])

    def all(self) -> list:
        files = sorted(self.directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) \
            if self.directory.exists() else []
        return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]

    def to(self, address: str) -> list:
        return [m for m in self.all() if m["To"] == address]

    def clear(self) -> None:
        for path in self.directory.glob("*.eml") if self.directory.exists() else []:
            path.unlink()


@pytest.fixture
def mailbox(app):
    return Mailbox(app)


class Api:
    """JSON calls through the test client; every response is checked against the document."""

    def __init__(self, client):
        self.client = client

    def call(self, method: str, path: str, token: str | None = None, **kw):
        headers = bearer(token) if token else {}
        response = self.client.open(f"/api/v1{path}", method=method, headers=headers, **kw)
        check_response(response)
        return response

    def get(self, path, token=None, **kw):
        return self.call("GET", path, token, **kw)

    def post(self, path, token=None, **kw):
        return self.call("POST", path, token, **kw)


@pytest.fixture
def api(client):
    return Api(client)


def snapshot(listing_id: int) -> dict:
    """Everything an exchange action may change, to prove that a refused one changed nothing."""
    from app.exchange.models import Reservation, ReservationMessage, ReuseRecord
    from app.listings.models import Listing

    db.session.expire_all()
    listing = db.session.get(Listing, listing_id)
    reservations = db.session.scalars(sa.select(Reservation).where(
        Reservation.listing_id == listing_id).order_by(Reservation.id)).all()
    return {
        "listing": (listing.status, listing.quantity_available),
        "reservations": [(r.id, r.status, r.quantity, r.giver_confirmed_at,
                          r.receiver_confirmed_at, r.weight_kg, r.pickup_at)
                         for r in reservations],
        "records": db.session.scalar(sa.select(sa.func.count(ReuseRecord.id))),
        "messages": db.session.scalar(sa.select(sa.func.count(ReservationMessage.id))),
    }
