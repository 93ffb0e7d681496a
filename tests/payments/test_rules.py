"""Who is paid online and how: the chooser, the kr 3 minimum, fees, PaymentIntent params."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import create_app
from app.payments import services
from app.payments.models import ConnectedAccount
from tests.payments.conftest import accept, make_listing, reserve


def test_operator_is_paid_online_directly(world):
    reservation = accept(world["operator"], reserve(world["buyer"],
                                                    make_listing(world["operator"], 75), 2))
    assert (reservation.status, reservation.payment_method) == ("awaiting_payment", "stripe")
    assert services.route_for(world["operator"].org) == services.Route("direct")


def test_seller_with_a_ready_connected_account_gets_a_destination_charge(world):
    assert services.route_for(world["connected"].org) == services.Route(
        "destination", "acct_heggedal")
    reservation = accept(world["connected"], reserve(world["buyer"],
                                                     make_listing(world["connected"], 10), 1))
    assert reservation.payment_method == "stripe"


def test_seller_without_stripe_and_pending_accounts_are_paid_at_pickup(world):
    reservation = accept(world["plain"], reserve(world["buyer"],
                                                 make_listing(world["plain"], 75), 1))
    assert (reservation.status, reservation.payment_method) == ("accepted", "at_pickup")
    account = services.connected_account(world["connected"].org.id)
    account.payouts_enabled = False
    assert services.route_for(world["connected"].org) is None


def test_without_stripe_keys_everything_priced_is_paid_at_pickup(world, app):
    app.config["STRIPE_WEBHOOK_SECRET"] = None  # no way to confirm: no online payment
    assert not services.stripe_enabled()
    reservation = accept(world["operator"], reserve(world["buyer"],
                                                    make_listing(world["operator"], 75), 1))
    assert reservation.payment_method == "at_pickup"


def test_totals_below_kr_3_fall_back_to_pickup_and_say_why(world):
    listing = make_listing(world["operator"], "1.50")
    small = accept(world["operator"], reserve(world["buyer"], listing, 1))
    assert (small.amount_ore, small.payment_method) == (150, "at_pickup")
    assert "under kr 3" in services.at_pickup_reason(small)
    enough = accept(world["operator"], reserve(world["buyer"], listing, 2))
    assert (enough.amount_ore, enough.payment_method) == (300, "stripe")
    assert services.at_pickup_reason(enough) is None


def test_gifts_have_no_payment(world):
    gift = accept(world["operator"], reserve(world["buyer"], make_listing(world["operator"], 0)))
    assert (gift.status, gift.payment_method) == ("accepted", None)


@pytest.mark.parametrize(("amount", "percent", "fee"), [
    (15000, "0", 0), (15000, "2.5", 375), (333, "5", 17), (330, "5", 17), (310, "5", 16),
    (300, "99.9", 300), (12345, "1.25", 154), (101, "0.5", 1), (99, "0.5", 0),
])
def test_fee_is_rounded_half_up_to_whole_ore(app, amount, percent, fee):
    assert services.application_fee_ore(amount, Decimal(percent)) == fee


@settings(max_examples=200, deadline=None, database=None)
@given(amount=st.integers(min_value=300, max_value=10**9),
       percent=st.decimals(min_value=0, max_value="99.99", places=2))
def test_fee_never_exceeds_the_amount_and_is_within_half_an_ore(amount, percent):
    fee = services.application_fee_ore(amount, percent)
    assert 0 <= fee <= amount
    assert abs(Decimal(fee) - Decimal(amount) * percent / 100) <= Decimal("0.5")


@pytest.mark.parametrize("value", ["-1", "100", "abc"])
def test_a_wrong_fee_setting_stops_the_app_at_start(app_config, value):
    with pytest.raises(RuntimeError, match="PLATFORM_FEE_PERCENT"):
        create_app({**app_config, "PLATFORM_FEE_PERCENT": value})


def test_payment_intent_parameters_direct_and_destination(app, world):
    app.config["PLATFORM_FEE_PERCENT"] = 2.5
    direct = accept(world["operator"], reserve(world["buyer"],
                                               make_listing(world["operator"], 75), 2))
    params = services.payment_intent_params(direct, 1, services.Route("direct"))
    assert params == {
        "amount": 15000, "currency": "nok", "payment_method_types": ["card"],
        "metadata": {"reservation_id": str(direct.id), "listing_id": str(direct.listing_id),
                     "buyer_org_id": str(world["buyer"].org.id),
                     "seller_org_id": str(world["operator"].org.id), "attempt": "1"}}
    shop = accept(world["connected"], reserve(world["buyer"],
                                              make_listing(world["connected"], "33.30"), 1))
    params = services.payment_intent_params(shop, 2, services.route_for(world["connected"].org))
    assert params["transfer_data"] == {"destination": "acct_heggedal"}
    assert params["on_behalf_of"] == "acct_heggedal"
    assert params["application_fee_amount"] == 83  # 3330 x 2.5 % = 83.25
    assert params["metadata"]["attempt"] == "2"
    app.config["PLATFORM_FEE_PERCENT"] = 0
    assert "application_fee_amount" not in services.payment_intent_params(
        shop, 3, services.route_for(world["connected"].org))


def test_connected_account_status(app, world):
    account = ConnectedAccount(organization_id=world["plain"].org.id, stripe_account_id="acct_x",
                               requirements={"currently_due": ["external_account"],
                                             "past_due": ["tos_acceptance.date"]})
    assert account.status == "pending"
    assert account.currently_due == ["tos_acceptance.date", "external_account"]
    account.charges_enabled = account.payouts_enabled = True
    assert account.status == "ready"
