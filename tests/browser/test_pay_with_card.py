"""Journey: a reuse shop pays Asker kommune by card on the reservation page, with the fake
Stripe.js that localstripe serves, and the page shows "betalt" once the webhook arrived.

What localstripe's fake Stripe.js can and cannot do (localstripe 1.15, localstripe-v3.js):
its card element is four plain text inputs, and ``confirmCardPayment`` ignores the card
data altogether - it only opens its own "3D Secure" dialog and POSTs
``/v1/payment_intents/<id>/_authenticate``, which localstripe accepts only for a
PaymentIntent that already has a card and waits in ``requires_action``. (Its
``createPaymentMethod`` is an empty stub.) Real Stripe.js creates the PaymentMethod from
the card element and confirms in that one call. So the test does that part out of band,
as Stripe.js would: when the dialog shows, it attaches a 3-D Secure test card to the
PaymentIntent and confirms it at localstripe; then the buyer clicks "Complete
authentication" in the browser. Everything else is the real path: the page loads
STRIPE_JS_URL from localstripe under our CSP, our pay.js mounts the element, gets the
client secret from our API, calls confirmCardPayment, follows the redirect, waits, and
localstripe delivers the signed webhook to the running app (gunicorn).
"""

from __future__ import annotations

import pytest
import requests

from app.accounts import orgnr
from tests.browser.conftest import screenshot
from tests.e2e.stack import LiveStack
from tests.payments.stripe_doubles import LocalStripe, stripe_settings


@pytest.fixture(scope="module")
def paying(tmp_path_factory):
    stack = LiveStack(tmp_path_factory.mktemp("paylive"))  # KRETSLOP_TEST_STACK decides
    server = None
    try:
        server = LocalStripe(tmp_path_factory.mktemp("localstripe"))
        settings = stripe_settings(server.url)
        settings.pop("STRIPE_TIMEOUT_SECONDS")
        stack.env.update(settings)
        stack.env.update({"STRIPE_JS_URL": f"{server.url}/js.stripe.com/v3/",
                          "PLATFORM_OPERATOR_ORGNR": orgnr.make(94402865)})  # Asker kommune
        stack.start()
        server.register_webhook(f"{stack.url}/stripe/webhook")
        yield stack, server
    finally:
        stack.stop()
        if server is not None:
            server.stop()


def _api(stack, token, method, path, **kw):
    response = requests.request(method, f"{stack.url}/api/v1{path}", timeout=20,
                                headers={"Authorization": f"Bearer {token}"}, **kw)
    assert response.status_code < 300, response.text
    return response.json()


@pytest.mark.browser
def test_buyer_pays_by_card_and_sees_it_paid(browser, paying):
    stack, server = paying
    kommune = stack.token("kommune@demo.kretslop.no")
    sofa = stack.token("sofa@demo.kretslop.no")
    listing = _api(stack, kommune, "POST", "/listings", json={
        "title": "Kontorpulter fra rådhuset", "category": "desk", "condition": "good",
        "quantity": 6, "unit": "pcs", "price_nok": "125.50", "postcode": "1383",
        "publish": True})
    reservation = _api(stack, sofa, "POST", "/reservations",
                       json={"listing_id": listing["id"], "quantity": 2})
    accepted = _api(stack, kommune, "POST", f"/reservations/{reservation['id']}/accept")
    assert accepted["status"] == "awaiting_payment"

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO",
                                  base_url=stack.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto("/login")
        page.get_by_label("E-post").fill("sofa@demo.kretslop.no")
        page.get_by_label("Passord").fill("kretslop-demo")
        page.get_by_role("button", name="Logg inn").click()
        page.wait_for_url("**/")
        page.goto(f"/reservations/{reservation['id']}")
        card = page.locator("#card-element input")
        card.first.wait_for()  # localstripe's fake element, mounted by our pay.js
        for placeholder, value in (("number", "4242424242424242"), ("exp_month", "12"),
                                   ("exp_year", "34"), ("cvc", "123")):
            page.locator(f"#card-element input[placeholder='{placeholder}']").fill(value)
        screenshot(page, "pay-card-filled")
        page.get_by_role("button", name="Betal kr 251,00").click()
        authenticate = page.get_by_role("button", name="Complete authentication")
        authenticate.wait_for()
        intent = _api(stack, sofa, "GET", f"/reservations/{reservation['id']}")
        intent_id = intent["payment"]["provider_id"]
        assert server.require_authentication(intent_id)["status"] == "requires_action"
        with page.expect_navigation():
            authenticate.click()
        assert "redirect_status=succeeded" in page.url
        page.wait_for_url(f"**/reservations/{reservation['id']}", timeout=30_000)
        page.get_by_text("Betalt med kort").wait_for()
        screenshot(page, "pay-paid")
        body = page.content()
        assert "Betal kr 251,00" not in body
        final = _api(stack, sofa, "GET", f"/reservations/{reservation['id']}")
        assert (final["status"], final["payment"]["status"]) == ("paid", "paid")
        assert not [p for p in problems if "Content Security Policy" in p], problems
    finally:
        context.close()
