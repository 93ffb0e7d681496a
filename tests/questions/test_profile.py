"""The public organisation profile: what it shows, its figures against the ledger rows,
moderation (hidden listings, rejected and suspended organisations)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from app.db import commit, db, utcnow
from app.exchange import handover, services
from app.exchange.models import ReuseRecord


def _complete(listing, party, seller, kg, quantity=1):
    reservation = services.request_reservation(party.user, listing.id, quantity)
    services.accept(reservation, seller.user)
    handover.confirm_handover(reservation, party.user)
    handover.confirm_handover(reservation, seller.user, weight_kg=kg)
    commit()
    return reservation


def _ledger_kg(column, org_id) -> Decimal:
    """Net kg of the ledger rows on one side between verified organisations (reversals
    are negative rows)."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(ReuseRecord.kg), 0))
                             .where(column == org_id, ReuseRecord.giver_verified.is_(True),
                                    ReuseRecord.receiver_verified.is_(True)))


def test_profile_shows_the_organisation_and_its_open_things(client, make_listing, seller,
                                                            buyer):
    open_listing = make_listing(title="Kontorpulter i eik")
    hidden = make_listing(title="Skjult annonse")
    hidden.hidden_at, hidden.hidden_reason = utcnow(), "test"
    commit()
    html = client.get(f"/organizations/{seller.org.id}/profile").get_data(as_text=True)
    assert seller.org.name in html and "Verifisert" in html
    assert "Kontorpulter i eik" in html and "Skjult annonse" not in html
    assert f"/listings/{open_listing.id}" in html
    assert "Medlem siden" in html and "Heggedal" in html  # postcode 1389
    listing_page = client.get(f"/listings/{open_listing.id}").get_data(as_text=True)
    assert f'href="/organizations/{seller.org.id}/profile"' in listing_page
    assert client.get("/organizations/999999/profile").status_code == 404


def test_profile_figures_equal_the_ledger(client, make_listing, seller, buyer, another_buyer,
                                          make):
    listing = make_listing(quantity=10)
    _complete(listing, buyer, seller, 12)
    second = _complete(listing, another_buyer(), seller, Decimal("7.5"))
    # a reversal nets the second hand-over out
    from app.exchange import ledger

    record = ledger.record_for_reservation(second.id)
    ledger.reverse(record, seller.user, "Feil vekt")
    commit()
    # an unverified receiver: not counted (as in the municipal figures)
    self_made = make.org("reuse_shop", name="Uverifisert", verified=False)
    unverified = make.user(self_made, "owner")
    from tests.exchange.conftest import Party

    _complete(listing, Party(self_made, unverified, None), seller, 30)
    given = _ledger_kg(ReuseRecord.giver_org_id, seller.org.id)
    received = _ledger_kg(ReuseRecord.receiver_org_id, buyer.org.id)
    assert (given, received) == (Decimal(12), Decimal(12))
    from app.accounts.profile import figures

    assert figures(seller.org.id)["giver"].kg == given
    assert figures(seller.org.id)["giver"].records == 1  # two hand-overs, one reversed
    assert figures(buyer.org.id)["receiver"].kg == received
    html = client.get(f"/organizations/{seller.org.id}/profile").get_data(as_text=True)
    figures_html = html[html.index('id="profile-figures"'):]
    assert "12,0\u00a0kg" in figures_html and "1 overlevering" in figures_html


def test_rejected_and_suspended_organisations_are_404_for_the_public(app, client, seller,
                                                                     make):
    from tests.conftest import Auth

    admin = make.user(None, site_admin=True)
    for state in ("rejected", "suspended"):
        seller.org.verification_state = state
        commit()
        assert client.get(f"/organizations/{seller.org.id}/profile").status_code == 404
        # its own members (who cannot log in while it is suspended) and site admins see it
        for person in (seller.user, admin) if state == "rejected" else (admin,):
            own = app.test_client()
            assert Auth(own).login(person.email).status_code == 302
            page = own.get(f"/organizations/{seller.org.id}/profile")
            assert page.status_code == 200, (state, person.email)
            assert "Profilen vises ikke for andre" in page.get_data(as_text=True)
    seller.org.verification_state = "unverified"
    commit()
    html = client.get(f"/organizations/{seller.org.id}/profile").get_data(as_text=True)
    assert "Ikke verifisert" in html
