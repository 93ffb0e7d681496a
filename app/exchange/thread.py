"""The message thread of a reservation and the agreed pickup time."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from app.accounts.models import User
from app.common.messages import clean_body
from app.db import db, utcnow
from app.errors import NotFound, ValidationFailed
from app.exchange.access import emit, lock, side_of, state_conflict
from app.exchange.models import ENDED_STATUSES, HOLDING_STATUSES, Reservation, ReservationMessage
from app.exchange.notify import notify, other_side


def check_pickup(pickup_at: datetime | None, now: datetime) -> datetime | None:
    if pickup_at is None:
        return None
    if pickup_at.tzinfo is None:
        raise ValidationFailed({"pickup_at": [_("Tidspunktet må ha tidssone.")]})
    if pickup_at < now - timedelta(days=1) or pickup_at > now + timedelta(days=366):
        raise ValidationFailed({"pickup_at": [_("Velg et tidspunkt fra i dag og innen ett år.")]})
    return pickup_at


def post_message(reservation: Reservation, user: User, body: str,
                 now: datetime | None = None) -> ReservationMessage:
    """A message from one side to the other (to agree on pickup); notifies the other."""
    now = now or utcnow()
    side = side_of(reservation, user)
    if side is None:
        raise NotFound(_("Reservasjonen finnes ikke."))
    body = clean_body(body)
    if reservation.status in ENDED_STATUSES:
        raise state_conflict(reservation, _("Du kan ikke skrive i tråden fordi reservasjonen "
                                            "er %(status)s."))
    org_id = reservation.seller_org_id if side == "seller" else reservation.buyer_org_id
    message = ReservationMessage(reservation=reservation, author=user, author_org_id=org_id,
                                 body=body, created_at=now)
    db.session.add(message)
    reservation.updated_at = now
    db.session.flush()
    notify(reservation, other_side(side), "reservation_message", author=user.name,
           author_org=message.author_org.name, message=body[:1000])
    return message


def set_pickup(reservation: Reservation, user: User, pickup_at: datetime,
               now: datetime | None = None) -> Reservation:
    """Either side records the agreed pickup time (while the reservation holds): the
    buyer inside the listing's pickup windows, the seller freely; both get a calendar
    invitation (app.pickup.agreement)."""
    from app.pickup import agreement

    now = now or utcnow()
    side = side_of(reservation, user)
    if side is None:
        raise NotFound(_("Reservasjonen finnes ikke."))
    if pickup_at is None:
        raise ValidationFailed({"pickup_at": [_("Velg et tidspunkt.")]})
    pickup_at = check_pickup(pickup_at, now)
    reservation = lock(reservation)
    if reservation.status not in HOLDING_STATUSES:
        raise state_conflict(reservation, _("Hentetidspunktet kan ikke endres fordi "
                                            "reservasjonen er %(status)s."))
    agreement.change(reservation, side, pickup_at, now)
    reservation.updated_at = now
    emit(reservation, "pickup_changed")
    return reservation
