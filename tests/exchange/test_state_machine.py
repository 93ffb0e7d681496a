"""The reservation state machine through the services: every allowed and refused
transition, quantity accounting, listing status and events, expiry, payment hooks."""

from datetime import timedelta
from decimal import Decimal

import pytest

from app.db import commit, db, rollback
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.exchange import handover, services
from app.exchange.models import Reservation
from app.exchange.models import ReservationStatus as S
from tests.exchange.conftest import T0, snapshot

OPEN = ("requested", "accepted", "awaiting_payment", "paid")


def _state(reservation):
    db.session.expire_all()
    return db.session.get(Reservation, reservation.id).status


def _listing(listing):
    db.session.expire_all()
    db.session.refresh(listing)
    return listing.status, listing.quantity_available


def test_request_accept_holds_quantity_and_emits(make_listing, reserve, seller, buyer, events,
                                                 mailbox):
    listing = make_listing(quantity=5)
    reservation = reserve(listing, 2, message="Kan hente fredag.")
    assert reservation.status == S.REQUESTED and reservation.quantity == 2
    assert _listing(listing) == ("published", 5)  # a request holds nothing
    assert [m.body for m in reservation.messages] == ["Kan hente fredag."]
    assert [m["To"] for m in mailbox.all()] == [seller.user.email]
    assert "Kan hente fredag." in mailbox.all()[0].get_content()
    events.clear()
    services.accept(reservation, seller.user, now=T0)
    commit()
    assert _state(reservation) == "accepted"
    assert _listing(listing) == ("published", 3)
    assert reservation.accepted_at == T0 and reservation.pickup_at == T0 + timedelta(days=3)
    assert reservation.payment_method is None  # a gift
    assert ("listing.changed", {"listing_id": listing.id}) in events
    assert ("reservation.changed", {"reservation_id": reservation.id, "event": "accepted"}) \
        in events
    mail = mailbox.to(buyer.user.email)[-1]  # in the reader's language
    assert mail["Content-Language"] == "en"
    assert mail["Subject"] == "The reservation is accepted: Kontorstoler, svarte"


def test_last_units_reserve_the_listing_and_cancelling_brings_it_back(make_listing, reserve,
                                                                        seller, buyer, events,
                                                                        another_buyer):
    listing = make_listing(quantity=3)
    first = reserve(listing, 2, party=another_buyer())
    second = reserve(listing, 1)
    services.accept(first, seller.user)
    services.accept(second, seller.user)
    commit()
    assert _listing(listing) == ("reserved", 0)
    events.clear()
    services.cancel(second, buyer.user, "Fikk ikke plass i bilen")
    commit()
    assert _state(second) == "cancelled"
    assert _listing(listing) == ("published", 1)
    assert ("listing.changed", {"listing_id": listing.id}) in events
    services.decline(first, seller.user, "Solgt til andre")
    commit()
    assert _listing(listing) == ("published", 3)


def test_a_request_above_what_is_left_and_accepting_beyond_it_are_refused(make_listing,
                                                                          reserve, seller,
                                                                          another_buyer):
    listing = make_listing(quantity=3)
    shop = another_buyer()
    first, second = reserve(listing, 2, party=shop), reserve(listing, 2)  # both fit
    services.accept(first, seller.user)
    commit()
    before = snapshot(listing.id)
    pending = list(db.session.info.get("outbox_ids", []))
    with pytest.raises(Conflict) as info:
        services.accept(second, seller.user)
    # the e-mail and event rows written before the refusal went with the savepoint
    assert db.session.info.get("outbox_ids", []) == pending
    rollback()
    assert info.value.extra["state"] == "requested"
    assert info.value.extra["quantity_available"] == 1
    assert snapshot(listing.id) == before
    with pytest.raises(ValidationFailed) as info:
        reserve(listing, 2)
    assert "quantity" in info.value.errors


@pytest.mark.parametrize("quantity", [0, -1, "0", "abc", "1.5", "1,0001", None])
def test_bad_quantities_are_422_and_change_nothing(make_listing, buyer, quantity):
    listing = make_listing(quantity=5)
    before = snapshot(listing.id)
    with pytest.raises(ValidationFailed) as info:
        services.request_reservation(buyer.user, listing.id, quantity)
    rollback()
    assert list(info.value.errors) == ["quantity"]
    assert snapshot(listing.id) == before


def test_fractional_quantities_for_metres(make_listing, reserve, seller):
    listing = make_listing(category="timber", unit="m", quantity="12.5", unit_weight_kg=2)
    reservation = reserve(listing, "2,5")
    services.accept(reservation, seller.user)
    commit()
    assert _listing(listing)[1] == Decimal("10.000")


def test_own_listing_unpublished_listing_and_strangers(make_listing, seller, buyer, stranger,
                                                       make):
    listing = make_listing()
    with pytest.raises(ValidationFailed) as info:
        services.request_reservation(seller.user, listing.id, 1)
    assert list(info.value.errors) == ["listing_id"]
    # a member of both organisations reserves for the other one by default
    both = make.user(seller.org, "member")
    from app.accounts.services import add_member

    add_member(both, buyer.org, "member")
    commit()
    assert services.request_reservation(both, listing.id, 1).buyer_org_id == buyer.org.id
    with pytest.raises(ValidationFailed) as info:
        services.request_reservation(both, listing.id, 1, organization_id=seller.org.id)
    assert list(info.value.errors) == ["listing_id"]
    with pytest.raises(ValidationFailed) as info:
        services.request_reservation(buyer.user, listing.id, 1, organization_id=stranger.org.id)
    assert list(info.value.errors) == ["organization_id"]
    rollback()
    from app.listings.services import withdraw

    withdrawn = make_listing()
    withdraw(withdrawn)
    commit()
    with pytest.raises(NotFound):  # withdrawn listings are private
        services.request_reservation(buyer.user, withdrawn.id, 1)
    reserved = make_listing(quantity=1)
    reservation = services.request_reservation(buyer.user, reserved.id, 1)
    services.accept(reservation, seller.user)
    commit()
    with pytest.raises(Conflict) as info:
        services.request_reservation(stranger.user, reserved.id, 1)
    assert info.value.extra["state"] == "reserved"


def test_only_the_parties_act_and_the_right_side(make_listing, reserve, seller, buyer,
                                                 stranger):
    reservation = reserve(make_listing())
    for action in (services.accept, services.decline, services.cancel):
        with pytest.raises(NotFound):
            action(reservation, stranger.user)
    with pytest.raises(NotFound):
        services.visible_reservation(reservation.id, stranger.user)
    with pytest.raises(NotFound):
        services.post_message(reservation, stranger.user, "hei")
    with pytest.raises(NotFound):
        handover.confirm_handover(reservation, stranger.user)
    with pytest.raises(PermissionDenied):
        services.accept(reservation, buyer.user)
    with pytest.raises(PermissionDenied):
        services.decline(reservation, buyer.user)
    assert _state(reservation) == "requested"


def _to(state, listing, reserve, seller, buyer, chooser=None):
    """A reservation in ``state`` (through the real transitions)."""
    services.set_payment_method_chooser(chooser)
    reservation = reserve(listing, 1)
    if state == "requested":
        return reservation
    if state in ("declined", "cancelled", "expired"):
        {"declined": lambda: services.decline(reservation, seller.user),
         "cancelled": lambda: services.cancel(reservation, buyer.user),
         "expired": lambda: services.expire(reservation)}[state]()
        commit()
        return reservation
    if state in ("awaiting_payment", "paid"):
        services.set_payment_method_chooser(lambda r: "stripe")
    services.accept(reservation, seller.user)
    commit()
    if state == "paid":
        services.mark_paid(reservation, "pi_123")
        commit()
    if state == "completed":
        handover.confirm_handover(reservation, buyer.user)
        handover.confirm_handover(reservation, seller.user)
        commit()
    return reservation


STATES = ("requested", "accepted", "awaiting_payment", "paid", "completed", "declined",
          "cancelled", "expired")
ACTIONS = {
    "accept": (lambda r, s, b: services.accept(r, s.user), {"requested"}),
    "decline": (lambda r, s, b: services.decline(r, s.user), set(OPEN)),
    "cancel": (lambda r, s, b: services.cancel(r, b.user), set(OPEN)),
    "expire": (lambda r, s, b: services.expire(r), set(OPEN)),
    "mark_paid": (lambda r, s, b: services.mark_paid(r, "pi_new"), {"awaiting_payment"}),
    "confirm": (lambda r, s, b: handover.confirm_handover(r, b.user), {"accepted", "paid"}),
}
RESULT = {"accept": "accepted", "decline": "declined", "cancel": "cancelled",
          "expire": "expired", "mark_paid": "paid", "confirm": None}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_is_allowed_or_refused_with_the_state(state, action, make_listing,
                                                               reserve, seller, buyer):
    listing = make_listing(quantity=5, price_nok=100)
    try:
        reservation = _to(state, listing, reserve, seller, buyer)
        assert _state(reservation) == state
        run, allowed = ACTIONS[action]
        before = snapshot(listing.id)
        if state in allowed:
            services.set_payment_method_chooser(None)  # accepting: payment at pickup
            run(reservation, seller, buyer)
            commit()
            expected = RESULT[action] or state  # one confirmation leaves the state
            assert _state(reservation) == expected
            held = 0 if expected in ("requested", "declined", "cancelled", "expired") else 1
            assert _listing(listing)[1] == 5 - held
        else:
            with pytest.raises(Conflict) as info:
                run(reservation, seller, buyer)
            rollback()
            assert info.value.extra["state"] == state
            assert snapshot(listing.id) == before
    finally:
        services.set_payment_method_chooser(None)


def test_accepting_twice_is_409_and_changes_nothing(make_listing, reserve, seller):
    listing = make_listing()
    reservation = reserve(listing, 2)
    services.accept(reservation, seller.user)
    commit()
    before = snapshot(listing.id)
    with pytest.raises(Conflict) as info:
        services.accept(reservation, seller.user)
    rollback()
    assert info.value.extra["state"] == "accepted"
    assert snapshot(listing.id) == before


def test_priced_reservation_without_stripe_is_paid_at_pickup(make_listing, reserve, seller,
                                                             buyer):
    listing = make_listing(price_nok="150.50")
    reservation = reserve(listing, 3)
    assert reservation.unit_price_ore == 15050 and reservation.amount_ore == 45150
    assert services.payment_status(reservation) == "pending"
    services.accept(reservation, seller.user)
    commit()
    assert reservation.status == "accepted" and reservation.payment_method == "at_pickup"
    assert services.payment_status(reservation) == "due_at_pickup"
    handover.confirm_handover(reservation, buyer.user)
    record = handover.confirm_handover(reservation, seller.user)
    commit()
    assert services.payment_status(reservation) == "paid_at_pickup"
    assert record.payment_method == "at_pickup" and record.price_ore == 45150


def test_online_payment_hook_paid_idempotent_and_late_payment_is_refund_due(
        make_listing, reserve, seller, buyer):
    listing = make_listing(price_nok=100, quantity=5)
    services.set_payment_method_chooser(lambda r: "stripe")
    try:
        reservation = reserve(listing, 1)
        services.accept(reservation, seller.user)
        commit()
        assert reservation.status == "awaiting_payment"
        with pytest.raises(Conflict) as info:
            handover.confirm_handover(reservation, seller.user)
        assert info.value.extra["state"] == "awaiting_payment"
        rollback()
        services.mark_paid(reservation, "pi_1", now=T0)
        services.mark_paid(reservation, "pi_1")  # a repeated webhook changes nothing
        commit()
        assert reservation.status == "paid" and reservation.paid_at == T0
        with pytest.raises(Conflict):
            services.mark_paid(reservation, "pi_other")
        rollback()
        late = reserve(listing, 1)
        services.accept(late, seller.user)
        services.expire(late)
        services.mark_paid(late, "pi_late")
        commit()
        assert late.status == "expired" and services.payment_status(late) == "refund_due"
        services.mark_refunded(late, "re_1")
        services.mark_refunded(late)
        commit()
        assert services.payment_status(late) == "refunded"
        with pytest.raises(Conflict):
            services.mark_refunded(reservation)  # paid and still open: nothing to refund
    finally:
        services.set_payment_method_chooser(None)


def test_expire_due_uses_the_configured_days(app, make_listing, reserve, seller, buyer,
                                             another_buyer):
    app.config["RESERVATION_REQUEST_DAYS"] = 2
    listing = make_listing(quantity=5, price_nok=10)
    old = reserve(listing, 1, now=T0)
    fresh = reserve(listing, 1, now=T0 + timedelta(days=1, hours=12), party=another_buyer())
    services.set_payment_method_chooser(lambda r: "stripe")
    try:
        unpaid = reserve(listing, 2, now=T0, party=another_buyer())
        services.accept(unpaid, seller.user, now=T0)
        commit()
    finally:
        services.set_payment_method_chooser(None)
    assert _listing(listing)[1] == 3
    assert services.expire_due(now=T0 + timedelta(days=2)) == [old.id]
    commit()
    assert services.expire_due(now=T0 + timedelta(days=2)) == []  # idempotent
    expired = services.expire_due(now=T0 + timedelta(days=3, hours=12))
    commit()
    assert set(expired) == {fresh.id, unpaid.id}
    assert {_state(old), _state(fresh), _state(unpaid)} == {"expired"}
    assert _listing(listing) == ("published", 5)


def test_messages_between_the_sides(make_listing, reserve, seller, buyer, stranger, mailbox):
    reservation = reserve(make_listing())
    mailbox.clear()
    message = services.post_message(reservation, seller.user, "  Hent i porten  ")
    commit()
    assert message.body == "Hent i porten" and message.author_org_id == seller.org.id
    [mail] = mailbox.all()
    assert mail["To"] == buyer.user.email and "Hent i porten" in mail.get_content()
    for body in ("", "   ", "x" * 2001):
        with pytest.raises(ValidationFailed):
            services.post_message(reservation, buyer.user, body)
    services.post_message(reservation, buyer.user, "x" * 2000)
    services.cancel(reservation, buyer.user)
    commit()
    with pytest.raises(Conflict) as info:
        services.post_message(reservation, buyer.user, "hallo?")
    assert info.value.extra["state"] == "cancelled"


def test_pickup_time_is_set_on_accept_or_agreed_later(make_listing, reserve, seller, buyer):
    reservation = reserve(make_listing(), now=T0)
    with pytest.raises(ValidationFailed):
        services.accept(reservation, seller.user, pickup_at=T0 - timedelta(days=3), now=T0)
    services.accept(reservation, seller.user, pickup_at=T0 + timedelta(hours=5), now=T0)
    commit()
    assert reservation.pickup_at == T0 + timedelta(hours=5)
    services.set_pickup(reservation, buyer.user, T0 + timedelta(days=1), now=T0)
    commit()
    assert reservation.pickup_at == T0 + timedelta(days=1)
    with pytest.raises(ValidationFailed):
        services.set_pickup(reservation, buyer.user, T0 + timedelta(days=400), now=T0)


def test_a_request_on_a_listing_closed_since_cannot_be_accepted(make_listing, reserve,
                                                                seller):
    # (withdrawing declines the open requests at once: tests/exchange/test_withdraw.py)
    from app.listings.services import close

    listing = make_listing()
    reservation = reserve(listing, 1)
    close(listing)
    commit()
    with pytest.raises(Conflict) as info:
        services.accept(reservation, seller.user)
    rollback()
    assert info.value.extra == {"state": "requested", "listing_status": "closed",
                                "quantity_available": 5}
    assert "avsluttet" in info.value.detail
    services.decline(reservation, seller.user)  # it can still be answered
    commit()
    assert _state(reservation) == "declined"
