"""POST /api/v1/reservations/{id}/payment against localstripe: the PaymentIntent per attempt,
exactly what is sent, and every refusal (which changes nothing and calls no Stripe)."""

import pytest
import sqlalchemy as sa

from app.db import commit, db
from app.exchange import services as exchange
from app.exchange.models import Reservation
from app.payments.models import PaymentAttempt
from tests.conftest import bearer
from tests.openapi_check import check_response
from tests.payments.conftest import accept, make_listing, reserve


def post_payment(client, reservation_id, token):
    response = client.post(f"/api/v1/reservations/{reservation_id}/payment",
                           headers=bearer(token))
    check_response(response)
    return response


def attempts(reservation_id):
    db.session.expire_all()
    return db.session.scalars(sa.select(PaymentAttempt).where(
        PaymentAttempt.reservation_id == reservation_id)).all()


def test_buyer_gets_the_payment_intent_of_attempt_one(client, ls, recorder, world, awaiting):
    reservation = awaiting()
    response = post_payment(client, reservation.id, world["buyer"].token)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    intent_id = body["payment_intent_id"]
    assert body["client_secret"].startswith(f"{intent_id}_secret_")
    assert (body["status"], body["attempt"], body["amount_nok"], body["currency"]) == (
        "requires_payment_method", 1, 150, "nok")
    assert body["publishable_key"] == "pk_test_kretslop"
    [create] = recorder.find("POST", "/v1/payment_intents")
    assert create.idempotency_key == f"reservation-{reservation.id}-payment-1"
    assert create.params == {
        "amount": "15000", "currency": "nok", "payment_method_types[0]": "card",
        "metadata[reservation_id]": str(reservation.id),
        "metadata[listing_id]": str(reservation.listing_id),
        "metadata[buyer_org_id]": str(world["buyer"].org.id),
        "metadata[seller_org_id]": str(world["operator"].org.id), "metadata[attempt]": "1"}
    at_stripe = ls.intent(intent_id)
    assert (at_stripe["amount"], at_stripe["currency"]) == (15000, "nok")
    assert at_stripe["metadata"]["reservation_id"] == str(reservation.id)
    json = client.get(f"/api/v1/reservations/{reservation.id}",
                      headers=bearer(world["buyer"].token)).get_json()
    assert json["status"] == "awaiting_payment"
    assert json["payment"] == {"method": "stripe", "provider_id": intent_id, "amount_nok": 150,
                               "status": "pending", "paid_at": None}
    again = post_payment(client, reservation.id, world["buyer"].token).get_json()
    assert (again["payment_intent_id"], again["attempt"]) == (intent_id, 1)
    assert len(recorder.find("POST", "/v1/payment_intents")) == 1  # no second PaymentIntent
    assert len(attempts(reservation.id)) == 1


def _snapshot(reservation_id):
    db.session.expire_all()
    row = db.session.get(Reservation, reservation_id)
    return (row.status, row.payment_method, row.payment_provider_id, row.paid_at,
            len(attempts(reservation_id)))


@pytest.mark.parametrize("case", ["free", "declined", "cancelled", "requested", "at_pickup",
                                  "below_minimum", "stranger", "seller"])
def test_refusals_change_nothing_and_call_no_stripe(client, recorder, world, awaiting, case):
    buyer, operator = world["buyer"], world["operator"]
    token = buyer.token
    if case == "free":
        reservation = accept(operator, reserve(buyer, make_listing(operator, 0)))
    elif case == "requested":
        reservation = reserve(buyer, make_listing(operator, 75))
    elif case == "at_pickup":
        reservation = accept(world["plain"], reserve(buyer, make_listing(world["plain"], 75)))
    elif case == "below_minimum":
        reservation = accept(operator, reserve(buyer, make_listing(operator, "2.99")))
    else:
        reservation = awaiting()
        if case == "declined":
            exchange.decline(reservation, operator.user, "Solgt")
        elif case == "cancelled":
            exchange.cancel(reservation, buyer.user)
        elif case == "stranger":
            token = world["stranger"].token
        elif case == "seller":
            token = operator.token
        commit()
    before = _snapshot(reservation.id)
    response = post_payment(client, reservation.id, token)
    expected = {"stranger": 404, "seller": 403}.get(case, 409)
    assert response.status_code == expected, response.get_json()
    assert response.mimetype == "application/problem+json"
    detail = response.get_json().get("detail", "")
    assert {"free": "gratis", "at_pickup": "ved henting", "below_minimum": "under kr 3",
            "declined": "avslått", "cancelled": "avbrutt", "requested": "forespurt",
            "stranger": "finnes ikke", "seller": "mottakeren"}[case] in detail
    assert recorder.calls == []
    assert _snapshot(reservation.id) == before


def test_without_login_401(client, world, awaiting):
    reservation = awaiting()
    response = client.post(f"/api/v1/reservations/{reservation.id}/payment")
    check_response(response)
    assert response.status_code == 401


def test_stripe_unreachable_is_503_and_stores_nothing(client, world, awaiting):
    reservation = awaiting()  # the app points at a port where nothing listens
    before = _snapshot(reservation.id)
    response = post_payment(client, reservation.id, world["buyer"].token)
    assert response.status_code == 503
    assert "Prøv igjen" in response.get_json()["detail"]
    assert _snapshot(reservation.id) == before


def test_localstripe_refuses_destination_charges_and_nothing_is_stored(client, ls, recorder,
                                                                       world, awaiting):
    """localstripe has no Connect: it answers 400 to transfer_data (see test_connect.py for
    the destination charge against the recorded request)."""
    reservation = awaiting("connected")
    response = post_payment(client, reservation.id, world["buyer"].token)
    assert response.status_code == 503
    [create] = recorder.find("POST", "/v1/payment_intents")
    assert create.params["transfer_data[destination]"] == "acct_heggedal"
    assert attempts(reservation.id) == []
