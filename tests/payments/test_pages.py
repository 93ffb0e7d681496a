"""What the pages say: "betaling ved henting", the kr 3 minimum, the pay step with its
data attributes and external scripts only, "venter på bekreftelse", and the CSP."""

import re

import pytest

from app.db import commit, db
from app.exchange import services as exchange
from app.payments.models import PaymentAttempt
from tests.conftest import Auth
from tests.payments.conftest import accept, make_listing, reserve


def page(client, party, path) -> str:
    Auth(client).login(party.user.email)
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_listing_page_says_how_it_is_paid(app, client, world):
    operator, plain, buyer = world["operator"], world["plain"], world["buyer"]
    online = make_listing(operator, 75)
    cheap = make_listing(operator, "2.00")
    pickup = make_listing(plain, 75)
    gift = make_listing(operator, 0)
    html = page(client, buyer, f"/listings/{online.id}")
    assert "Betales med kort her på siden" in html and "under kr 3" not in html
    assert "Totalbeløp under kr 3 betales ved henting" in client.get(
        f"/listings/{cheap.id}").get_data(as_text=True)
    assert "Betaling ved henting." in client.get(f"/listings/{pickup.id}").get_data(as_text=True)
    gift_html = client.get(f"/listings/{gift.id}").get_data(as_text=True)
    assert "Betaling ved henting" not in gift_html and "Betales med kort" not in gift_html
    app.config["STRIPE_SECRET_KEY"] = None  # the marketplace without Stripe: as before
    assert "Betaling ved henting." in client.get(f"/listings/{online.id}").get_data(as_text=True)


def test_buyer_sees_the_pay_step_with_external_scripts_only(client, world, awaiting):
    reservation = awaiting()
    html = page(client, world["buyer"], f"/reservations/{reservation.id}")
    assert 'id="pay-step"' in html and 'id="card-element"' in html
    assert "Betal kr 150,00" in html
    assert f'data-intent-url="/api/v1/reservations/{reservation.id}/payment"' in html
    assert 'data-publishable-key="pk_test_kretslop"' in html
    assert '<script src="https://js.stripe.com/v3/" defer></script>' in html
    assert "/static/payments/pay.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert "Venter på at mottakeren betaler" not in html


def test_seller_sees_waiting_for_payment_not_the_card_form(client, world, awaiting):
    reservation = awaiting()
    html = page(client, world["operator"], f"/reservations/{reservation.id}")
    assert "Venter på at mottakeren betaler" in html and 'id="pay-step"' not in html


def test_after_the_redirect_the_page_waits_for_the_webhook(client, world, awaiting):
    reservation = awaiting()
    html = page(client, world["buyer"], f"/reservations/{reservation.id}"
                "?payment_intent=pi_x&redirect_status=succeeded")
    assert "Venter på bekreftelse fra Stripe" in html
    assert 'data-waiting="1"' in html and 'id="pay-form"' not in html
    assert "Venter på betaling" in html  # still not paid: only the webhook does that


def test_a_declined_attempt_is_explained_and_the_form_is_back(client, world, awaiting):
    reservation = awaiting()
    db.session.add(PaymentAttempt(
        reservation_id=reservation.id, attempt=1, payment_intent_id="pi_failed",
        idempotency_key=f"reservation-{reservation.id}-payment-1", amount_ore=15000,
        status="failed", intent_status="requires_payment_method",
        last_error="Your card was declined."))
    commit()
    html = page(client, world["buyer"], f"/reservations/{reservation.id}")
    assert "Betalingen ble ikke godkjent: Your card was declined." in html
    assert 'id="pay-form"' in html


def test_paid_at_pickup_pages_say_so_and_explain_the_minimum(client, world):
    operator, buyer = world["operator"], world["buyer"]
    small = accept(operator, reserve(buyer, make_listing(operator, "2.50")))
    html = page(client, buyer, f"/reservations/{small.id}")
    assert "Betaling ved henting" in html and "minstebeløpet for kortbetaling" in html
    assert 'id="pay-step"' not in html
    requested = reserve(buyer, make_listing(world["plain"], 40))
    assert "Betaling ved henting." in client.get(f"/reservations/{requested.id}").get_data(
        as_text=True)
    online = reserve(buyer, make_listing(operator, 40))
    assert "betaler med kort her på siden når giveren har godtatt" in client.get(
        f"/reservations/{online.id}").get_data(as_text=True)


def test_a_paid_reservation_says_paid_by_card(client, world, awaiting):
    reservation = awaiting()
    exchange.mark_paid(reservation, "pi_done")
    commit()
    html = page(client, world["buyer"], f"/reservations/{reservation.id}")
    assert "Betalt med kort" in html and 'id="pay-step"' not in html


@pytest.mark.parametrize(("js", "api", "script", "connect", "frame"), [
    ("https://js.stripe.com/v3/", None, "https://js.stripe.com",
     "https://api.stripe.com", "https://hooks.stripe.com"),
    ("http://127.0.0.1:8420/js.stripe.com/v3/", "http://127.0.0.1:8420",
     "http://127.0.0.1:8420", "http://127.0.0.1:8420", "http://127.0.0.1:8420"),
])
def test_csp_allows_stripe_js_and_its_api(app, client, js, api, script, connect, frame):
    app.config.update(STRIPE_JS_URL=js, STRIPE_API_BASE=api)
    csp = dict(part.split(" ", 1) for part in client.get("/").headers[
        "Content-Security-Policy"].split("; "))
    assert script in csp["script-src"] and "'unsafe-inline'" not in csp["script-src"]
    assert connect in csp["connect-src"] and frame in csp["frame-src"]
