"""notify(): an in-app entry for every call, e-mail as each person chose per kind (at once,
daily digest, only in the app), calendar invitations, the digest once a day. E-mail is
the real outbox delivery to MAIL_DIR (.eml files, parsed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import notifications
from app.db import commit, db, utcnow
from app.exchange import services
from app.exchange.notify import context
from app.notifications.digest import send_digests
from app.notifications.models import Notification, NotificationChoice

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
       "BEGIN:VEVENT\r\nUID:pickup-1@kretslop.test\r\nSEQUENCE:0\r\n"
       "DTSTART:20260305T090000Z\r\nDTEND:20260305T100000Z\r\nSUMMARY:Henting\r\n"
       "END:VEVENT\r\nEND:VCALENDAR\r\n")


def entries(user) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id).order_by(Notification.id)))


def test_a_request_is_listed_and_mailed_at_once_by_default(make_listing, reserve, seller,
                                                           buyer, mailbox):
    listing = make_listing(title="Kontorstoler Håg")
    reservation = reserve(listing, 2, message="Kan vi hente fredag?")
    [entry] = entries(seller.user)
    assert (entry.kind, entry.path) == ("reservation_requested",
                                        f"/reservations/{reservation.id}")
    assert entry.read_at is None and entry.emailed_at is not None
    assert notifications.line(entry) == "Miljøsofa Asker ber om å reservere «Kontorstoler Håg»"
    [mail] = mailbox.to(seller.user.email)
    assert mail["Subject"] == "Ny forespørsel om reservasjon: Kontorstoler Håg"
    assert f"/reservations/{reservation.id}" in mailbox.body(mail)
    assert entries(buyer.user) == []  # the one who asked is not told about it


def test_only_in_the_app_lists_it_and_mails_nothing(make_listing, reserve, seller, mailbox):
    notifications.set_choices(seller.user, {"reservation_requested": "off"})
    commit()
    reserve(make_listing())
    [entry] = entries(seller.user)
    assert entry.kind == "reservation_requested" and entry.emailed_at is not None
    assert mailbox.to(seller.user.email) == []
    assert send_digests() == 0  # nothing waits for a digest either


def test_the_digest_collects_every_daily_kind_once_a_day(make_listing, reserve, seller,
                                                         buyer, mailbox):
    notifications.set_choices(seller.user, {"reservation_requested": "daily",
                                            "reservation_message": "daily"})
    commit()
    reservation = reserve(make_listing(title="Gipsplater"))
    services.post_message(reservation, buyer.user, "Har dere tralle?")
    commit()
    assert mailbox.to(seller.user.email) == []
    assert [e.kind for e in entries(seller.user)] == ["reservation_requested",
                                                      "reservation_message"]
    assert all(e.emailed_at is None for e in entries(seller.user))
    assert send_digests() == 1
    commit()
    [digest] = mailbox.to(seller.user.email)
    assert digest["Subject"] == "Dagens varsler fra Kretsløp: 2 nye"
    body = mailbox.body(digest)
    assert "Miljøsofa Asker ber om å reservere «Gipsplater»" in body
    assert "Ny melding fra Per Mottaker om «Gipsplater»" in body
    assert f"http://kretslop.test/reservations/{reservation.id}" in body
    assert all(e.emailed_at is not None for e in entries(seller.user))
    # Later the same day: the new entry waits for tomorrow's digest.
    services.post_message(reservation, buyer.user, "Eller lørdag?")
    commit()
    assert send_digests() == 0
    tomorrow = utcnow() + timedelta(days=1)
    assert send_digests(now=tomorrow) == 1
    commit()
    assert len(mailbox.to(seller.user.email)) == 2
    assert "Eller" not in mailbox.body(mailbox.to(seller.user.email)[-1])  # a line, no body
    assert send_digests(now=tomorrow) == 0


def test_the_digest_is_in_the_readers_language(make_listing, reserve, seller, buyer,
                                               mailbox):
    notifications.set_choices(buyer.user, {"reservation_accepted": "daily"})
    commit()
    reservation = reserve(make_listing(title="Dører"))
    services.accept(reservation, seller.user)
    commit()
    assert mailbox.to(buyer.user.email) == []
    assert send_digests() == 1
    commit()
    [digest] = mailbox.to(buyer.user.email)
    assert digest["Content-Language"] == "en"
    body = mailbox.body(digest)
    assert f"/reservations/{reservation.id}" in body and "/inbox/settings" in body


@pytest.mark.parametrize(("mode", "mailed"), [("immediate", True), ("daily", True),
                                              ("off", False)])
def test_a_calendar_invitation_goes_at_once_unless_only_in_the_app(
        make_listing, accepted, buyer, mailbox, mode, mailed):
    reservation = accepted(make_listing())
    before = len(mailbox.to(buyer.user.email))
    notifications.set_choices(buyer.user, {"reservation_accepted": mode})
    notifications.notify(buyer.user, "reservation_accepted",
                         path=f"/reservations/{reservation.id}",
                         params={"listing_title": "Kontorstoler, svarte",
                                 "seller_org": "Heggedal Bygg AS"},
                         mail=("reservation_accepted", context(reservation, "en")),
                         attachments=[{"filename": "hentetid.ics",
                                       "content_type": "text/calendar; method=REQUEST",
                                       "content": ICS}])
    commit()
    got = mailbox.to(buyer.user.email)[before:]
    assert len(got) == (1 if mailed else 0)
    if mailed:
        [part] = [p for p in got[0].iter_attachments()]
        assert part.get_content_type() == "text/calendar"
        assert part.get_param("method") == "REQUEST"
        assert "UID:pickup-1@kretslop.test" in part.get_content()
    assert entries(buyer.user)[-1].emailed_at is not None  # never in a digest
    assert send_digests() == 0


def test_choices_refuse_unknown_kinds_and_modes_and_change_nothing(seller):
    with pytest.raises(ValueError):
        notifications.set_choices(seller.user, {"no_such_kind": "off"})
    with pytest.raises(ValueError):
        notifications.set_choices(seller.user, {"reservation_requested": "hourly"})
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationChoice)) == 0
    assert notifications.mode_for(seller.user.id, "reservation_requested") == "immediate"
    assert notifications.choices_for(seller.user.id)["match_for_request"] == "immediate"


def test_turning_a_kind_off_drops_what_waited_for_the_digest(make_listing, reserve, seller,
                                                             mailbox):
    notifications.set_choices(seller.user, {"reservation_requested": "daily"})
    commit()
    reserve(make_listing())
    notifications.set_choices(seller.user, {"reservation_requested": "off"})
    commit()
    assert send_digests() == 0 and mailbox.to(seller.user.email) == []
    assert len(entries(seller.user)) == 1  # still listed in the app


def test_an_unregistered_kind_is_still_listed(seller, caplog):
    entry = notifications.notify(seller.user, "not_registered_yet", path="/x",
                                 params={"a": 1})
    commit()
    assert entry.id and notifications.line(entry) == "Varsel"
    assert "not registered" in caplog.text
