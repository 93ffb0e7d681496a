"""Hand-over: who confirms, weights, completion, reminders and the giver-alone rule
(explicit times, no sleeping)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.db import commit, db, rollback
from app.errors import Conflict, ValidationFailed
from app.exchange import handover, services
from app.exchange.models import Reservation, ReuseRecord
from app.exchange.reminders import send_reminders
from tests.exchange.conftest import T0, snapshot

PICKUP = T0 + timedelta(days=3)  # the default pickup of a reservation accepted at T0
DAY = timedelta(days=1)


def _fresh(reservation):
    db.session.expire_all()
    return db.session.get(Reservation, reservation.id)


def _records():
    return db.session.scalars(sa.select(ReuseRecord).order_by(ReuseRecord.id)).all()


def test_receiver_then_giver_completes_with_the_estimate(make_listing, accepted, seller, buyer,
                                                         mailbox):
    listing = make_listing(quantity=5)  # office chairs: 15 kg each (category estimate)
    reservation = accepted(listing, 2)
    t1, t2 = T0 + timedelta(days=2), T0 + timedelta(days=2, hours=1)
    assert handover.confirm_handover(reservation, buyer.user, now=t1) is None
    commit()
    assert _fresh(reservation).status == "accepted"
    assert reservation.receiver_confirmed_at == t1
    assert reservation.receiver_confirmed_by_id == buyer.user.id
    mailbox.clear()
    record = handover.confirm_handover(reservation, seller.user, now=t2)
    commit()
    reservation = _fresh(reservation)
    assert reservation.status == "completed" and reservation.completed_at == t2
    assert reservation.completion_basis == "both"
    assert reservation.giver_confirmed_at == t2
    assert reservation.giver_confirmed_by_id == seller.user.id
    assert (record.kg, record.weight_method) == (Decimal("30.000"), "estimated")
    assert _records() == [record]
    assert sorted(m["To"] for m in mailbox.all()) == sorted([seller.user.email,
                                                             buyer.user.email])


def test_giver_then_receiver_completes_with_the_weighed_weight(make_listing, accepted, seller,
                                                               buyer):
    reservation = accepted(make_listing(quantity=5), 2)
    assert handover.confirm_handover(reservation, seller.user, "27,5", now=T0) is None
    commit()
    assert _fresh(reservation).status == "accepted"  # the giver alone: not yet
    record = handover.confirm_handover(reservation, buyer.user, now=T0 + DAY)
    commit()
    assert (record.kg, record.weight_method) == (Decimal("27.500"), "weighed")
    assert record.completed_at == T0 + DAY
    assert _fresh(reservation).completion_basis == "both"


@pytest.mark.parametrize("weight, message", [
    (-1, "større enn 0"), (0, "større enn 0"), ("0,000", "større enn 0"),
    ("1501", "50 ganger"),  # estimate 30 kg: over 50 x
    ("0.5", "femtiendedel"),  # under 30/50 = 0.6
    ("tung", "tall"), ("1.0005", "desimaler"),
])
def test_bad_weights_are_refused_and_change_nothing(make_listing, accepted, seller, weight,
                                                    message):
    listing = make_listing(quantity=5)
    reservation = accepted(listing, 2)
    before = snapshot(listing.id)
    with pytest.raises(ValidationFailed) as info:
        handover.confirm_handover(reservation, seller.user, weight)
    rollback()
    assert list(info.value.errors) == ["weight_kg"]
    assert message in info.value.errors["weight_kg"][0]
    assert snapshot(listing.id) == before


def test_weights_at_the_plausibility_limits_are_accepted(make_listing, accepted, seller, buyer):
    low = accepted(make_listing(quantity=5), 2)
    handover.confirm_handover(low, buyer.user)
    # 2 office chairs: 1/20 to 20 times 15 kg each (app.listings.weights), inside the
    # 1/50-50x check against the 30 kg estimate
    assert handover.confirm_handover(low, seller.user, "1.5").kg == Decimal("1.500")
    high = accepted(make_listing(quantity=5), 2)
    handover.confirm_handover(high, buyer.user)
    assert handover.confirm_handover(high, seller.user, 600).kg == Decimal("600.000")


def test_only_the_giver_gives_a_weight_and_nobody_confirms_twice(make_listing, accepted,
                                                                 seller, buyer):
    listing = make_listing(quantity=5)
    reservation = accepted(listing, 2)
    with pytest.raises(ValidationFailed) as info:
        handover.confirm_handover(reservation, buyer.user, 30)
    assert list(info.value.errors) == ["weight_kg"]
    handover.confirm_handover(reservation, seller.user)
    commit()
    before = snapshot(listing.id)
    with pytest.raises(Conflict) as info:
        handover.confirm_handover(reservation, seller.user, 31)
    rollback()
    assert info.value.extra["state"] == "accepted"
    assert snapshot(listing.id) == before


def test_handover_before_acceptance_is_409(make_listing, reserve, seller, buyer):
    listing = make_listing()
    reservation = reserve(listing, 1)
    before = snapshot(listing.id)
    for user in (seller.user, buyer.user):
        with pytest.raises(Conflict) as info:
            handover.confirm_handover(reservation, user)
        rollback()
        assert info.value.extra["state"] == "requested"
    assert snapshot(listing.id) == before


def test_completing_everything_closes_the_listing(make_listing, accepted, seller, buyer):
    listing = make_listing(quantity=3)
    first, second = accepted(listing, 2), accepted(listing, 1)
    for reservation in (first, second):
        handover.confirm_handover(reservation, buyer.user)
    handover.confirm_handover(first, seller.user)
    commit()
    db.session.refresh(listing)
    assert listing.status == "reserved"  # the second still holds one
    handover.confirm_handover(second, seller.user)
    commit()
    db.session.refresh(listing)
    assert (listing.status, listing.quantity_available) == ("closed", 0)


def test_a_partial_handover_leaves_the_listing_published(make_listing, accepted, seller, buyer):
    listing = make_listing(quantity=5)
    reservation = accepted(listing, 2)
    handover.confirm_handover(reservation, buyer.user)
    handover.confirm_handover(reservation, seller.user)
    commit()
    db.session.refresh(listing)
    assert (listing.status, listing.quantity_available) == ("published", 3)


# --- reminders and the giver-alone rule ---------------------------------------------------


def test_no_reminder_before_the_pickup_time(make_listing, accepted, mailbox):
    accepted(make_listing())
    mailbox.clear()
    assert send_reminders(now=PICKUP - timedelta(minutes=1)).reminded == []
    commit()
    assert mailbox.all() == []


def test_reminders_once_a_day_to_the_sides_that_have_not_confirmed(make_listing, accepted,
                                                                    seller, buyer, mailbox):
    reservation = accepted(make_listing())
    mailbox.clear()
    run = send_reminders(now=PICKUP + timedelta(hours=1))
    commit()
    assert run.reminded == [reservation.id]
    assert sorted(m["To"] for m in mailbox.all()) == sorted([seller.user.email,
                                                             buyer.user.email])
    assert _fresh(reservation).reminders_sent == 1
    # again the same (Oslo) day: nothing
    assert send_reminders(now=PICKUP + timedelta(hours=10)).reminded == []
    commit()
    assert len(mailbox.all()) == 2
    # the buyer confirms; the next day only the giver is reminded
    handover.confirm_handover(reservation, buyer.user, now=PICKUP + timedelta(hours=12))
    commit()
    mailbox.clear()
    assert send_reminders(now=PICKUP + DAY).reminded == [reservation.id]
    commit()
    assert [m["To"] for m in mailbox.all()] == [seller.user.email]
    assert _fresh(reservation).reminders_sent == 2


def test_the_day_is_the_oslo_day(make_listing, accepted):
    reservation = accepted(make_listing())
    evening = T0.replace(hour=22, minute=30) + timedelta(days=3)  # 23:30 in Oslo
    after_midnight = evening + timedelta(hours=1)  # 00:30 the next day in Oslo
    assert send_reminders(now=evening).reminded == [reservation.id]
    assert send_reminders(now=after_midnight).reminded == [reservation.id]
    commit()
    assert _fresh(reservation).reminders_sent == 2


def test_giver_alone_completes_after_the_configured_reminders(app, make_listing, accepted,
                                                              seller, buyer):
    app.config["HANDOVER_REMINDERS_BEFORE_AUTO"] = 3
    listing = make_listing(quantity=5)
    reservation = accepted(listing, 2)
    handover.confirm_handover(reservation, seller.user, now=PICKUP - timedelta(hours=1))
    commit()
    for day in range(3):  # three reminders to the receiver, on three days
        run = send_reminders(now=PICKUP + day * DAY)
        commit()
        assert run.reminded == [reservation.id] and run.completed == []
        assert _fresh(reservation).status == "accepted"
    assert _fresh(reservation).reminders_sent == 3
    when = PICKUP + 3 * DAY
    run = send_reminders(now=when)
    commit()
    assert run.completed == [reservation.id] and run.reminded == []
    reservation = _fresh(reservation)
    assert reservation.status == "completed" and reservation.completion_basis == "giver_alone"
    assert reservation.completed_at == when and reservation.receiver_confirmed_at is None
    [record] = _records()
    assert record.completed_at == when and record.reservation_id == reservation.id
    assert send_reminders(now=when + DAY).completed == []  # done is done


def test_after_the_reminders_the_givers_confirmation_completes_at_once(app, make_listing,
                                                                       accepted, seller):
    app.config["HANDOVER_REMINDERS_BEFORE_AUTO"] = 2
    reservation = accepted(make_listing())
    send_reminders(now=PICKUP)
    commit()
    assert handover.confirm_handover(reservation, seller.user, now=PICKUP + DAY / 2) is None
    rollback()
    send_reminders(now=PICKUP + DAY)
    commit()
    record = handover.confirm_handover(reservation, seller.user, now=PICKUP + 2 * DAY)
    commit()
    assert record is not None and _fresh(reservation).completion_basis == "giver_alone"


def test_setting_zero_lets_the_giver_confirm_alone_at_once(app, make_listing, accepted,
                                                           seller):
    app.config["HANDOVER_REMINDERS_BEFORE_AUTO"] = 0
    reservation = accepted(make_listing())
    assert handover.confirm_handover(reservation, seller.user) is not None
    commit()
    assert _fresh(reservation).status == "completed"


def test_reminders_stop_after_the_maximum(app, make_listing, accepted, mailbox):
    app.config["HANDOVER_REMINDERS_MAX"] = 4
    reservation = accepted(make_listing())
    for day in range(6):
        send_reminders(now=PICKUP + day * DAY)
        commit()
    reservation = _fresh(reservation)
    assert reservation.reminders_sent == 4 and reservation.status == "accepted"


def test_reminders_skip_reservations_that_are_not_handover_ready(make_listing, reserve,
                                                                 accepted, buyer,
                                                                 another_buyer):
    listing = make_listing(quantity=5)
    reserve(listing, 1, now=T0, party=another_buyer())  # requested: nothing to hand over
    cancelled = accepted(listing, 1)
    services.cancel(cancelled, buyer.user)
    commit()
    assert send_reminders(now=PICKUP + DAY).reminded == []


@pytest.mark.parametrize(("locale", "quantity"), [("nb", "2,5"), ("en", "2.5")])
def test_mail_quantities_follow_the_readers_language(make_listing, reserve, locale,
                                                     quantity):
    """The mails' quantities were always written with a decimal comma (English readers
    got "2,5")."""
    from app.exchange.notify import context

    listing = make_listing(title="Gipsplater", category="boards", quantity=10,
                           unit="m2")
    reservation = reserve(listing, quantity=Decimal("2.5"))
    assert context(reservation, locale)["quantity"].startswith(quantity + " ")
