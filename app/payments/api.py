"""``POST /api/v1/reservations/{id}/payment``: the buyer's PaymentIntent for this attempt.

Answers the ``client_secret`` that Stripe.js confirms the card payment with. Calling it
again returns the same PaymentIntent while it can still be paid; after a declined
attempt it creates the next one. The reservation becomes ``paid`` only through the
webhook. 404 for anyone not on the reservation, 403 for the seller, 409 for a free
reservation, one paid at pickup or one not awaiting payment, 503 when Stripe is down.
"""

from __future__ import annotations

from flask import current_app, jsonify
from flask_login import current_user

from app.api import bp
from app.api.helpers import login_required
from app.api.openapi import component, operation, path_id
from app.exchange import services as exchange
from app.exchange.serialize import nok
from app.payments import services

component("PaymentSession", {
    "type": "object",
    "required": ["reservation_id", "payment_intent_id", "client_secret", "status", "attempt",
                 "amount_nok", "currency", "publishable_key"],
    "properties": {
        "reservation_id": {"type": "integer"},
        "payment_intent_id": {"type": "string"},
        "client_secret": {"type": ["string", "null"],
                          "description": "For Stripe.js confirmCardPayment; keep it private."},
        "status": {"type": "string", "description": "Stripe's PaymentIntent status."},
        "attempt": {"type": "integer", "minimum": 1},
        "amount_nok": {"type": "number"},
        "currency": {"type": "string", "enum": ["nok"]},
        "publishable_key": {"type": ["string", "null"]},
    },
})


@bp.post("/reservations/<int:reservation_id>/payment")
@login_required
def start_payment(reservation_id: int):
    reservation = exchange.visible_reservation(reservation_id, current_user)
    session = services.start_payment(reservation, current_user)
    attempt = session.attempt
    response = jsonify({
        "reservation_id": reservation.id,
        "payment_intent_id": attempt.payment_intent_id,
        "client_secret": session.client_secret,
        "status": session.intent_status,
        "attempt": attempt.attempt,
        "amount_nok": nok(attempt.amount_ore),
        "currency": attempt.currency,
        "publishable_key": current_app.config.get("STRIPE_PUBLISHABLE_KEY"),
    })
    response.headers["Cache-Control"] = "no-store"
    return response


operation("/reservations/{reservation_id}/payment", "post",
          "Start or continue the buyer's card payment (Stripe PaymentIntent)",
          params=[path_id("reservation_id")], responses={200: "PaymentSession"},
          errors=(403, 404, 409, 503), tags=("reservations",))
