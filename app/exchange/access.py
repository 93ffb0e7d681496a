"""Who may see and act on a reservation, settings, row locks and events (shared by the
reservation, payment and hand-over services; re-exported by ``services``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import outbox
from app.accounts.models import User
from app.db import db
from app.errors import Conflict, NotFound, PermissionDenied
from app.exchange import CHANGED
from app.exchange.models import Reservation
from app.exchange.models import ReservationStatus as S

MESSAGE_MAX = 2000
REASON_MAX = 500
DEFAULTS = {
    "RESERVATION_REQUEST_DAYS": 7,       # an unanswered request expires after this
    "RESERVATION_PAYMENT_DAYS": 3,       # an unpaid online payment expires after this
    "PICKUP_DEFAULT_DAYS": 3,            # pickup_at = accepted_at + this, unless agreed
    "HANDOVER_REMINDERS_BEFORE_AUTO": 3,  # then the giver's confirmation stands alone
    "HANDOVER_REMINDERS_MAX": 5,         # no more reminders after this many
}
STATUS_LABELS = {
    S.REQUESTED: _l("forespurt"), S.ACCEPTED: _l("godtatt"),
    S.AWAITING_PAYMENT: _l("venter på betaling"), S.PAID: _l("betalt"),
    S.COMPLETED: _l("overlevert"), S.DECLINED: _l("avslått"), S.CANCELLED: _l("avbrutt"),
    S.EXPIRED: _l("utløpt"),
}


def setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


# --- who may see and act ----------------------------------------------------------------


def side_of(reservation: Reservation, user: User | None) -> str | None:
    """"seller" (the giver), "buyer" (the receiver) or None. Someone in both is the seller."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.has_role(reservation.seller_org_id):
        return "seller"
    if user.has_role(reservation.buyer_org_id):
        return "buyer"
    return None


def visible_reservation(reservation_id: int, user: User | None) -> Reservation:
    """The reservation if ``user`` is on one of its sides; NotFound for anyone else."""
    reservation = db.session.get(Reservation, reservation_id)
    if reservation is None or side_of(reservation, user) is None:
        raise NotFound(_("Reservasjonen finnes ikke."))
    return reservation


def require_side(reservation: Reservation, user: User, side: str, message: str) -> None:
    actual = side_of(reservation, user)
    if actual is None:
        raise NotFound(_("Reservasjonen finnes ikke."))
    if actual != side:
        raise PermissionDenied(message)


def state_conflict(reservation: Reservation, message: str, **extra: Any) -> Conflict:
    label = STATUS_LABELS.get(S(reservation.status), reservation.status)
    return Conflict(message % {"status": label}, state=reservation.status, **extra)


def lock(reservation: Reservation) -> Reservation:
    """Re-read the reservation with a row lock (PostgreSQL; a no-op on SQLite)."""
    db.session.flush()
    return db.session.scalars(
        sa.select(Reservation).where(Reservation.id == reservation.id).with_for_update()
        .execution_options(populate_existing=True)).one()


def emit(reservation: Reservation, event: str) -> None:
    db.session.flush()
    outbox.emit(CHANGED, reservation_id=reservation.id, event=event)
