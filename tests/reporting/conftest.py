"""Fixtures for reporting: organisations of every kind, people with each kind of access,
and a ledger builder that writes hand-overs through the real ledger service
(``ledger.record_handover``) and reversals/corrections through ``ledger.reverse``."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.db import commit, db
from app.exchange import ledger as ledger_service
from app.exchange.models import Reservation, ReuseRecord
from app.listings.models import Category, Listing
from tests.conftest import bearer
from tests.openapi_check import check_response

OSLO = ZoneInfo("Europe/Oslo")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POSTCODES = {"Heggedal": "1389", "Asker sentrum": "1384", "Slemmestad": "3470",
             "Sandvika": "1300", "": "0150"}


class Ledger:
    """Writes ledger rows for tests; ``flush_only`` keeps everything in the caller's
    transaction (hypothesis examples roll back a savepoint)."""

    def __init__(self, orgs: dict, admin, flush_only: bool = False):
        self.orgs, self.admin, self.flush_only = orgs, admin, flush_only
        self._listings: dict = {}
        self._categories = {c.slug: c for c in db.session.scalars(sa.select(Category))}

    def _listing(self, giver, slug: str, district: str, waste_origin: bool, unit: str):
        key = (giver.id, slug, district, waste_origin, unit)
        if key not in self._listings:
            listing = Listing(organization_id=giver.id, title=f"Test {slug}",
                              category_id=self._categories[slug].id, condition="good",
                              quantity=Decimal(1000), quantity_available=Decimal(1000),
                              unit=unit, postcode=POSTCODES.get(district, "1389"),
                              district=district, lat=59.8, lng=10.4, waste_origin=waste_origin,
                              status="published")
            db.session.add(listing)
            db.session.flush()
            self._listings[key] = listing
        return self._listings[key]

    def handover(self, giver="business", receiver="reuse_shop", at: datetime = T0,
                 kg="10.000", category="office-chair", district="Heggedal", weighed=True,
                 waste_origin=False, quantity=1, unit="pcs", price_ore=0) -> ReuseRecord:
        giver, receiver = self.orgs[giver], self.orgs[receiver]
        listing = self._listing(giver, category, district, waste_origin, unit)
        reservation = Reservation(
            listing_id=listing.id, buyer_org_id=receiver.id, seller_org_id=giver.id,
            status="completed", quantity=Decimal(quantity), unit=unit, amount_ore=price_ore,
            unit_price_ore=0, payment_method="at_pickup" if price_ore else None,
            weight_kg=Decimal(kg), weight_method="weighed" if weighed else "estimated",
            completed_at=at)
        db.session.add(reservation)
        db.session.flush()
        record = ledger_service.record_handover(reservation, now=at)
        self._done()
        return record

    def reverse(self, record: ReuseRecord, corrected_kg=None, reason="Feil vekt"):
        reversal, correction = ledger_service.reverse(record, self.admin, reason, corrected_kg)
        self._done()
        return reversal, correction

    def _done(self) -> None:
        if not self.flush_only:
            commit()


@pytest.fixture
def seeded(app):
    from app.exchange.factors import ensure_emission_factors
    from app.listings.categories import ensure_categories

    ensure_categories()
    ensure_emission_factors()
    commit()


class People:
    """Organisations of every kind and a person in each, plus a site admin."""

    def __init__(self, make):
        self.orgs = {kind: make.org(kind, name=f"Test {kind}") for kind in
                     ("business", "reuse_shop", "nonprofit", "municipality")}
        self.orgs["business2"] = make.org("business", name="Nesbru Bygg AS")
        self.member = make.user(self.orgs["business"], "member", name="Bedrift Medlem")
        self.shop = make.user(self.orgs["reuse_shop"], "owner", name="Butikk Eier")
        self.officer = make.user(self.orgs["municipality"], "member", name="Kommune Ansatt")
        self.admin = make.user(None, site_admin=True, name="Nettsted Admin")
        self.outsider = make.user(self.orgs["business2"], "owner", name="Annen Bedrift")
        self.tokens = {name: make.token(getattr(self, name))
                       for name in ("member", "officer", "admin", "outsider")}


@pytest.fixture
def people(make, seeded):
    return People(make)


@pytest.fixture
def ledger(people):
    return Ledger(people.orgs, people.admin)


def oracle(group_by: str | None, side: str = "giver", start=None, end=None) -> dict:
    """The reference: every ledger row read back and summed in Python with zoneinfo."""
    out: dict = defaultdict(lambda: [0, 0, 0, 0])
    for r in db.session.scalars(sa.select(ReuseRecord)):
        local = r.completed_at.astimezone(OSLO)
        if start is not None and not start <= local.date() <= end:
            continue
        key = {None: "total", "eu_category": r.eu_category, "category": r.category_slug,
               "district": r.district, "municipality": r.municipality_number,
               "month": f"{local.year:04d}-{local.month:02d}", "year": f"{local.year:04d}",
               "org_kind": r.receiver_kind if side == "receiver" else r.giver_kind,
               "organization": str(r.receiver_org_id if side == "receiver"
                                   else r.giver_org_id)}[group_by]
        sums = out[key]
        sums[0] += -1 if r.kind == "reversal" else 1
        sums[1] += int(r.quantity * 1000) if r.unit == "pcs" else 0
        sums[2] += int(r.kg * 1000)
        sums[3] += int(r.co2e_kg * 1000)
    return {k: tuple(v) for k, v in out.items() if any(v)}


class Api:
    def __init__(self, client):
        self.client = client

    def get(self, path: str, token: str | None = None, check: bool = True, **kw):
        headers = bearer(token) if token else {}
        response = self.client.get(f"/api/v1{path}", headers=headers, **kw)
        if check:
            check_response(response)
        return response


@pytest.fixture
def api(client):
    return Api(client)
