"""Payment hooks: the payments module plugs in here.

* :func:`set_payment_method_chooser` - asked when a priced reservation is accepted;
  "stripe" sends it to ``awaiting_payment``, "at_pickup" (the default, no Stripe) to
  ``accepted`` with payment recorded at the hand-over;
* :func:`mark_paid` / :func:`mark_refunded` - record what the provider reports;
* :func:`payment_status` - derived from the stored facts, for pages and the API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import gettext as _

from app.db import utcnow
from app.exchange.access import emit, lock, state_conflict
from app.exchange.models import ENDED_STATUSES, PaymentMethod, Reservation
from app.exchange.models import ReservationStatus as S

_payment_chooser: Callable[[Reservation], str] | None = None


def set_payment_method_chooser(chooser: Callable[[Reservation], str] | None) -> None:
    """Payments plug in here: ``chooser(reservation)`` returns "stripe" or "at_pickup"
    for a priced reservation being accepted. Without one (no Stripe): "at_pickup"."""
    global _payment_chooser
    _payment_chooser = chooser


def payment_method_for(reservation: Reservation) -> str | None:
    if reservation.amount_ore == 0:
        return None
    method = _payment_chooser(reservation) if _payment_chooser else PaymentMethod.AT_PICKUP
    return PaymentMethod(method).value


def payment_status(reservation: Reservation) -> str:
    """not_required | pending | due_at_pickup | paid_at_pickup | paid | refund_due |
    refunded | void (derived from the stored facts)."""
    if reservation.amount_ore == 0:
        return "not_required"
    if reservation.paid_at is not None:
        if reservation.refunded_at is not None:
            return "refunded"
        return "refund_due" if reservation.status in ENDED_STATUSES else "paid"
    if reservation.status in ENDED_STATUSES:
        return "void"
    if reservation.payment_method == PaymentMethod.AT_PICKUP:
        return "paid_at_pickup" if reservation.status == S.COMPLETED else "due_at_pickup"
    return "pending"


def mark_paid(reservation: Reservation, provider_id: str,
              now: datetime | None = None) -> Reservation:
    """Record an online payment: awaiting_payment -> paid. Idempotent for the same
    ``provider_id`` (webhooks repeat). A payment arriving after the reservation ended is
    recorded too (payment status ``refund_due``) so that it gets refunded."""
    now = now or utcnow()
    reservation = lock(reservation)
    if reservation.paid_at is not None:
        if reservation.payment_provider_id == provider_id:
            return reservation
        raise state_conflict(reservation, _("Reservasjonen er allerede betalt."))
    if reservation.status == S.AWAITING_PAYMENT:
        reservation.status = S.PAID.value
    elif reservation.status not in ENDED_STATUSES or reservation.payment_method is None:
        raise state_conflict(reservation, _("Reservasjonen venter ikke på betaling (den er "
                                            "%(status)s)."))
    reservation.paid_at = now
    reservation.payment_provider_id = provider_id
    emit(reservation, "paid")
    return reservation


def mark_refunded(reservation: Reservation, provider_id: str | None = None,
                  now: datetime | None = None) -> Reservation:
    """Record that a payment of an ended reservation was refunded (idempotent)."""
    reservation = lock(reservation)
    if reservation.refunded_at is not None:
        return reservation
    if reservation.paid_at is None or reservation.status not in ENDED_STATUSES:
        raise state_conflict(reservation, _("Det er ingen betaling å tilbakebetale (den er "
                                            "%(status)s)."))
    reservation.refunded_at = now or utcnow()
    if provider_id:
        reservation.payment_provider_id = provider_id
    emit(reservation, "refunded")
    return reservation
