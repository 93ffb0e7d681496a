"""Every reservation e-mail is a notification: requested, accepted, declined, cancelled,
expired, listing withdrawn, message, the other side confirmed, completed, reminder; each
listed for the right person with its line and path, and e-mailed (default: at once)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app import notifications
from app.db import commit, db
from app.exchange import handover, services
from app.exchange.reminders import send_reminders
from app.listings import services as listing_services
from app.notifications.models import Notification
from tests.exchange.conftest import T0


def told(user) -> list[tuple[str, str, str]]:
    rows = db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id))
    return [(n.kind, n.path, notifications.line(n)) for n in rows]


def test_accepted_message_confirmed_and_completed(make_listing, reserve, seller, buyer,
                                                  mailbox):
    listing = make_listing(title="Kontorstoler Håg")
    reservation = reserve(listing, 2, now=T0)
    path = f"/reservations/{reservation.id}"
    services.accept(reservation, seller.user, now=T0)
    services.post_message(reservation, seller.user, "Velkommen fredag", now=T0)
    handover.confirm_handover(reservation, buyer.user, now=T0 + timedelta(days=3))
    handover.confirm_handover(reservation, seller.user, now=T0 + timedelta(days=3))
    commit()
    assert told(buyer.user) == [
        ("reservation_accepted", path,
         "Heggedal Bygg AS har godtatt reservasjonen av «Kontorstoler Håg»"),
        ("reservation_message", path, "Ny melding fra Kari Giver om «Kontorstoler Håg»"),
        ("reservation_completed", path, "Overleveringen av «Kontorstoler Håg» er registrert"),
    ]
    assert told(seller.user) == [
        ("reservation_requested", path,
         "Miljøsofa Asker ber om å reservere «Kontorstoler Håg»"),
        ("handover_confirmed", path,
         "Miljøsofa Asker har bekreftet overleveringen av «Kontorstoler Håg»"),
        ("reservation_completed", path, "Overleveringen av «Kontorstoler Håg» er registrert"),
    ]
    def subjects(party):
        return [" ".join(m["Subject"].split()) for m in mailbox.to(party.user.email)]

    assert sorted(subjects(seller)) == sorted([
        "Ny forespørsel om reservasjon: Kontorstoler Håg",
        "Den andre parten har bekreftet overleveringen: Kontorstoler Håg",
        "Overleveringen er registrert: Kontorstoler Håg",
    ])
    # The receiver reads English: three mails, in English.
    assert len(subjects(buyer)) == 3
    assert {m["Content-Language"] for m in mailbox.to(buyer.user.email)} == {"en"}
    assert "Kontorstoler Håg" in " ".join(subjects(buyer))


def test_declined_cancelled_expired_and_withdrawn(make_listing, reserve, accepted, seller,
                                                  buyer):
    listing = make_listing(title="Dører", quantity=10)
    declined = reserve(listing, 1)
    services.decline(declined, seller.user, "Allerede lovet bort")
    cancelled = accepted(listing, 1)
    services.cancel(cancelled, buyer.user, "Fant noe annet")
    expired = reserve(listing, 1)
    services.expire(expired)
    waiting = reserve(listing, 1)
    listing_services.withdraw(listing)
    commit()
    buyer_kinds = [(kind, path) for kind, path, _line in told(buyer.user)]
    assert ("reservation_declined", f"/reservations/{declined.id}") in buyer_kinds
    assert ("reservation_accepted", f"/reservations/{cancelled.id}") in buyer_kinds
    assert ("reservation_expired", f"/reservations/{expired.id}") in buyer_kinds
    assert ("reservation_listing_withdrawn", f"/reservations/{waiting.id}") in buyer_kinds
    seller_lines = [line for _k, _p, line in told(seller.user)]
    assert "Miljøsofa Asker har avbrutt reservasjonen av «Dører»" in seller_lines
    assert "Reservasjonen av «Dører» er utløpt" in seller_lines
    assert "Annonsen «Dører» er trukket tilbake; forespørselen er avslått" in \
        [line for _k, _p, line in told(buyer.user)]


def test_a_reminder_is_a_notification_too(make_listing, accepted, seller, buyer):
    reservation = accepted(make_listing(title="Gipsplater"))
    send_reminders(now=T0 + timedelta(days=4))
    commit()
    for party in (seller, buyer):
        assert ("handover_reminder", f"/reservations/{reservation.id}",
                "Påminnelse: bekreft overleveringen av «Gipsplater»") in told(party.user)
