"""Agreeing a pickup time: the buyer's proposal inside the windows, the seller's
acceptance, changes and cancellation, each with its calendar invitation read back from
the delivered e-mail and parsed with icalendar (UID stable, SEQUENCE increasing, METHOD,
Oslo times); the reminder the day before, once; the .ics download."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.db import commit, db
from app.errors import ValidationFailed
from app.exchange import services
from app.exchange.models import Reservation
from app.exchange.reminders import send_reminders
from tests.conftest import bearer
from tests.openapi_check import check_response
from tests.pickup.helpers import event, invitations

OSLO = ZoneInfo("Europe/Oslo")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 in Oslo
TUESDAY_NOON = datetime(2026, 3, 3, 12, 0, tzinfo=OSLO)
WEEKDAYS = [{"weekdays": [1, 2, 3, 4, 5], "start": "08:00", "end": "15:00"}]


@pytest.fixture
def windowed(make_listing):
    return make_listing(pickup_windows=WEEKDAYS, address="Industriveien 4")


def test_buyer_must_choose_inside_the_windows(windowed, buyer):
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=OSLO)
    with pytest.raises(ValidationFailed) as refused:
        services.request_reservation(buyer.user, windowed.id, 1, pickup_at=saturday, now=T0)
    assert "man–fre 08:00–15:00" in refused.value.errors["pickup_at"][0]
    with pytest.raises(ValidationFailed):  # in the past
        services.request_reservation(buyer.user, windowed.id, 1,
                                     pickup_at=T0 - timedelta(hours=1), now=T0)
    db.session.rollback()
    from app.exchange.models import Reservation

    assert db.session.query(Reservation).count() == 0


def test_agree_change_cancel_with_invitations(windowed, reserve, seller, buyer, mailbox):
    reservation = reserve(windowed, 2, now=T0, pickup_at=TUESDAY_NOON)
    assert reservation.pickup_agreed_at is None and reservation.pickup_uid
    assert reservation.pickup_end_at == TUESDAY_NOON + timedelta(minutes=30)
    assert invitations(mailbox, buyer.user.email) == []  # a proposal invites nobody

    services.accept(reservation, seller.user, now=T0)  # no other time: the proposal stands
    commit()
    uid = reservation.pickup_uid
    (subject, seller_cal), = invitations(mailbox, seller.user.email)
    (buyer_subject, buyer_cal), = invitations(mailbox, buyer.user.email)
    assert subject.startswith("Hentetid avtalt") and buyer_subject  # (English: later)
    for cal in (seller_cal, buyer_cal):
        assert cal["METHOD"] == "REQUEST"
        vevent = event(cal)
        assert str(vevent["UID"]) == uid and int(vevent["SEQUENCE"]) == 0
        assert vevent["STATUS"] == "CONFIRMED"
        start = vevent["DTSTART"].dt
        assert str(start.tzinfo) == "Europe/Oslo" and start == TUESDAY_NOON
        assert (start.hour, start.minute) == (12, 0)
        assert vevent["DTEND"].dt == TUESDAY_NOON + timedelta(minutes=30)
        assert "Industriveien 4" in str(vevent["LOCATION"])
        assert f"/reservations/{reservation.id}" in str(vevent["DESCRIPTION"])
        assert str(vevent["ORGANIZER"]).startswith("mailto:")
        attendees = {str(a) for a in vevent["ATTENDEE"]}
        assert attendees == {f"mailto:{seller.user.email}", f"mailto:{buyer.user.email}"}
        assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Oslo"

    mailbox.clear()
    later = datetime(2026, 3, 4, 9, 30, tzinfo=OSLO)
    with pytest.raises(ValidationFailed):  # the buyer stays inside the windows
        services.set_pickup(reservation, buyer.user, datetime(2026, 3, 4, 18, 0, tzinfo=OSLO),
                            now=T0)
    db.session.rollback()
    services.set_pickup(reservation, buyer.user, later, now=T0)
    commit()
    for address in (seller.user.email, buyer.user.email):
        (subject, cal), = invitations(mailbox, address)
        vevent = event(cal)
        assert cal["METHOD"] == "REQUEST" and str(vevent["UID"]) == uid
        assert int(vevent["SEQUENCE"]) == 1 and vevent["DTSTART"].dt == later

    mailbox.clear()
    evening = datetime(2026, 3, 4, 19, 0, tzinfo=OSLO)  # the seller may leave the windows
    services.set_pickup(reservation, seller.user, evening, now=T0)
    commit()
    assert int(event(invitations(mailbox, buyer.user.email)[0][1])["SEQUENCE"]) == 2

    mailbox.clear()
    services.cancel(reservation, buyer.user, "Fikk ikke bil", now=T0)
    commit()
    for address in (seller.user.email, buyer.user.email):
        (subject, cal), = invitations(mailbox, address)
        vevent = event(cal)
        assert cal["METHOD"] == "CANCEL" and vevent["STATUS"] == "CANCELLED"
        assert str(vevent["UID"]) == uid and int(vevent["SEQUENCE"]) == 3


def test_no_time_agreed_no_invitation_and_no_cancel(make_listing, reserve, seller, buyer,
                                                    mailbox):
    listing = make_listing()
    reservation = reserve(listing, 1, now=T0)
    services.accept(reservation, seller.user, now=T0)
    commit()
    assert reservation.pickup_at == T0 + timedelta(days=3)
    assert reservation.pickup_agreed_at is None
    services.cancel(reservation, seller.user, now=T0)
    commit()
    assert all(invitations(mailbox, p.user.email) == [] for p in (seller, buyer))


def test_seller_time_at_acceptance_and_decline_after(make_listing, reserve, seller, buyer,
                                                      mailbox):
    listing = make_listing()  # no windows: any time
    reservation = reserve(listing, 1, now=T0)
    sunday = datetime(2026, 3, 8, 20, 0, tzinfo=OSLO)
    services.accept(reservation, seller.user, pickup_at=sunday, now=T0)
    commit()
    (_, cal), = invitations(mailbox, buyer.user.email)
    assert event(cal)["DTSTART"].dt == sunday
    mailbox.clear()
    services.decline(reservation, seller.user, now=T0)
    commit()
    (_, cal), = invitations(mailbox, buyer.user.email)
    assert cal["METHOD"] == "CANCEL" and int(event(cal)["SEQUENCE"]) == 1


def test_reminder_the_day_before_exactly_once(windowed, reserve, seller, buyer, mailbox):
    reservation = reserve(windowed, 1, now=T0, pickup_at=TUESDAY_NOON)
    services.accept(reservation, seller.user, now=T0)
    commit()
    mailbox.clear()

    def reminders():
        return [m for m in mailbox.all() if m["Subject"].startswith(("I morgen", "Tomorrow"))]

    sunday = datetime(2026, 3, 1, 22, 0, tzinfo=OSLO)
    assert send_reminders(now=sunday).pickups == []  # two days before: not yet
    monday_evening = datetime(2026, 3, 2, 22, 0, tzinfo=OSLO)  # the Oslo day before
    assert send_reminders(now=monday_evening).pickups == [reservation.id]
    commit()
    sent = reminders()
    assert len(sent) == 2 and {m["To"] for m in sent} == {seller.user.email, buyer.user.email}
    assert "Industriveien 4" in sent[0].get_body().get_content()
    assert send_reminders(now=monday_evening + timedelta(hours=1)).pickups == []
    commit()
    assert len(reminders()) == 2  # never twice

    services.set_pickup(reservation, seller.user, datetime(2026, 3, 4, 10, 0, tzinfo=OSLO),
                        now=monday_evening)
    commit()
    assert send_reminders(now=monday_evening + timedelta(minutes=90)).pickups == []  # Wed.
    tuesday_evening = datetime(2026, 3, 3, 21, 0, tzinfo=OSLO)
    assert send_reminders(now=tuesday_evening).pickups == [reservation.id]  # the new time
    commit()
    assert len(reminders()) == 4


def test_calendar_download_for_the_two_sides(client, auth, windowed, reserve, seller, buyer,
                                             stranger):
    reservation = reserve(windowed, 1, now=T0, pickup_at=TUESDAY_NOON)
    auth.login(buyer.user.email)
    proposal = client.get(f"/reservations/{reservation.id}/pickup.ics")
    assert proposal.status_code == 200 and proposal.mimetype == "text/calendar"
    from icalendar import Calendar

    tentative = Calendar.from_ical(proposal.get_data(as_text=True))
    assert event(tentative)["STATUS"] == "TENTATIVE"
    services.accept(reservation, seller.user, now=T0)
    commit()
    agreed = Calendar.from_ical(client.get(f"/reservations/{reservation.id}/pickup.ics")
                                .get_data(as_text=True))
    assert event(agreed)["STATUS"] == "CONFIRMED"
    assert str(event(agreed)["UID"]) == reservation.pickup_uid
    page = client.get(f"/reservations/{reservation.id}").get_data(as_text=True)
    assert f"/reservations/{reservation.id}/pickup.ics" in page
    auth.logout()
    auth.login(stranger.user.email)
    assert client.get(f"/reservations/{reservation.id}/pickup.ics").status_code == 404


def test_api_reserve_with_a_time_and_the_answer(client, windowed, buyer, seller):
    monday = datetime.now(OSLO).date() + timedelta(days=7 - datetime.now(OSLO).weekday())
    good = datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=OSLO)
    bad = client.post("/api/v1/reservations", headers=bearer(buyer.token), json={
        "listing_id": windowed.id, "quantity": 1,
        "pickup_at": good.replace(hour=16).isoformat()})
    check_response(bad)
    assert bad.status_code == 422 and "pickup_at" in bad.get_json()["errors"]
    made = client.post("/api/v1/reservations", headers=bearer(buyer.token), json={
        "listing_id": windowed.id, "quantity": 1, "pickup_at": good.isoformat()})
    check_response(made)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["pickup_agreed_at"] is None and body["pickup_calendar_url"]
    accepted = client.post(f"/api/v1/reservations/{body['id']}/accept",
                           headers=bearer(seller.token), json={})
    check_response(accepted)
    assert accepted.get_json()["pickup_agreed_at"] is not None
    assert datetime.fromisoformat(accepted.get_json()["pickup_at"]) == good


def test_reserve_page_proposes_a_time(client, auth, windowed, buyer):
    auth.login(buyer.user.email)
    page = client.get(f"/listings/{windowed.id}").get_data(as_text=True)
    assert "08:00–15:00" in page and 'name="pickup_date"' in page, page[page.find("<main"):][:3000]
    token = auth.csrf(f"/listings/{windowed.id}")
    monday = datetime.now(OSLO).date() + timedelta(days=7 - datetime.now(OSLO).weekday())
    refused = client.post(f"/listings/{windowed.id}/reserve", data={
        "csrf_token": token, "quantity": "1", "organization_id": str(buyer.org.id),
        "pickup_date": monday.isoformat(), "pickup_time": "17:00"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422  # the buyer reads English
    assert "Choose a time within the pickup times" in html
    assert 'value="17:00"' in html
    made = client.post(f"/listings/{windowed.id}/reserve", data={
        "csrf_token": token, "quantity": "1", "organization_id": str(buyer.org.id),
        "pickup_date": monday.isoformat(), "pickup_time": "09:00"})
    assert made.status_code == 302
    detail = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "suggests pickup" in detail


def test_data_step_gives_existing_pickup_times_a_uid(make_listing, reserve, seller):
    from app.pickup.agreement import upgrade_data

    listing = make_listing()
    with_time = reserve(listing, 1, now=T0)
    services.accept(with_time, seller.user, now=T0)
    without = reserve(listing, 1, now=T0)
    commit()
    db.session.execute(sa.update(Reservation).values(pickup_uid=None))  # as before
    assert upgrade_data(db.session.connection()) == 1
    db.session.expire_all()
    assert with_time.pickup_uid.endswith("@kretslop.no") and without.pickup_uid is None
    assert upgrade_data(db.session.connection()) == 0  # idempotent
