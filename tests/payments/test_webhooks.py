"""The platform webhook against localstripe: PaymentIntents paid or declined at localstripe,
events signed in the test with stripe-python's signature code and posted to the app.
Bad, stale, duplicate, out-of-order and wrong-amount events never double-fulfil."""

import json
import time

import pytest
import sqlalchemy as sa

from app.db import commit, db
from app.exchange import services as exchange
from app.exchange.models import Reservation
from app.outbox import OutboxEvent
from app.payments import EVENT_RECEIVED, handlers
from app.payments.models import PaymentAttempt, ProcessedStripeEvent
from tests.conftest import bearer
from tests.payments.stripe_doubles import WEBHOOK_SECRET, event, post_event, signed


def start(client, world, reservation) -> str:
    response = client.post(f"/api/v1/reservations/{reservation.id}/payment",
                           headers=bearer(world["buyer"].token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["payment_intent_id"]


def fresh(reservation_id) -> Reservation:
    db.session.expire_all()
    return db.session.get(Reservation, reservation_id)


def stored(event_id=None):
    db.session.expire_all()
    query = sa.select(ProcessedStripeEvent)
    if event_id:
        query = query.where(ProcessedStripeEvent.event_id == event_id)
    return db.session.scalars(query).all()


def paid_emits(reservation_id) -> int:
    rows = db.session.scalars(sa.select(OutboxEvent).where(
        OutboxEvent.topic == "reservation.changed",
        OutboxEvent.handler == "payments.reservation")).all()
    return sum(1 for r in rows if r.payload == {"reservation_id": reservation_id,
                                                 "event": "paid"})


@pytest.fixture
def paid_at_stripe(client, ls, world, awaiting):
    """A reservation whose PaymentIntent succeeded at localstripe (no webhook yet)."""
    reservation = awaiting()
    intent_id = start(client, world, reservation)
    assert ls.pay(intent_id).status_code == 200
    return reservation, intent_id


@pytest.mark.parametrize("case", ["no_header", "wrong_secret", "tampered", "stale", "not_json",
                                  "not_an_event", "unconfigured"])
def test_bad_webhooks_are_400_and_store_nothing(app, client, ls, paid_at_stripe, case):
    reservation, intent_id = paid_at_stripe
    body = json.dumps(event("payment_intent.succeeded", ls.intent(intent_id)))
    header = signed(body)
    if case == "no_header":
        header = None
    elif case == "wrong_secret":
        header = signed(body, "whsec_someone_else")
    elif case == "tampered":
        body = body.replace('"amount": 15000', '"amount": 1')
    elif case == "stale":
        header = signed(body, timestamp=int(time.time()) - 301)
    elif case == "not_json":
        body = "this is not json"
        header = signed(body)
    elif case == "not_an_event":
        body = json.dumps({"hello": "world"})
        header = signed(body)
    elif case == "unconfigured":
        app.config["STRIPE_WEBHOOK_SECRET"] = None
    headers = {"Stripe-Signature": header} if header else {}
    response = client.post("/stripe/webhook", data=body, content_type="application/json",
                           headers=headers)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert stored() == []
    assert fresh(reservation.id).status == "awaiting_payment"


def test_succeeded_pays_once_and_a_repeat_changes_nothing(client, ls, paid_at_stripe):
    reservation, intent_id = paid_at_stripe
    body = event("payment_intent.succeeded", ls.intent(intent_id))
    first = post_event(client, body)
    assert first.status_code == 200 and first.get_json() == {"received": True,
                                                              "duplicate": False}
    paid = fresh(reservation.id)
    assert (paid.status, paid.payment_provider_id) == ("paid", intent_id)
    paid_at = paid.paid_at
    [row] = stored(body["id"])
    assert (row.outcome, row.type, row.object_id) == ("applied", body["type"], intent_id)
    again = post_event(client, body)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    # The same news under another event id: applied, but "already recorded".
    other = post_event(client, event("payment_intent.succeeded", ls.intent(intent_id)))
    assert other.get_json()["duplicate"] is False
    assert fresh(reservation.id).paid_at == paid_at
    assert paid_emits(reservation.id) == 1
    assert len(stored()) == 2
    assert db.session.scalar(sa.select(sa.func.count(OutboxEvent.id)).where(
        OutboxEvent.topic == EVENT_RECEIVED)) == 2
    attempt = db.session.scalar(sa.select(PaymentAttempt))
    assert (attempt.status, attempt.intent_status) == ("succeeded", "succeeded")


def test_a_replayed_event_with_an_old_timestamp_is_refused(client, ls, paid_at_stripe):
    reservation, intent_id = paid_at_stripe
    body = event("payment_intent.succeeded", ls.intent(intent_id))
    assert post_event(client, body, timestamp=int(time.time()) - 3600).status_code == 400
    assert fresh(reservation.id).status == "awaiting_payment" and stored() == []


def test_out_of_order_a_late_failure_does_not_undo_the_payment(client, ls, paid_at_stripe):
    reservation, intent_id = paid_at_stripe
    old_view = ls.intent(intent_id) | {"status": "requires_payment_method",
                                       "last_payment_error": {"message": "declined"}}
    post_event(client, event("payment_intent.succeeded", ls.intent(intent_id)))
    response = post_event(client, event("payment_intent.payment_failed", old_view,
                                        created=int(time.time()) - 60))
    assert response.status_code == 200
    assert fresh(reservation.id).status == "paid"
    attempt = db.session.scalar(sa.select(PaymentAttempt))
    assert attempt.status == "succeeded"


def test_out_of_order_the_event_says_succeeded_but_stripe_does_not(client, ls, world,
                                                                   awaiting):
    reservation = awaiting()
    intent_id = start(client, world, reservation)
    claimed = ls.intent(intent_id) | {"status": "succeeded"}  # not confirmed at Stripe yet
    post_event(client, event("payment_intent.succeeded", claimed))
    assert fresh(reservation.id).status == "awaiting_payment"
    [row] = stored()
    assert row.detail == "payment intent is requires_payment_method"


@pytest.mark.parametrize(("field", "value"), [("amount", 14999), ("currency", "sek"),
                                              ("metadata", {"reservation_id": "999999"}),
                                              ("id", "pi_unknown")])
def test_an_event_that_does_not_match_is_logged_and_not_applied(client, ls, paid_at_stripe,
                                                                 monkeypatch, field, value):
    logged = []  # (alembic's fileConfig may disable loggers: record the calls themselves)
    monkeypatch.setattr(handlers.log, "warning", lambda msg, *args: logged.append(msg % args))
    reservation, intent_id = paid_at_stripe
    body = event("payment_intent.succeeded", ls.intent(intent_id) | {field: value})
    assert post_event(client, body).status_code == 200
    assert fresh(reservation.id).status == "awaiting_payment"
    [row] = stored()
    assert row.outcome == ("ignored" if field == "id" else "mismatch")
    if field != "id":
        assert logged == [f"stripe event {body['id']} not applied: {row.detail}"]
        assert {"amount": "amount 14999", "currency": "currency sek",
                "metadata": "reservation 999999"}[field] in row.detail


def test_paid_a_different_amount_at_stripe_is_not_applied(client, ls, world, awaiting):
    reservation = awaiting()
    intent_id = start(client, world, reservation)
    changed = ls._api("POST", f"/v1/payment_intents/{intent_id}", {"amount": "100"})
    assert changed.status_code == 200
    assert ls.pay(intent_id).status_code == 200
    honest = ls.intent(intent_id)
    assert int(honest["amount"]) == 100  # localstripe keeps the updated value as text
    post_event(client, event("payment_intent.succeeded", honest))
    post_event(client, event("payment_intent.succeeded", honest | {"amount": 15000}))
    assert fresh(reservation.id).status == "awaiting_payment"
    assert [r.outcome for r in stored()] == ["mismatch", "mismatch"]


def test_declined_card_then_a_new_attempt_pays(client, ls, recorder, world, awaiting):
    reservation = awaiting()
    first = start(client, world, reservation)
    declined = ls.pay(first, "pm_card_chargeCustomerFail")
    assert declined.status_code == 402
    post_event(client, event("payment_intent.payment_failed", ls.intent(first)))
    assert fresh(reservation.id).status == "awaiting_payment"
    attempt = db.session.scalar(sa.select(PaymentAttempt))
    assert (attempt.status, attempt.last_error) == ("failed", "Your card was declined.")
    page = client.get(f"/reservations/{reservation.id}")  # not logged in: login redirect
    assert page.status_code == 302
    second = start(client, world, reservation)
    assert second != first
    assert ls.intent(first)["status"] == "canceled"  # the failed one can never be charged
    keys = [c.idempotency_key for c in recorder.find("POST", "/v1/payment_intents")]
    assert keys == [f"reservation-{reservation.id}-payment-1",
                    f"reservation-{reservation.id}-payment-2"]
    assert ls.pay(second).status_code == 200
    post_event(client, event("payment_intent.succeeded", ls.intent(second)))
    paid = fresh(reservation.id)
    assert (paid.status, paid.payment_provider_id) == ("paid", second)


def test_cancel_after_payment_refunds_at_stripe(client, ls, recorder, world, paid_at_stripe):
    reservation, intent_id = paid_at_stripe
    post_event(client, event("payment_intent.succeeded", ls.intent(intent_id)))
    exchange.cancel(fresh(reservation.id), world["buyer"].user, "Trenger dem ikke likevel")
    commit()
    [refund] = recorder.find("POST", "/v1/refunds")
    assert refund.idempotency_key == f"reservation-{reservation.id}-refund-{intent_id}"
    assert refund.params == {"payment_intent": intent_id,
                             "metadata[reservation_id]": str(reservation.id),
                             "metadata[attempt]": "1"}  # direct charge: no transfer to reverse
    [at_stripe] = ls.refunds_for(intent_id)
    assert at_stripe["amount"] == 15000
    assert exchange.payment_status(fresh(reservation.id)) == "refunded"


def test_a_payment_that_lands_after_the_cancel_is_refunded(client, ls, world, paid_at_stripe):
    reservation, intent_id = paid_at_stripe  # paid at Stripe, webhook still on its way
    exchange.decline(fresh(reservation.id), world["operator"].user, "Solgt til en annen")
    commit()
    assert exchange.payment_status(fresh(reservation.id)) == "void"
    post_event(client, event("payment_intent.succeeded", ls.intent(intent_id)))
    late = fresh(reservation.id)
    assert late.status == "declined" and late.paid_at is not None
    assert exchange.payment_status(late) == "refunded"
    assert len(ls.refunds_for(intent_id)) == 1


def test_charge_refunded_marks_the_refund(client, ls, recorder, world, paid_at_stripe):
    reservation, intent_id = paid_at_stripe
    post_event(client, event("payment_intent.succeeded", ls.intent(intent_id)))
    recorder.respond("POST", "/v1/refunds", {"id": "re_pending", "object": "refund",
                                             "status": "pending", "amount": 15000})
    exchange.cancel(fresh(reservation.id), world["buyer"].user)
    commit()
    assert exchange.payment_status(fresh(reservation.id)) == "refund_due"
    charge = {"id": "ch_test", "object": "charge", "payment_intent": intent_id,
              "amount": 15000, "currency": "nok", "refunded": True, "amount_refunded": 15000}
    post_event(client, event("charge.refunded", charge | {"amount": 9999}))
    post_event(client, event("charge.refunded", charge | {"refunded": False,
                                                          "amount_refunded": 5000}))
    assert exchange.payment_status(fresh(reservation.id)) == "refund_due"
    post_event(client, event("charge.refunded", charge))
    assert exchange.payment_status(fresh(reservation.id)) == "refunded"
    assert [r.outcome for r in stored()][-3:] == ["mismatch", "ignored", "applied"]
    attempt = db.session.scalar(sa.select(PaymentAttempt))
    assert (attempt.status, attempt.refund_id) == ("refunded", "re_pending")


def test_other_event_types_are_stored_as_ignored(client, ls):
    body = event("customer.created", {"id": "cus_1", "object": "customer"})
    assert post_event(client, body).status_code == 200
    [row] = stored()
    assert (row.outcome, row.processed_at) == ("ignored", None)
    assert db.session.scalar(sa.select(sa.func.count(OutboxEvent.id)).where(
        OutboxEvent.topic == EVENT_RECEIVED)) == 0
    assert WEBHOOK_SECRET  # the default secret signed it
