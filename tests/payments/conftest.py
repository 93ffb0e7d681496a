"""Fixtures for payments: Stripe configured (keys, webhook secrets), the organisation that
runs the platform, a seller with a ready connected account, a buyer, priced listings and
reservations awaiting payment; localstripe and the recording HTTP client."""

from __future__ import annotations

import pytest

from app.accounts import orgnr
from app.db import commit
from tests.payments.stripe_doubles import LocalStripe, RecordingHTTPClient, stripe_settings

OPERATOR_ORGNR = orgnr.make(94402865)
UNREACHABLE = "http://127.0.0.1:9"  # nothing listens: an unplanned Stripe call fails fast


class Party:
    def __init__(self, org, user, token):
        self.org, self.user, self.token = org, user, token


@pytest.fixture
def app_config(app_config):
    return {**app_config, **stripe_settings(UNREACHABLE),
            "PLATFORM_OPERATOR_ORGNR": OPERATOR_ORGNR, "PLATFORM_FEE_PERCENT": 0}


@pytest.fixture(scope="session")
def stripe_server(tmp_path_factory):
    server = LocalStripe(tmp_path_factory.mktemp("localstripe"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ls(app, stripe_server):
    """localstripe behind the app's gateway (for the test's own app)."""
    app.config["STRIPE_API_BASE"] = stripe_server.url
    return stripe_server


@pytest.fixture
def recorder(app):
    from app.payments import gateway

    double = RecordingHTTPClient()
    gateway.set_http_client(app, double)
    yield double
    gateway.set_http_client(app, None)


def build_world(make):
    """The parties, made through the services (works for ``app`` and ``committed_app``)."""
    from app.listings.categories import ensure_categories
    from app.payments.models import ConnectedAccount

    ensure_categories()
    commit()
    kommune = make.org("municipality", name="Asker kommune", orgnr=OPERATOR_ORGNR)
    kommune_user = make.user(kommune, "admin", name="Aisha Kommune")
    shop = make.org("business", name="Heggedal Bygg AS")
    shop_user = make.user(shop, "owner", name="Kari Giver")
    from app.db import db

    db.session.add(ConnectedAccount(organization_id=shop.id, stripe_account_id="acct_heggedal",
                                    charges_enabled=True, payouts_enabled=True,
                                    details_submitted=True, requirements={}))
    plain = make.org("business", name="Nesbru Kontor AS")
    plain_user = make.user(plain, "owner", name="Ola Uten Stripe")
    buyer = make.org("reuse_shop", name="Miljøsofa Asker")
    buyer_user = make.user(buyer, "member", name="Per Mottaker")
    stranger = make.org("business", name="Slemmestad Sag AS")
    stranger_user = make.user(stranger, "owner", name="Siri Utenfor")
    commit()
    return {
        "operator": Party(kommune, kommune_user, make.token(kommune_user)),
        "connected": Party(shop, shop_user, make.token(shop_user)),
        "plain": Party(plain, plain_user, make.token(plain_user)),
        "buyer": Party(buyer, buyer_user, make.token(buyer_user)),
        "stranger": Party(stranger, stranger_user, make.token(stranger_user)),
    }


@pytest.fixture
def world(make):
    return build_world(make)


def make_listing(party, price_nok, quantity=10, **overrides):
    from app.listings.services import create_listing

    data = {"title": "Innerdører, hvite", "category": "door", "condition": "good",
            "quantity": quantity, "unit": "pcs", "price_nok": price_nok, "postcode": "1389"}
    data.update(overrides)
    listing = create_listing(party.user, party.org, data, publish=True)
    commit()
    return listing


def reserve(buyer, listing, quantity=1):
    from app.exchange import services

    reservation = services.request_reservation(buyer.user, listing.id, quantity)
    commit()
    return reservation


def accept(seller, reservation):
    from app.exchange import services

    services.accept(reservation, seller.user)
    commit()
    return reservation


@pytest.fixture
def awaiting(world):
    """A reservation awaiting online payment: 2 x kr 75 from ``seller`` (default: the
    platform operator, paid directly)."""

    def create(seller="operator", price_nok=75, quantity=2):
        party = world[seller]
        listing = make_listing(party, price_nok)
        reservation = accept(party, reserve(world["buyer"], listing, quantity))
        assert reservation.status == "awaiting_payment", reservation.status
        return reservation

    return create
