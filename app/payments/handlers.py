"""Outbox handlers: apply stored Stripe events; refund and cancel when reservations end.

``app/models.py`` imports this module so the handlers are registered; the payment-method
chooser is plugged into the exchange by the payments blueprint (:mod:`.views`).

Applying a PaymentIntent event never trusts the event's order: the PaymentIntent is
re-fetched from Stripe and its *current* status decides (a ``payment_failed`` that
arrives after ``succeeded`` finds it succeeded and changes nothing). Before anything is
applied, the event's object and the fresh PaymentIntent must both match what we created:
the PaymentIntent id of one of the reservation's attempts, ``metadata.reservation_id``,
the amount in øre and the currency. A mismatch is logged and stored as ``mismatch``.
"""

from __future__ import annotations

import logging

from app import outbox
from app.db import db, utcnow
from app.exchange import CHANGED
from app.exchange import services as exchange
from app.exchange.models import ENDED_STATUSES, PaymentMethod, Reservation
from app.exchange.models import ReservationStatus as S
from app.exchange.notify import notify as tell
from app.payments import EVENT_RECEIVED, gateway, services
from app.payments.connect import apply_account_event
from app.payments.models import AttemptStatus, PaymentAttempt, ProcessedStripeEvent

log = logging.getLogger(__name__)
A = AttemptStatus



def _mismatch(attempt: PaymentAttempt, obj: dict, what: str) -> str | None:
    """Why ``obj`` (a PaymentIntent dict) does not belong to ``attempt``, or None."""
    metadata = obj.get("metadata") or {}
    if obj.get("id") != attempt.payment_intent_id:
        return f"{what}: id {obj.get('id')} is not {attempt.payment_intent_id}"
    if str(metadata.get("reservation_id")) != str(attempt.reservation_id):
        return f"{what}: reservation {metadata.get('reservation_id')} is not " \
               f"{attempt.reservation_id}"
    if obj.get("amount") != attempt.amount_ore:
        return f"{what}: amount {obj.get('amount')} is not {attempt.amount_ore}"
    if str(obj.get("currency") or "").lower() != attempt.currency:
        return f"{what}: currency {obj.get('currency')} is not {attempt.currency}"
    destination = (obj.get("transfer_data") or {}).get("destination")
    if destination != attempt.destination_account_id:
        return f"{what}: destination {destination} is not {attempt.destination_account_id}"
    return None


def _payment_intent_event(event: dict) -> tuple[str, str]:
    obj = event["data"]["object"]
    attempt = services.attempt_for_intent(obj.get("id"))
    if attempt is None:
        return "ignored", f"unknown payment intent {obj.get('id')}"
    reason = _mismatch(attempt, obj, "event")
    if reason is None:
        fresh = gateway.retrieve_payment_intent(attempt.payment_intent_id)
        reason = _mismatch(attempt, fresh, "payment intent")
    if reason is not None:
        log.warning("stripe event %s not applied: %s", event["id"], reason)
        return "mismatch", reason
    reservation = exchange.lock(db.session.get(Reservation, attempt.reservation_id))
    reservation_amount = reservation.amount_ore
    if reservation_amount != attempt.amount_ore:
        log.warning("stripe event %s not applied: reservation amount %s, attempt %s",
                    event["id"], reservation_amount, attempt.amount_ore)
        return "mismatch", f"reservation amount {reservation_amount} is not {attempt.amount_ore}"
    services.sync_attempt(attempt, fresh)
    status = fresh.get("status")
    if status != "succeeded":
        db.session.flush()
        return "applied", f"payment intent is {status}"
    if reservation.paid_at is None:
        exchange.mark_paid(reservation, attempt.payment_intent_id)
        services.cancel_open_attempts(reservation, keep=attempt.payment_intent_id)
        if reservation.status == S.PAID:  # not a late payment of an ended one (refunded)
            tell(reservation, "seller", "payment_received")
        return "applied", f"reservation {reservation.status}"
    if reservation.payment_provider_id == attempt.payment_intent_id:
        return "applied", "already recorded"
    # A second payment for the same reservation: never keep it.
    log.error("reservation %s paid twice (%s and %s): refunding the second", reservation.id,
              reservation.payment_provider_id, attempt.payment_intent_id)
    if attempt.status != A.REFUNDED:
        services.refund_attempt(attempt, reservation)
    return "applied", "duplicate payment refunded"


def _charge_refunded(event: dict) -> tuple[str, str]:
    charge = event["data"]["object"]
    attempt = services.attempt_for_intent(charge.get("payment_intent"))
    if attempt is None:
        return "ignored", f"unknown payment intent {charge.get('payment_intent')}"
    if charge.get("amount") != attempt.amount_ore \
            or str(charge.get("currency") or "").lower() != attempt.currency:
        reason = f"charge {charge.get('amount')} {charge.get('currency')} is not " \
                 f"{attempt.amount_ore} {attempt.currency}"
        log.warning("stripe event %s not applied: %s", event["id"], reason)
        return "mismatch", reason
    if not charge.get("refunded") or (charge.get("amount_refunded") or 0) < attempt.amount_ore:
        log.warning("partial refund of %s (%s of %s øre): left to a person",
                    attempt.payment_intent_id, charge.get("amount_refunded"), attempt.amount_ore)
        return "ignored", "partial refund"
    reservation = exchange.lock(db.session.get(Reservation, attempt.reservation_id))
    services.record_refund(attempt, reservation)
    if reservation.status not in ENDED_STATUSES:
        log.warning("payment %s of open reservation %s was refunded at Stripe",
                    attempt.payment_intent_id, reservation.id)
        return "applied", "refunded at Stripe while the reservation is open"
    return "applied", "refunded"


APPLIERS = {
    "payment_intent.succeeded": _payment_intent_event,
    "payment_intent.payment_failed": _payment_intent_event,
    "payment_intent.canceled": _payment_intent_event,
    "payment_intent.processing": _payment_intent_event,
    "charge.refunded": _charge_refunded,
    "account.updated": apply_account_event,
}


@outbox.handler(EVENT_RECEIVED, name="payments.apply_event")
def apply_event(payload: dict) -> None:
    """Apply one stored event (retried by the outbox when Stripe cannot be reached)."""
    row = db.session.get(ProcessedStripeEvent, payload["id"])
    if row is None or row.processed_at is not None:
        return
    applier = APPLIERS.get(row.type)
    outcome, detail = applier(row.payload) if applier else ("ignored", "not handled")
    row.outcome = outcome
    row.detail = detail[:500]
    row.processed_at = utcnow()
    db.session.flush()


@outbox.handler(CHANGED, name="payments.reservation")
def on_reservation_changed(payload: dict) -> None:
    """A reservation that ended: cancel its open PaymentIntents and refund what was paid.
    A paid one: cancel the other attempts' PaymentIntents."""
    reservation = db.session.get(Reservation, payload["reservation_id"])
    if reservation is None or reservation.payment_method != PaymentMethod.STRIPE:
        return
    if reservation.status in ENDED_STATUSES:
        services.cancel_open_attempts(reservation, keep=None)
        services.refund_if_due(reservation)
    elif reservation.status == S.PAID:
        services.cancel_open_attempts(reservation, keep=reservation.payment_provider_id)
