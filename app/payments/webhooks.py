"""``POST /stripe/webhook`` and ``POST /stripe/connect-webhook``: verify, store, hand over.

The request does only the fast, safe part: verify ``Stripe-Signature`` (HMAC-SHA256 with
the endpoint's secret, signed at most 300 s before or after now), store the event id
(unique: a repeat answers 200 and changes nothing) and write an outbox row in the same
transaction. The outbox handler (:mod:`.handlers`) applies it after the commit. A bad
body, a bad, stale or future signature, or an endpoint without a secret answers 400 and
stores nothing. The endpoints are exempt from CSRF: the signature is the protection.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from app import outbox
from app.db import db
from app.errors import problem
from app.payments import EVENT_RECEIVED, gateway
from app.payments.models import ProcessedStripeEvent

log = logging.getLogger(__name__)
bp = Blueprint("stripe_webhooks", __name__)

#: The event types each endpoint acts on; other verified events are stored as "ignored".
HANDLED = {
    "platform": frozenset({"payment_intent.succeeded", "payment_intent.payment_failed",
                           "payment_intent.canceled", "payment_intent.processing",
                           "charge.refunded"}),
    "connect": frozenset({"account.updated"}),
}
MAX_BODY = 512 * 1024


@bp.record_once
def _exempt_from_csrf(state) -> None:
    from app.extensions import csrf

    csrf.exempt(bp)


def receive(endpoint: str, secret_name: str):
    secret = current_app.config.get(secret_name)
    if not secret:
        return problem(400, "Webhook not configured", f"{secret_name} is not set.")
    if (request.content_length or 0) > MAX_BODY:
        return problem(400, "Bad webhook", "The body is too large.")
    payload = request.get_data(cache=False)
    try:
        event = gateway.verify_event(payload, request.headers.get("Stripe-Signature"), secret)
    except gateway.BadSignature as exc:
        log.warning("stripe %s webhook refused: %s", endpoint, exc)
        return problem(400, "Bad webhook", "The signature, timestamp or body is not valid.")
    event_id = event["id"]
    known = db.session.scalar(sa.select(ProcessedStripeEvent.id).where(
        ProcessedStripeEvent.event_id == event_id))
    if known is not None:
        return jsonify(received=True, duplicate=True)
    obj = event["data"]["object"]
    row = ProcessedStripeEvent(
        event_id=event_id, type=event["type"], endpoint=endpoint,
        account=event.get("account") if isinstance(event.get("account"), str) else None,
        object_id=str(obj.get("id") or "")[:255], event_created=int(event.get("created") or 0),
        payload=event)
    handled = event["type"] in HANDLED[endpoint]
    if not handled:
        row.outcome = "ignored"
        row.detail = "event type not handled here"
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # the same event delivered twice at the same moment
        return jsonify(received=True, duplicate=True)
    if handled:
        outbox.emit(EVENT_RECEIVED, id=row.id)
    return jsonify(received=True, duplicate=False)


@bp.post("/stripe/webhook")
def platform_webhook():
    return receive("platform", "STRIPE_WEBHOOK_SECRET")


@bp.post("/stripe/connect-webhook")
def connect_webhook():
    return receive("connect", "STRIPE_CONNECT_WEBHOOK_SECRET")
