"""End to end against localstripe with the app running as a real HTTP server: localstripe
itself delivers the signed webhooks (about 1 s after the action) to the running app.

The app is served as ``KRETSLOP_TEST_STACK`` says: ``embedded`` (default), a werkzeug
server in a thread on 127.0.0.1 over the test database in committed mode, jobs inline;
``scale`` (CI's PostgreSQL pass), the production shape of ``tests/e2e/stack.py``:
gunicorn x2 on a scratch PostgreSQL database with an RQ worker that applies the webhooks
through the outbox. The test sets up its parties with an app in its own process on the
same database, and plays the buyer's browser (our API, then Stripe.js's part at
localstripe).
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.db import db
from app.payments.models import PaymentAttempt, ProcessedStripeEvent
from tests.conftest import Builders
from tests.e2e.stack import LiveStack, stack_mode
from tests.payments.conftest import (
    OPERATOR_ORGNR,
    accept,
    build_world,
    make_listing,
    reserve,
)
from tests.payments.stripe_doubles import stripe_settings


@pytest.fixture
def served(request, stripe_server, tmp_path):
    """(app in this process, URL of the served app), in the KRETSLOP_TEST_STACK shape."""
    if stack_mode() == "scale":
        yield from _served_at_scale(stripe_server, tmp_path)
        return
    committed_app = request.getfixturevalue("committed_app")
    committed_app.config["STRIPE_API_BASE"] = stripe_server.url
    server = make_server("127.0.0.1", 0, committed_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    stripe_server.register_webhook(f"{url}/stripe/webhook")
    try:
        yield committed_app, url
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _served_at_scale(stripe_server, tmp_path):
    stack = LiveStack(tmp_path / "stack", mode="scale", seed=False)
    settings = stripe_settings(stripe_server.url)
    settings.pop("STRIPE_TIMEOUT_SECONDS")
    stack.env.update(settings)
    stack.env.update({"PLATFORM_OPERATOR_ORGNR": OPERATOR_ORGNR, "PLATFORM_FEE_PERCENT": "0"})
    try:
        stack.start()
        stripe_server.register_webhook(f"{stack.url}/stripe/webhook")
        with stack.app_beside() as application:
            yield application, stack.url
    finally:
        stack.stop()


@pytest.fixture
def live(served):
    return served[1]


@pytest.fixture
def people(served):
    return build_world(Builders(served[0]))


def api(live, method, path, token, **kw):
    return requests.request(method, f"{live}/api/v1{path}", timeout=15,
                            headers={"Authorization": f"Bearer {token}"}, **kw)


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def awaiting(people, price=75, quantity=2):
    operator = people["operator"]
    reservation = accept(operator, reserve(people["buyer"], make_listing(operator, price),
                                           quantity))
    assert reservation.status == "awaiting_payment"
    return reservation.id


def payment_of(live, people, rid):
    return api(live, "GET", f"/reservations/{rid}", people["buyer"].token).json()["payment"]


def start(live, people, rid):
    response = api(live, "POST", f"/reservations/{rid}/payment", people["buyer"].token)
    assert response.status_code == 200, response.text
    return response.json()


def attempts(rid):
    db.session.rollback()  # a new snapshot: the server thread committed meanwhile
    return db.session.scalars(sa.select(PaymentAttempt).where(
        PaymentAttempt.reservation_id == rid).order_by(PaymentAttempt.attempt)).all()


@pytest.mark.slow
def test_pay_by_card_webhook_marks_paid_then_cancel_refunds(live, stripe_server, people):
    rid = awaiting(people)
    session = start(live, people, rid)
    intent = session["payment_intent_id"]
    assert payment_of(live, people, rid)["status"] == "pending"
    assert stripe_server.pay(intent, "pm_card_visa").status_code == 200
    # Not paid by the confirmation itself: only when localstripe's webhook has arrived.
    paid = wait_for(lambda: (p := payment_of(live, people, rid))["status"] == "paid" and p)
    assert (paid["method"], paid["provider_id"], paid["amount_nok"]) == ("stripe", intent, 150)
    db.session.rollback()
    [row] = db.session.scalars(sa.select(ProcessedStripeEvent).where(
        ProcessedStripeEvent.object_id == intent)).all()
    assert (row.type, row.outcome) == ("payment_intent.succeeded", "applied")
    assert row.event_id.startswith("evt_")
    cancelled = api(live, "POST", f"/reservations/{rid}/cancel", people["buyer"].token,
                    json={"reason": "Feil antall"})
    assert cancelled.status_code == 200, cancelled.text
    wait_for(lambda: payment_of(live, people, rid)["status"] == "refunded")
    [refund] = stripe_server.refunds_for(intent)
    assert (refund["amount"], refund["status"]) == (15000, "succeeded")
    assert attempts(rid)[0].status == "refunded"


@pytest.mark.slow
def test_a_declined_card_then_a_second_attempt(live, stripe_server, people):
    rid = awaiting(people, price=120, quantity=1)
    first = start(live, people, rid)["payment_intent_id"]
    declined = stripe_server.pay(first, "pm_card_chargeCustomerFail")
    assert declined.status_code == 402
    assert declined.json()["error"]["code"] == "card_declined"
    wait_for(lambda: attempts(rid)[0].status == "failed")
    assert payment_of(live, people, rid)["status"] == "pending"
    second = start(live, people, rid)
    assert second["attempt"] == 2 and second["payment_intent_id"] != first
    assert stripe_server.intent(first)["status"] == "canceled"
    assert stripe_server.pay(second["payment_intent_id"]).status_code == 200
    paid = wait_for(lambda: (p := payment_of(live, people, rid))["status"] == "paid" and p)
    assert paid["provider_id"] == second["payment_intent_id"]
    assert [a.status for a in attempts(rid)] == ["failed", "succeeded"]


@pytest.mark.slow
def test_localstripe_does_not_decline_pm_card_visa_chargeDeclined(live, stripe_server, people):
    """Why the decline test uses pm_card_chargeCustomerFail: localstripe 1.15 maps
    pm_card_visa_chargeDeclined to 4000 0000 0000 0002, which it declines only when the
    card is *attached* to a customer, not when a PaymentIntent charges it. Whatever
    localstripe says, the app follows Stripe's word (here: a successful payment)."""
    rid = awaiting(people, price=50, quantity=1)
    intent = start(live, people, rid)["payment_intent_id"]
    assert stripe_server.pay(intent, "pm_card_visa_chargeDeclined").status_code == 200
    wait_for(lambda: payment_of(live, people, rid)["status"] == "paid")
