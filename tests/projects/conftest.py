"""A small world for the project pages: a demolition firm that owns a project, a
consultant partner, an outsider, and Asker's municipality (verified, KOMM)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def world(make):
    from app.listings.categories import ensure_categories

    ensure_categories()
    firm = make.org("business", name="Riving AS", postcode="1383")
    consultant = make.org("business", name="Rådgiver AS")
    outsider = make.org("business", name="Annen AS")
    asker = make.org("municipality", name="Asker kommune")
    self_made = make.org("municipality", name="Selvlaget kommune", verified=False)
    people = SimpleNamespace(
        owner=make.user(firm, "owner", email="eier@riving.no"),
        member=make.user(firm, "member", email="medlem@riving.no"),
        consultant=make.user(consultant, "member", email="kari@radgiver.no"),
        outsider=make.user(outsider, "owner", email="ola@annen.no"),
        officer=make.user(asker, "member", email="saksbehandler@asker.kommune.no"),
        fake=make.user(self_made, "owner", email="fake@selvlaget.no"))
    project = make.project(firm, people.owner)
    from app.db import commit
    from app.projects.services import add_partner

    add_partner(project, consultant.orgnr, "consultant")
    commit()
    return SimpleNamespace(firm=firm, consultant_org=consultant, outsider_org=outsider, asker=asker,
                           project=project, **vars(people))


@pytest.fixture
def handed_over(world, make):
    """12 doors (25 kg each) and a rotten floor mapped; the doors published; a reuse shop
    reserves 4 before the access date and both sides confirm the hand-over: 100 kg in
    the ledger. Returns (record, listing, shop)."""
    from app.db import commit
    from app.exchange import handover
    from app.exchange import services as exchange
    from app.projects import publish

    door = make.component(world.project, world.owner)
    make.component(world.project, world.owner, building_part="252", name="Gulvbord",
                   category="flooring", quantity=40, unit="m2", unit_weight_kg=12,
                   suitability="not_suitable", suitability_reason="Råte")
    [listing] = publish.publish_components(world.project, world.owner, [door.id])
    commit()
    shop = make.org("reuse_shop", name="Omigjen")
    buyer = make.user(shop, "member", email="innkjop@omigjen.no")
    reservation = exchange.request_reservation(buyer, listing.id, 4)
    exchange.accept(reservation, world.owner)
    handover.confirm_handover(reservation, world.owner)
    record = handover.confirm_handover(reservation, buyer)
    commit()
    return record, listing, shop
