"""Withdrawing a listing declines the requests still waiting for an answer (reason
"listing_withdrawn", the buyer is told by e-mail) in the same transaction, through the
service, the API and the page; accepted and paid reservations stay as they are."""

import pytest

from app.db import commit, db, rollback
from app.errors import Conflict
from app.exchange import services
from app.exchange.models import Reservation
from app.listings import services as listings
from app.listings.models import Listing
from tests.exchange.conftest import T0, snapshot


def _reservation(reservation):
    db.session.expire_all()
    return db.session.get(Reservation, reservation.id)


def _listing(listing_id):
    db.session.expire_all()
    listing = db.session.get(Listing, listing_id)
    return listing.status, listing.quantity_available


def _withdrawn_mail(mailbox, party):
    return [m for m in mailbox.to(party.user.email)
            if m["Subject"].startswith("The listing has been withdrawn")]


def test_withdrawing_declines_open_requests_and_tells_the_buyers(
        make_listing, reserve, accepted, seller, buyer, stranger, mailbox, events):
    listing = make_listing(quantity=5)
    held = accepted(listing, 2)
    waiting = reserve(listing, 1)
    other = reserve(listing, 2, party=stranger)
    assert _listing(listing.id) == ("published", 3)
    mailbox.clear()
    events.clear()

    listings.withdraw(listing, now=T0)
    commit()

    assert _listing(listing.id) == ("withdrawn", 3)  # requests held nothing, nothing moves
    for request in (waiting, other):
        row = _reservation(request)
        assert row.status == "declined" and row.end_reason == "listing_withdrawn"
        assert row.ended_at == T0 and row.ended_by_id is None
        assert ("reservation.changed", {"reservation_id": request.id, "event": "declined"}) \
            in events
    assert _reservation(held).status == "accepted"  # the lister still owes the hand-over
    assert ("listing.changed", {"listing_id": listing.id}) in events
    # each buyer is told once, in their language; the lister who withdrew is not
    mail, = _withdrawn_mail(mailbox, buyer)
    assert mail["Subject"] == "The listing has been withdrawn: Kontorstoler, svarte"
    body = mail.get_content()
    assert "Heggedal Bygg AS has withdrawn the listing" in body
    assert f"/reservations/{waiting.id}" in body
    norwegian, = mailbox.to(stranger.user.email)
    assert norwegian["Subject"] == "Annonsen er trukket tilbake: Kontorstoler, svarte"
    assert "har trukket tilbake annonsen" in norwegian.get_content()
    assert mailbox.to(seller.user.email) == []


def test_paid_and_awaiting_payment_reservations_stay_and_are_not_refunded(
        make_listing, reserve, seller, buyer, mailbox, another_buyer):
    listing = make_listing(price_nok=100, quantity=5)
    services.set_payment_method_chooser(lambda r: "stripe")
    try:
        paid, awaiting = reserve(listing, 1), reserve(listing, 1, party=another_buyer())
        services.accept(paid, seller.user)
        services.accept(awaiting, seller.user)
        commit()
        services.mark_paid(paid, "pi_1", now=T0)
        commit()
        waiting = reserve(listing, 1)
        listings.withdraw(listing)
        commit()
    finally:
        services.set_payment_method_chooser(None)
    assert _reservation(paid).status == "paid"
    assert services.payment_status(_reservation(paid)) == "paid"
    assert _reservation(paid).refunded_at is None
    assert _reservation(awaiting).status == "awaiting_payment"
    assert _reservation(waiting).status == "declined"
    assert services.payment_status(_reservation(waiting)) == "void"
    assert _listing(listing.id) == ("withdrawn", 3)


def test_the_api_withdrawal_declines_requests(api, make_listing, reserve, seller, buyer,
                                              mailbox):
    listing = make_listing(quantity=5)
    waiting = reserve(listing, 2)
    mailbox.clear()
    response = api.post(f"/listings/{listing.id}/withdraw", seller.token)
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    assert _listing(listing.id) == ("withdrawn", 5)
    seen = api.get(f"/reservations/{waiting.id}", buyer.token).get_json()
    assert seen["status"] == "declined" and seen["end_reason"] == "listing_withdrawn"
    assert seen["ended_at"] is not None
    assert len(_withdrawn_mail(mailbox, buyer)) == 1
    # nothing is left for the lister to answer
    again = api.post(f"/reservations/{waiting.id}/accept", seller.token)
    assert again.status_code == 409 and again.get_json()["state"] == "declined"


def test_the_page_withdrawal_declines_requests(client, auth, make_listing, reserve, seller,
                                               buyer, mailbox):
    listing = make_listing(quantity=5)
    waiting = reserve(listing, 2)
    mailbox.clear()
    assert auth.login(seller.user.email).status_code == 302
    page = f"/listings/{listing.id}"
    response = client.post(f"{page}/withdraw", data={"csrf_token": auth.csrf(page)})
    assert response.status_code == 302
    assert _listing(listing.id) == ("withdrawn", 5)
    row = _reservation(waiting)
    assert row.status == "declined" and row.end_reason == "listing_withdrawn"
    assert len(_withdrawn_mail(mailbox, buyer)) == 1
    # the buyer's page says why, in words
    auth.logout()
    assert auth.login(buyer.user.email).status_code == 302
    html = client.get(f"/reservations/{waiting.id}").get_data(as_text=True)
    assert "the listing was withdrawn" in html and "listing_withdrawn" not in html


def test_a_refused_withdrawal_changes_no_request(make_listing, reserve, accepted,
                                                another_buyer):
    listing = make_listing(quantity=3)
    waiting = reserve(listing, 1, party=another_buyer())
    accepted(listing, 3)  # the last units: the listing is reserved
    before = snapshot(listing.id)
    with pytest.raises(Conflict):
        listings.withdraw(listing)
    rollback()
    assert snapshot(listing.id) == before
    assert _reservation(waiting).status == "requested"
