"""Stripe Connect, which localstripe lacks: onboarding, account.updated and destination
charges, checked against the exact requests the gateway sends (RecordingHTTPClient, a test
double with canned answers) and with events signed in the test."""

import time

import pytest
import sqlalchemy as sa

from app.db import commit, db
from app.exchange import services as exchange
from app.exchange.models import Reservation
from app.payments.models import ConnectedAccount, ProcessedStripeEvent
from tests.conftest import Auth, bearer
from tests.payments.stripe_doubles import CONNECT_SECRET, event, post_event

ACCOUNT = {"id": "acct_new", "object": "account", "charges_enabled": False,
           "payouts_enabled": False, "details_submitted": False,
           "requirements": {"currently_due": ["external_account", "tos_acceptance.date"],
                            "past_due": [], "disabled_reason": "requirements.past_due"}}
READY = ACCOUNT | {"charges_enabled": True, "payouts_enabled": True, "details_submitted": True,
                   "requirements": {"currently_due": [], "past_due": [],
                                    "disabled_reason": None}}
LINK = {"object": "account_link", "url": "https://connect.stripe.com/setup/e/acct_new/x1",
        "expires_at": 0}


def login(client, party):
    auth = Auth(client)
    auth.login(party.user.email)
    return auth


def account_of(org_id):
    db.session.expire_all()
    return db.session.scalar(sa.select(ConnectedAccount).where(
        ConnectedAccount.organization_id == org_id))


def test_onboarding_creates_an_express_account_and_sends_the_owner_to_stripe(
        client, recorder, world):
    plain = world["plain"]
    login(client, plain)
    page = client.get(f"/organizations/{plain.org.id}/payments").get_data(as_text=True)
    assert "Ikke koblet til" in page and "Koble til Stripe" in page
    recorder.respond("POST", "/v1/accounts", ACCOUNT)
    recorder.respond("POST", "/v1/account_links", LINK)
    csrf = Auth(client).csrf(f"/organizations/{plain.org.id}/payments")
    response = client.post(f"/organizations/{plain.org.id}/payments/connect",
                           data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"] == LINK["url"]
    [create] = recorder.find("POST", "/v1/accounts")
    assert create.idempotency_key == f"organization-{plain.org.id}-connect-account"
    assert create.params == {
        "type": "express", "country": "NO", "default_currency": "nok",
        "business_profile[name]": "Nesbru Kontor AS",
        "capabilities[card_payments][requested]": "true",
        "capabilities[transfers][requested]": "true",
        "metadata[organization_id]": str(plain.org.id), "metadata[orgnr]": plain.org.orgnr}
    [link] = recorder.find("POST", "/v1/account_links")
    base = f"http://kretslop.test/organizations/{plain.org.id}/payments/connect"
    assert link.params == {"account": "acct_new", "refresh_url": f"{base}/refresh",
                           "return_url": f"{base}/return", "type": "account_onboarding"}
    account = account_of(plain.org.id)
    assert (account.stripe_account_id, account.status) == ("acct_new", "pending")
    page = client.get(f"/organizations/{plain.org.id}/payments").get_data(as_text=True)
    assert "Venter på opplysninger" in page and "Fortsett hos Stripe" in page
    # The link expired: Stripe sends the owner to refresh_url, which makes a new link only.
    again = client.get(f"/organizations/{plain.org.id}/payments/connect/refresh")
    assert again.status_code == 303 and again.headers["Location"] == LINK["url"]
    assert len(recorder.find("POST", "/v1/accounts")) == 1
    assert len(recorder.find("POST", "/v1/account_links")) == 2
    # Back from Stripe: the status is re-fetched at once.
    recorder.respond("GET", "/v1/accounts/acct_new", READY)
    back = client.get(f"/organizations/{plain.org.id}/payments/connect/return",
                      follow_redirects=True)
    assert "Stripe-kontoen er klar" in back.get_data(as_text=True)
    assert account_of(plain.org.id).status == "ready"


def test_only_owners_and_admins_see_and_start_onboarding(client, make, recorder, world):
    plain = world["plain"]
    member = make.user(plain.org, "member")
    Auth(client).login(member.email)
    assert client.get(f"/organizations/{plain.org.id}/payments").status_code == 403
    org_page = client.get(f"/organizations/{plain.org.id}").get_data(as_text=True)
    assert "Betalingsoppsett" not in org_page
    csrf = Auth(client).csrf("/")
    assert client.post(f"/organizations/{plain.org.id}/payments/connect",
                       data={"csrf_token": csrf}).status_code == 403
    Auth(client).logout()
    login(client, world["stranger"])
    assert client.get(f"/organizations/{plain.org.id}/payments").status_code == 404
    assert recorder.calls == [] and account_of(plain.org.id) is None
    Auth(client).logout()
    login(client, plain)
    org_page = client.get(f"/organizations/{plain.org.id}").get_data(as_text=True)
    assert "Betalingsoppsett" in org_page and "Ikke koblet til" in org_page


def test_the_platform_operator_needs_no_connection(client, recorder, world):
    operator = world["operator"]
    login(client, operator)
    page = client.get(f"/organizations/{operator.org.id}/payments").get_data(as_text=True)
    assert "driver plattformen" in page and "Koble til Stripe" not in page
    csrf = Auth(client).csrf("/")
    response = client.post(f"/organizations/{operator.org.id}/payments/connect",
                           data={"csrf_token": csrf}, follow_redirects=True)
    assert "trenger ingen tilkobling" in response.get_data(as_text=True)
    assert recorder.calls == []


def test_without_stripe_the_page_says_pay_at_pickup(app, client, world):
    app.config["STRIPE_SECRET_KEY"] = None
    login(client, world["plain"])
    page = client.get(f"/organizations/{world['plain'].org.id}/payments").get_data(as_text=True)
    assert "ikke satt opp" in page and "Koble til Stripe" not in page


def _account_event(created, **fields):
    return event("account.updated", ACCOUNT | {"id": "acct_heggedal"} | fields,
                 created=created, account="acct_heggedal")


def test_account_updated_keeps_the_status_and_ignores_older_events(client, world):
    now = int(time.time())
    shop = world["connected"].org
    response = post_event(client, _account_event(now - 10), secret=CONNECT_SECRET,
                          path="/stripe/connect-webhook")
    assert response.status_code == 200
    assert account_of(shop.id).status == "pending"
    assert account_of(shop.id).currently_due == ["external_account", "tos_acceptance.date"]
    post_event(client, _account_event(now, **{k: READY[k] for k in (
        "charges_enabled", "payouts_enabled", "requirements")}), secret=CONNECT_SECRET,
        path="/stripe/connect-webhook")
    assert account_of(shop.id).status == "ready"
    older = _account_event(now - 5)  # delivered late: must not roll the status back
    post_event(client, older, secret=CONNECT_SECRET, path="/stripe/connect-webhook")
    assert account_of(shop.id).status == "ready"
    db.session.expire_all()
    row = db.session.scalar(sa.select(ProcessedStripeEvent).where(
        ProcessedStripeEvent.event_id == older["id"]))
    assert (row.outcome, row.endpoint, row.account) == ("ignored", "connect", "acct_heggedal")
    unknown = event("account.updated", READY | {"id": "acct_nobody"})
    post_event(client, unknown, secret=CONNECT_SECRET, path="/stripe/connect-webhook")
    # Signed with the platform secret: refused; sent to the platform endpoint: not acted on.
    assert post_event(client, _account_event(now + 5), path="/stripe/connect-webhook"
                      ).status_code == 400
    post_event(client, _account_event(now + 6))
    assert account_of(shop.id).status == "ready"


def _intent(reservation, status="requires_payment_method", destination="acct_heggedal", **kw):
    return {"id": "pi_dest_1", "object": "payment_intent", "amount": reservation.amount_ore,
            "currency": "nok", "status": status, "client_secret": "pi_dest_1_secret_x",
            "metadata": {"reservation_id": str(reservation.id)},
            "transfer_data": {"destination": destination}, "on_behalf_of": destination,
            "application_fee_amount": 375, "latest_charge": "ch_dest_1", **kw}


def test_destination_charge_fee_payment_and_refund(app, client, recorder, world, awaiting):
    app.config["PLATFORM_FEE_PERCENT"] = "2.5"
    reservation = awaiting("connected", price_nok=75, quantity=2)
    recorder.respond("POST", "/v1/payment_intents", _intent(reservation))
    response = client.post(f"/api/v1/reservations/{reservation.id}/payment",
                           headers=bearer(world["buyer"].token))
    assert response.status_code == 200, response.get_json()
    [create] = recorder.find("POST", "/v1/payment_intents")
    assert create.idempotency_key == f"reservation-{reservation.id}-payment-1"
    assert create.params["amount"] == "15000" and create.params["currency"] == "nok"
    assert create.params["transfer_data[destination]"] == "acct_heggedal"
    assert create.params["on_behalf_of"] == "acct_heggedal"
    assert create.params["application_fee_amount"] == "375"
    # Stripe reports a PaymentIntent paid to someone else: logged, not applied.
    recorder.respond("GET", "/v1/payment_intents/pi_dest_1",
                     _intent(reservation, "succeeded", destination="acct_evil"))
    post_event(client, event("payment_intent.succeeded", _intent(reservation, "succeeded")))
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "awaiting_payment"
    recorder.respond("GET", "/v1/payment_intents/pi_dest_1", _intent(reservation, "succeeded"))
    post_event(client, event("payment_intent.succeeded", _intent(reservation, "succeeded")))
    db.session.expire_all()
    paid = db.session.get(Reservation, reservation.id)
    assert (paid.status, paid.payment_provider_id) == ("paid", "pi_dest_1")
    recorder.respond("POST", "/v1/refunds", {"id": "re_dest_1", "object": "refund",
                                             "status": "succeeded", "amount": 15000})
    exchange.cancel(paid, world["connected"].user, "Dørene var solgt")
    commit()
    [refund] = recorder.find("POST", "/v1/refunds")
    assert refund.params == {"payment_intent": "pi_dest_1", "reverse_transfer": "true",
                             "refund_application_fee": "true",
                             "metadata[reservation_id]": str(reservation.id),
                             "metadata[attempt]": "1"}
    assert refund.idempotency_key == f"reservation-{reservation.id}-refund-pi_dest_1"
    db.session.expire_all()
    assert exchange.payment_status(db.session.get(Reservation, reservation.id)) == "refunded"


@pytest.mark.parametrize("field", ["charges_enabled", "payouts_enabled"])
def test_an_account_that_is_not_ready_means_pay_at_pickup(world, awaiting, field):
    account = account_of(world["connected"].org.id)
    setattr(account, field, False)
    commit()
    with pytest.raises(AssertionError, match="accepted"):
        awaiting("connected")


def test_onboarding_while_stripe_is_unreachable_says_so_and_stores_nothing(client, world):
    plain = world["plain"]  # the app points at a port where nothing listens
    login(client, plain)
    csrf = Auth(client).csrf(f"/organizations/{plain.org.id}/payments")
    response = client.post(f"/organizations/{plain.org.id}/payments/connect",
                           data={"csrf_token": csrf}, follow_redirects=True)
    assert response.status_code == 200
    assert "Stripe svarer ikke" in response.get_data(as_text=True)
    assert account_of(plain.org.id) is None
