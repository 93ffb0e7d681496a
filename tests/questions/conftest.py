"""The exchange's fixtures (two organisations with people and tokens, listings, captured
mail) for the question tests."""

from tests.exchange.conftest import (  # noqa: F401 - fixtures
    Api,
    Party,
    _exchange_payment_default,
    another_buyer,
    api,
    buyer,
    categories,
    mailbox,
    make_listing,
    reserve,
    seller,
    stranger,
)
